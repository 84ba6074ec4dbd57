"""FileKeyStore: encrypted key files, permissions, caching, error translation."""

from __future__ import annotations

import json
import stat
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys import (
    FileKeyStore,
    KeyDecryptionError,
    KeyInfo,
    KeyState,
    KeyStore,
    KeyStoreCorrupt,
    KeyStoreError,
    NoActiveKey,
)

PASSPHRASE = b"correct horse battery staple"
PURPOSE = "service-tokens"
NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def store(directory: Path) -> FileKeyStore:
    return FileKeyStore(directory, PASSPHRASE)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pem_path(store: FileKeyStore, kid: str) -> Path:
    return store.directory / PURPOSE / f"{kid}.pem"


def test_file_key_store_implements_the_protocol(store: FileKeyStore) -> None:
    assert isinstance(store, KeyStore)


@pytest.mark.parametrize("passphrase", [b"", "text-not-bytes"])
def test_passphrase_must_be_non_empty_bytes(directory: Path, passphrase: bytes) -> None:
    with pytest.raises(ValueError, match="passphrase"):
        FileKeyStore(directory, passphrase)


def test_repr_does_not_show_the_passphrase(store: FileKeyStore) -> None:
    assert PASSPHRASE.decode() not in repr(store)
    assert str(store.directory) in repr(store)


def test_key_file_is_encrypted_pkcs8_pem(store: FileKeyStore) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    pem = _pem_path(store, key.kid).read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    loaded = serialization.load_pem_private_key(pem, password=PASSPHRASE)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()


def test_key_file_does_not_load_without_the_right_passphrase(store: FileKeyStore) -> None:
    pem = _pem_path(store, store.ensure_active(PURPOSE, now=NOW).kid).read_bytes()
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    with pytest.raises(ValueError):  # noqa: PT011 -- cryptography's message is not ours to pin
        serialization.load_pem_private_key(pem, password=b"wrong passphrase")


def test_files_are_0600_and_directories_0700(store: FileKeyStore) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    purpose_dir = store.directory / PURPOSE
    assert _mode(store.directory) == 0o700
    assert _mode(purpose_dir) == 0o700
    assert _mode(purpose_dir / "keyset.json") == 0o600
    assert _mode(_pem_path(store, key.kid)) == 0o600
    assert _mode(purpose_dir / ".lock") == 0o600


def test_no_temporary_files_are_left_behind(store: FileKeyStore) -> None:
    first = store.ensure_active(PURPOSE, now=NOW)
    second = store.rotate(PURPOSE, now=NOW, publish_for=timedelta(0))
    names = {path.name for path in (store.directory / PURPOSE).iterdir()}
    assert names == {"keyset.json", ".lock", f"{first.kid}.pem", f"{second.kid}.pem"}


def test_manifest_records_the_key_with_iso_times(store: FileKeyStore) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    document = json.loads((store.directory / PURPOSE / "keyset.json").read_text())
    assert document["purpose"] == PURPOSE
    assert document["keys"] == [
        {
            "kid": key.kid,
            "state": "active",
            "created_at": "2025-01-01T12:00:00+00:00",
            "retired_at": None,
            "publish_until": None,
        }
    ]


def test_ensure_active_is_idempotent(store: FileKeyStore) -> None:
    first = store.ensure_active(PURPOSE, now=NOW)
    second = store.ensure_active(PURPOSE, now=NOW)
    assert first.kid == second.kid
    assert store.list_keys(PURPOSE) == [
        KeyInfo(kid=first.kid, purpose=PURPOSE, state=KeyState.ACTIVE, created_at=NOW)
    ]


def test_ensure_active_is_idempotent_across_instances(store: FileKeyStore, directory: Path) -> None:
    first = store.ensure_active(PURPOSE, now=NOW)
    other = FileKeyStore(directory, PASSPHRASE)
    assert other.ensure_active(PURPOSE, now=NOW).kid == first.kid
    assert other.active(PURPOSE).kid == first.kid
    assert len(other.list_keys(PURPOSE)) == 1


def test_a_key_loaded_by_another_instance_signs_verifiably(store: FileKeyStore, directory: Path) -> None:
    created = store.ensure_active(PURPOSE, now=NOW)
    loaded = FileKeyStore(directory, PASSPHRASE).active(PURPOSE)
    token = loaded.sign_jws({"sub": "x"})
    assert jwt.decode(token, created.public_key(), algorithms=["ES256"]) == {"sub": "x"}


