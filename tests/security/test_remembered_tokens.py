"""Access tokens the service has already checked once (each process remembers them, to skip the signature).

Every test first has the token accepted, so that it is remembered, then shows that what can change since is
still checked: the clock, the key's publication, the audience; and that nothing but the exact same text is
taken for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import bearer
from tests.security.tokens import app_api, assert_refused
from wallet.auth import tokens as access_tokens
from wallet.auth.tokens import SERVICE_KEYS, InvalidAccessToken


@pytest.fixture
def settings(settings, tmp_path):
    """A key store of its own: a test revokes the service key."""
    return {**settings, "DATA_DIR": str(tmp_path)}


def test_remembered_token_is_refused_once_expired(client, clock, mine):
    """The expiry is judged at every use, not only at the first."""
    clock.advance(seconds=600 + 5)

    assert_refused(app_api(client, mine["access_token"]))


def test_remembered_token_is_refused_once_its_key_is_revoked(client, clock, rt, mine, service_key):
    """A compromised service key: tokens it signed stop working at once, even those checked before."""
    rt.keystore.rotate(SERVICE_KEYS, now=clock.now(), publish_for=timedelta(days=1))
    rt.keystore.revoke(SERVICE_KEYS, service_key.kid, now=clock.now())

    assert_refused(app_api(client, mine["access_token"]))


def test_remembered_app_token_is_refused_by_the_agency_api(client, mine):
    """Remembered for the app audience only: the agency API checks it as new, and refuses it."""
    person = "/v1/agency/people/00000000-0000-4000-8000-000000000000"
    response = client.get(person, headers=bearer(mine["access_token"]))

    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


@pytest.mark.parametrize("part", ["payload", "signature"])
def test_token_one_character_off_a_remembered_one_is_refused(client, mine, part):
    """A tampered copy of a remembered token is a different text: its signature is checked, and fails."""
    header, payload, signature = mine["access_token"].split(".")
    if part == "payload":
        payload = _one_character_off(payload, len(payload) // 2)
    else:
        signature = _one_character_off(signature, len(signature) // 2)

    assert_refused(app_api(client, f"{header}.{payload}.{signature}"))


def _one_character_off(segment, at):
    return segment[:at] + ("A" if segment[at] != "A" else "B") + segment[at + 1 :]


def test_changing_the_returned_claims_does_not_change_the_remembered_ones(rt):
    """Nested claims too (an issuance token carries a list of credential configurations)."""
    token = rt.tokens.mint(subject="s", audience=rt.app_audience, ttl=600, ids=["driver_licence"])
    claims = rt.tokens.verify(token, audience=rt.app_audience)
    claims["sub"] = "someone-else"
    claims["ids"].append("seniors_card")

    again = rt.tokens.verify(token, audience=rt.app_audience)

    assert (again["sub"], again["ids"]) == ("s", ["driver_licence"])


def test_a_process_remembers_a_bounded_number_of_tokens(rt, client, monkeypatch):
    monkeypatch.setattr(access_tokens, "CHECKED_TOKENS", 3)
    issued = [
        rt.tokens.mint(subject=f"s{n}", audience=rt.app_audience, ttl=600, sid=f"x{n}") for n in range(5)
    ]

    for token in issued:
        rt.tokens.verify(token, audience=rt.app_audience)

    assert len(rt.tokens._checked) == 3
    assert (issued[-1], rt.app_audience) in rt.tokens._checked
    assert (issued[0], rt.app_audience) not in rt.tokens._checked


def test_a_refused_token_is_not_remembered(rt, clock):
    expired = rt.tokens.mint(subject="s", audience=rt.app_audience, ttl=60)
    clock.advance(seconds=120)

    with pytest.raises(InvalidAccessToken):
        rt.tokens.verify(expired, audience=rt.app_audience)
    assert not rt.tokens._checked
