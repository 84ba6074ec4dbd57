"""Rotation, JWKS publication and verification keys across a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest

from keys import FileKeyStore, KeyInfo, KeyNotFound, KeyState

PASSPHRASE = b"rotation test passphrase"
PURPOSE = "issuer:transport"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=30)
PUBLISH_FOR = timedelta(days=365)


@pytest.fixture
def store(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys", PASSPHRASE)


def _kids(jwks: dict[str, list[dict[str, str]]]) -> list[str]:
    return [jwk["kid"] for jwk in jwks["keys"]]


def test_rotate_retires_the_active_key(store: FileKeyStore) -> None:
    old = store.ensure_active(PURPOSE, now=T0)
    new = store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    assert new.kid != old.kid
    assert store.active(PURPOSE).kid == new.kid
    assert store.list_keys(PURPOSE) == [
        KeyInfo(
            kid=old.kid,
            purpose=PURPOSE,
            state=KeyState.RETIRED,
            created_at=T0,
            retired_at=T1,
            publish_until=T1 + PUBLISH_FOR,
        ),
        KeyInfo(kid=new.kid, purpose=PURPOSE, state=KeyState.ACTIVE, created_at=T1),
    ]


def test_ensure_active_after_rotation_returns_the_new_key(store: FileKeyStore) -> None:
    store.ensure_active(PURPOSE, now=T0)
    new = store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    assert store.ensure_active(PURPOSE, now=T1).kid == new.kid
    assert len(store.list_keys(PURPOSE)) == 2


def test_rotate_without_a_key_just_creates_one(store: FileKeyStore) -> None:
    key = store.rotate(PURPOSE, now=T0, publish_for=PUBLISH_FOR)
    assert store.active(PURPOSE).kid == key.kid
    assert [info.state for info in store.list_keys(PURPOSE)] == [KeyState.ACTIVE]


def test_rotate_rejects_a_negative_publication_period(store: FileKeyStore) -> None:
    old = store.ensure_active(PURPOSE, now=T0)
    with pytest.raises(ValueError, match="publish_for"):
        store.rotate(PURPOSE, now=T1, publish_for=timedelta(seconds=-1))
    assert store.active(PURPOSE).kid == old.kid


def test_jwks_publishes_the_retired_key_until_publish_until(store: FileKeyStore) -> None:
    old = store.ensure_active(PURPOSE, now=T0)
    new = store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    end = T1 + PUBLISH_FOR
    assert _kids(store.jwks(PURPOSE, now=T1)) == [new.kid, old.kid]
    assert _kids(store.jwks(PURPOSE, now=end - timedelta(seconds=1))) == [new.kid, old.kid]
    assert _kids(store.jwks(PURPOSE, now=end)) == [new.kid]
    assert _kids(store.jwks(PURPOSE, now=end + timedelta(days=1))) == [new.kid]


def test_published_lists_active_first_then_most_recently_retired(store: FileKeyStore) -> None:
    first = store.ensure_active(PURPOSE, now=T0)
    second = store.rotate(PURPOSE, now=T0 + timedelta(days=1), publish_for=PUBLISH_FOR)
    third = store.rotate(PURPOSE, now=T0 + timedelta(days=2), publish_for=timedelta(days=10))
    published = store.published(PURPOSE, now=T0 + timedelta(days=3))
    assert [info.kid for info in published] == [third.kid, second.kid, first.kid]
    # second retired at day 2 for 10 days; first retired at day 1 for a year.
    later = store.published(PURPOSE, now=T0 + timedelta(days=20))
    assert [info.kid for info in later] == [third.kid, first.kid]


def test_jwks_entries_hold_public_members_only(store: FileKeyStore) -> None:
    store.ensure_active(PURPOSE, now=T0)
    store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    jwks = store.jwks(PURPOSE, now=T1)
    assert set(jwks) == {"keys"}
    assert len(jwks["keys"]) == 2
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
        assert "d" not in jwk
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")


def test_verification_keys_verify_tokens_signed_before_rotation(store: FileKeyStore) -> None:
    old = store.ensure_active(PURPOSE, now=T0)
    token = old.sign_jws({"sub": "signed-before-rotation"})
    new = store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    keys = store.verification_keys(PURPOSE, now=T1)
    assert set(keys) == {old.kid, new.kid}
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid], algorithms=["ES256"])
    assert claims == {"sub": "signed-before-rotation"}
    assert set(store.verification_keys(PURPOSE, now=T1 + PUBLISH_FOR)) == {new.kid}


def test_rotation_by_one_instance_is_seen_by_another(store: FileKeyStore) -> None:
    worker = FileKeyStore(store.directory, PASSPHRASE)
    old = store.ensure_active(PURPOSE, now=T0)
    assert worker.active(PURPOSE).kid == old.kid
    new = store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    assert worker.active(PURPOSE).kid == new.kid
    assert _kids(worker.jwks(PURPOSE, now=T1)) == [new.kid, old.kid]
    # And the other way round: the worker's rotation reaches the first instance.
    newest = worker.rotate(PURPOSE, now=T1 + timedelta(days=1), publish_for=PUBLISH_FOR)
    assert store.active(PURPOSE).kid == newest.kid


def test_rotation_survives_a_restart(store: FileKeyStore) -> None:
    store.ensure_active(PURPOSE, now=T0)
    store.rotate(PURPOSE, now=T1, publish_for=PUBLISH_FOR)
    restarted = FileKeyStore(store.directory, PASSPHRASE)
    assert restarted.list_keys(PURPOSE) == store.list_keys(PURPOSE)
    assert restarted.jwks(PURPOSE, now=T1) == store.jwks(PURPOSE, now=T1)


def test_times_are_stored_in_utc(store: FileKeyStore) -> None:
    paris = timezone(timedelta(hours=1))
    store.ensure_active(PURPOSE, now=T0.astimezone(paris))
    store.rotate(PURPOSE, now=T1.astimezone(paris), publish_for=PUBLISH_FOR)
    retired = store.list_keys(PURPOSE)[0]
    assert retired.created_at == T0
    assert retired.retired_at == T1
    assert retired.created_at.utcoffset() == timedelta(0)
    text = (store.directory / "issuer__transport" / "keyset.json").read_text()
    assert "+01:00" not in text


def test_key_info_is_published_follows_the_state() -> None:
    active = KeyInfo(kid="k", purpose=PURPOSE, state=KeyState.ACTIVE, created_at=T0)
    retired = KeyInfo(
        kid="r",
        purpose=PURPOSE,
        state=KeyState.RETIRED,
        created_at=T0,
        retired_at=T1,
        publish_until=T1 + PUBLISH_FOR,
    )
    far_future = T1 + 10 * PUBLISH_FOR
    assert active.is_published(far_future)
    assert retired.is_published(T1)
    assert not retired.is_published(T1 + PUBLISH_FOR)


def test_key_info_rejects_inconsistent_metadata() -> None:
    with pytest.raises(ValueError, match="retired"):
        KeyInfo(kid="k", purpose=PURPOSE, state=KeyState.RETIRED, created_at=T0)
    with pytest.raises(ValueError, match="retired"):
        KeyInfo(kid="k", purpose=PURPOSE, state=KeyState.ACTIVE, created_at=T0, retired_at=T1)
    naive = datetime(2025, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        KeyInfo(kid="k", purpose=PURPOSE, state=KeyState.ACTIVE, created_at=naive)


def test_revoking_the_active_key_makes_a_new_one_and_unpublishes_the_old(tmp_path):
    store = FileKeyStore(tmp_path, b"revocation passphrase")
    compromised = store.ensure_active("issuer:transport", now=T0)

    successor = store.revoke("issuer:transport", compromised.kid, now=T0)

    assert successor.kid != compromised.kid
    assert store.active("issuer:transport").kid == successor.kid
    assert [k["kid"] for k in store.jwks("issuer:transport", now=T0)["keys"]] == [successor.kid]
    assert compromised.kid not in store.verification_keys("issuer:transport", now=T0)
    [info] = [i for i in store.list_keys("issuer:transport") if i.kid == compromised.kid]
    assert info.state == KeyState.REVOKED


def test_revoking_a_retired_key_withdraws_it_before_its_publish_time(tmp_path):
    store = FileKeyStore(tmp_path, b"revocation passphrase")
    old = store.ensure_active("issuer:transport", now=T0)
    new = store.rotate("issuer:transport", now=T0, publish_for=timedelta(days=31))
    assert old.kid in store.verification_keys("issuer:transport", now=T0)

    still_active = store.revoke("issuer:transport", old.kid, now=T0)

    assert still_active.kid == new.kid
    assert old.kid not in store.verification_keys("issuer:transport", now=T0)
    # A second instance reading the manifest sees the same.
    assert old.kid not in FileKeyStore(tmp_path, b"revocation passphrase").verification_keys(
        "issuer:transport", now=T0
    )


def test_revoking_an_unknown_kid_is_refused(tmp_path):
    store = FileKeyStore(tmp_path, b"revocation passphrase")
    store.ensure_active("issuer:transport", now=T0)

    with pytest.raises(KeyNotFound):
        store.revoke("issuer:transport", "A" * 43, now=T0)