def test_active_without_a_key_raises_no_active_key(store: FileKeyStore) -> None:
    with pytest.raises(NoActiveKey, match=PURPOSE):
        store.active(PURPOSE)
    assert store.list_keys(PURPOSE) == []
    assert store.jwks(PURPOSE, now=NOW) == {"keys": []}


def test_wrong_passphrase_raises_key_decryption_error_without_secrets(
    store: FileKeyStore, directory: Path
) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    pem_text = _pem_path(store, key.kid).read_text()
    pem_body = [line for line in pem_text.splitlines() if not line.startswith("-----")]
    wrong = b"not the passphrase"
    with pytest.raises(KeyDecryptionError) as caught:
        FileKeyStore(directory, wrong).active(PURPOSE)
    message = str(caught.value)
    assert key.kid in message
    # The whole chain, as a log would print it: no passphrase, no PEM text.
    printed = "".join(traceback.format_exception(caught.value))
    for secret in (PASSPHRASE.decode(), wrong.decode(), *pem_body):
        assert secret not in message
        assert secret not in printed
    assert isinstance(caught.value.__cause__, ValueError)


def test_keys_are_decrypted_once_per_process(
    store: FileKeyStore, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ensure_active(PURPOSE, now=NOW)
    calls: list[bytes] = []
    real_load = serialization.load_pem_private_key

    def counting_load(data: bytes, password: bytes | None) -> object:
        calls.append(data)
        return real_load(data, password=password)

    monkeypatch.setattr(serialization, "load_pem_private_key", counting_load)
    worker = FileKeyStore(directory, PASSPHRASE)
    for _ in range(5):
        worker.active(PURPOSE).sign(b"data")
        worker.active(PURPOSE).sign_jws({"a": 1})
    worker.jwks(PURPOSE, now=NOW)
    worker.verification_keys(PURPOSE, now=NOW)
    assert len(calls) == 1


def test_signing_needs_no_file_access_once_loaded(store: FileKeyStore) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    _pem_path(store, key.kid).unlink()
    assert store.active(PURPOSE).kid == key.kid
    assert len(store.active(PURPOSE).sign(b"x")) == 64


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"version": 99, "purpose": "service-tokens", "keys": []}',
        b'{"version": 1, "purpose": "other", "keys": []}',
        b'{"version": 1, "purpose": "service-tokens", "keys": {}}',
        b'{"version": 1, "purpose": "service-tokens", "keys": [{"kid": "../../etc/passwd"}]}',
        b'{"version": 1, "purpose": "service-tokens", "keys": [{"state": "active"}]}',
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-an-object",
        "unknown-version",
        "other-purpose",
        "keys-not-a-list",
        "path-in-kid",
        "missing-kid",
    ],
)
def test_corrupt_manifest_raises_key_store_corrupt(store: FileKeyStore, content: bytes) -> None:
    store.ensure_active(PURPOSE, now=NOW)
    (store.directory / PURPOSE / "keyset.json").write_bytes(content)
    with pytest.raises(KeyStoreCorrupt, match=r"keyset\.json"):
        store.active(PURPOSE)
    with pytest.raises(KeyStoreCorrupt):
        store.list_keys(PURPOSE)


def _rewrite_manifest(store: FileKeyStore, edit: dict[str, object]) -> None:
    path = store.directory / PURPOSE / "keyset.json"
    document = json.loads(path.read_text())
    document["keys"][0].update(edit)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "edit",
    [
        {"state": "compromised"},
        {"created_at": "2025-01-01T12:00:00"},
        {"created_at": "yesterday"},
        {"state": "retired"},
        {"retired_at": "2025-01-01T12:00:00+00:00"},
    ],
    ids=["unknown-state", "naive-time", "bad-time", "retired-without-times", "active-with-times"],
)
def test_inconsistent_key_entry_raises_key_store_corrupt(
    store: FileKeyStore, edit: dict[str, object]
) -> None:
    store.ensure_active(PURPOSE, now=NOW)
    _rewrite_manifest(store, edit)
    with pytest.raises(KeyStoreCorrupt):
        store.list_keys(PURPOSE)


def test_two_active_keys_in_the_manifest_are_corrupt(store: FileKeyStore) -> None:
    store.ensure_active(PURPOSE, now=NOW)
    store.rotate(PURPOSE, now=NOW, publish_for=timedelta(0))
    path = store.directory / PURPOSE / "keyset.json"
    document = json.loads(path.read_text())
    for entry in document["keys"]:
        entry.update(state="active", retired_at=None, publish_until=None)
    path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreCorrupt, match="more than one active"):
        store.list_keys(PURPOSE)


def test_missing_key_file_raises_key_store_corrupt(store: FileKeyStore, directory: Path) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    _pem_path(store, key.kid).unlink()
    with pytest.raises(KeyStoreCorrupt, match=key.kid):
        FileKeyStore(directory, PASSPHRASE).active(PURPOSE)


def test_key_file_holding_another_key_raises_key_store_corrupt(store: FileKeyStore, directory: Path) -> None:
    old = store.ensure_active(PURPOSE, now=NOW)
    new = store.rotate(PURPOSE, now=NOW, publish_for=timedelta(0))
    _pem_path(store, new.kid).write_bytes(_pem_path(store, old.kid).read_bytes())
    with pytest.raises(KeyStoreCorrupt, match="different key"):
        FileKeyStore(directory, PASSPHRASE).active(PURPOSE)


def test_unencrypted_key_file_raises_key_store_corrupt(store: FileKeyStore, directory: Path) -> None:
    key = store.ensure_active(PURPOSE, now=NOW)
    plain = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _pem_path(store, key.kid).write_bytes(plain)
    with pytest.raises(KeyStoreCorrupt, match="encrypted"):
        FileKeyStore(directory, PASSPHRASE).active(PURPOSE)


def test_every_store_error_is_a_key_store_error() -> None:
    for error in (KeyDecryptionError, KeyStoreCorrupt, NoActiveKey):
        assert issubclass(error, KeyStoreError)


def test_naive_now_is_rejected(store: FileKeyStore) -> None:
    naive = datetime(2025, 1, 1)  # naive on purpose
    with pytest.raises(ValueError, match="aware"):
        store.ensure_active(PURPOSE, now=naive)
    with pytest.raises(ValueError, match="aware"):
        store.jwks(PURPOSE, now=naive)
    assert not store.directory.exists()


def test_purposes_lists_purposes_with_keys(store: FileKeyStore) -> None:
    assert store.purposes() == []
    store.ensure_active("trust-anchor", now=NOW)
    store.ensure_active("issuer:transport", now=NOW)
    store.ensure_active(PURPOSE, now=NOW)
    (store.directory / "not a purpose").mkdir()
    (store.directory / "empty-purpose").mkdir()
    assert store.purposes() == ["issuer:transport", PURPOSE, "trust-anchor"]
    assert (store.directory / "issuer__transport" / "keyset.json").is_file()


def test_purposes_have_separate_keys(store: FileKeyStore) -> None:
    first = store.ensure_active("issuer:transport", now=NOW)
    second = store.ensure_active("issuer:pid", now=NOW)
    assert first.kid != second.kid
    assert store.active("issuer:pid").purpose == "issuer:pid"


def test_rotating_under_a_wrong_passphrase_is_refused_and_changes_nothing(tmp_path):
    """A mistyped passphrase must not retire a good key for one nobody can decrypt."""
    good = FileKeyStore(tmp_path, b"the right passphrase")
    original = good.ensure_active("service-tokens", now=NOW)
    manifest = (tmp_path / "service-tokens" / "keyset.json").read_bytes()

    with pytest.raises(KeyDecryptionError):
        FileKeyStore(tmp_path, b"a wrong passphrase!").rotate(
            "service-tokens", now=NOW, publish_for=timedelta(days=1)
        )

    assert (tmp_path / "service-tokens" / "keyset.json").read_bytes() == manifest
    assert FileKeyStore(tmp_path, b"the right passphrase").active("service-tokens").kid == original.kid


def test_a_new_purpose_under_a_wrong_passphrase_is_refused(tmp_path):
    FileKeyStore(tmp_path, b"the right passphrase").ensure_active("service-tokens", now=NOW)

    with pytest.raises(KeyDecryptionError):
        FileKeyStore(tmp_path, b"a wrong passphrase!").ensure_active("issuer:transport", now=NOW)

    assert FileKeyStore(tmp_path, b"the right passphrase").list_keys("issuer:transport") == []
