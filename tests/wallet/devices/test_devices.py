from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from keys import ec_public_jwk, jwk_thumbprint
from tests.factories import bearer, citizen
from tests.wallet.issuance.forging import jws
from wallet.devices.models import Device, DeviceChallenge
from wallet.holder.oid4vci import DeviceKey


def _register(client, rt, token, device=None, *, name="Alex's phone", **overrides):
    device = device or DeviceKey()
    challenge = client.post("/v1/devices/challenges", headers=bearer(token)).json["challenge"]
    now = int(rt.clock.now().timestamp())
    body = {
        "name": name,
        "public_jwk": device.jwk,
        "proof": device.registration_proof(challenge=challenge, audience=rt.app_audience, now=now),
        **overrides,
    }
    return client.post("/v1/devices", json=body, headers=bearer(token))


def _devices(rt):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(Device))


@pytest.fixture
def token(client):
    return citizen(client, "alex@example.org")["access_token"]


def test_a_device_registers_with_proof_that_it_holds_the_key(client, rt, token):
    device = DeviceKey()

    response = _register(client, rt, token, device, push_token="push-abc")

    assert response.status_code == 201
    assert response.json["public_jwk"] == device.jwk
    assert response.json["key_thumbprint"] == jwk_thumbprint(device.jwk)
    assert response.json["has_push_token"] is True
    listed = client.get("/v1/devices", headers=bearer(token)).json
    assert [d["id"] for d in listed] == [response.json["id"]]


def test_a_device_is_renamed_and_its_push_token_changed(client, rt, token):
    device_id = _register(client, rt, token).json["id"]

    response = client.patch(
        f"/v1/devices/{device_id}", json={"name": "Work phone", "push_token": None}, headers=bearer(token)
    )

    assert response.status_code == 200
    assert (response.json["name"], response.json["has_push_token"]) == ("Work phone", False)


def test_a_key_of_another_account_is_refused(client, rt, token):
    device = DeviceKey()
    _register(client, rt, token, device)
    other = citizen(client, "sam@example.org")["access_token"]

    response = _register(client, rt, other, device)

    assert response.status_code == 409
    assert response.json["code"] == "key_registered_elsewhere"


def test_the_same_key_twice_is_refused(client, rt, token):
    device = DeviceKey()
    _register(client, rt, token, device)

    response = _register(client, rt, token, device)

    assert response.status_code == 409
    assert response.json["code"] == "device_exists"


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-384", "x": "A" * 64, "y": "A" * 64},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43},  # not a point on the curve
    ],
    ids=["P-384", "RSA", "short-coordinates", "off-curve"],
)
def test_a_key_that_is_not_a_p256_public_key_is_refused(client, rt, token, jwk):
    before = _devices(rt)

    response = _register(client, rt, token, public_jwk=jwk)

    assert response.status_code == 422
    assert response.json["code"] == "invalid_device_key"
    assert _devices(rt) == before


def test_a_private_jwk_sent_by_mistake_is_refused_and_not_stored(client, rt, token):
    device = DeviceKey()

    response = _register(client, rt, token, device, public_jwk={**device.jwk, "d": "A" * 43})

    assert response.status_code == 422
    assert response.json["code"] == "invalid_device_key"
    assert "A" * 43 not in response.get_data(as_text=True)
    assert _devices(rt) == 0


def test_a_proof_signed_by_another_key_is_refused(client, rt, token):
    device, thief = DeviceKey(), DeviceKey()
    challenge = client.post("/v1/devices/challenges", headers=bearer(token)).json["challenge"]
    now = int(rt.clock.now().timestamp())

    response = client.post(
        "/v1/devices",
        json={
            "name": "x",
            "public_jwk": device.jwk,
            "proof": thief.registration_proof(challenge=challenge, audience=rt.app_audience, now=now),
        },
        headers=bearer(token),
    )

    assert response.status_code == 422
    assert response.json["code"] == "invalid_device_proof"


def test_a_challenge_works_once_and_only_for_its_account(client, rt, token):
    device = DeviceKey()
    challenge = client.post("/v1/devices/challenges", headers=bearer(token)).json["challenge"]
    now = int(rt.clock.now().timestamp())
    proof = device.registration_proof(challenge=challenge, audience=rt.app_audience, now=now)
    other = citizen(client, "sam@example.org")["access_token"]

    stolen = client.post(
        "/v1/devices", json={"name": "x", "public_jwk": device.jwk, "proof": proof}, headers=bearer(other)
    )
    first = client.post(
        "/v1/devices", json={"name": "x", "public_jwk": device.jwk, "proof": proof}, headers=bearer(token)
    )

    assert stolen.status_code == 422
    assert first.status_code == 201
    assert _devices(rt) == 1


def test_an_expired_challenge_is_refused(client, rt, clock, token):
    device = DeviceKey()
    challenge = client.post("/v1/devices/challenges", headers=bearer(token)).json["challenge"]
    clock.advance(minutes=6)
    proof = device.registration_proof(
        challenge=challenge, audience=rt.app_audience, now=int(clock.now().timestamp())
    )

    response = client.post(
        "/v1/devices", json={"name": "x", "public_jwk": device.jwk, "proof": proof}, headers=bearer(token)
    )

    assert response.status_code == 422
    assert response.json["code"] == "invalid_device_proof"


@pytest.mark.parametrize(
    "iat",
    ["abc", [1], {"a": 1}, 10**400, float("nan"), float("inf"), True],
    ids=["string", "list", "object", "too-large-for-a-float", "nan", "infinity", "bool"],
)
def test_a_device_proof_with_an_iat_that_is_not_a_finite_number_is_refused(client, rt, token, iat):
    """float() of whatever the device signed was a 500 (TypeError, OverflowError); NaN, infinity and bool
    were refused only because they happened to fall outside the freshness window."""
    key = ec.generate_private_key(ec.SECP256R1())
    challenge = client.post("/v1/devices/challenges", headers=bearer(token)).json["challenge"]
    payload = {"challenge": challenge, "aud": rt.app_audience, "iat": iat}
    proof = jws({"alg": "ES256", "typ": "device-proof+jwt"}, payload, key)

    response = client.post(
        "/v1/devices",
        json={"name": "x", "public_jwk": ec_public_jwk(key.public_key()), "proof": proof},
        headers=bearer(token),
    )

    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_device_proof"
    assert _devices(rt) == 0


def test_a_second_account_gets_404_for_the_first_accounts_device(client, rt, token):
    device_id = _register(client, rt, token).json["id"]
    other = citizen(client, "sam@example.org")["access_token"]

    renamed = client.patch(f"/v1/devices/{device_id}", json={"name": "mine now"}, headers=bearer(other))
    removed = client.delete(f"/v1/devices/{device_id}", headers=bearer(other))

    assert (renamed.status_code, removed.status_code) == (404, 404)
    assert client.get("/v1/devices", headers=bearer(other)).json == []


def test_removing_a_device_revokes_its_credentials_in_the_same_request(client, rt, holder, offer, token):
    device, other_phone = DeviceKey(), DeviceKey()
    device_id = _register(client, rt, token, device).json["id"]
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [device, other_phone])

    response = client.delete(f"/v1/devices/{device_id}", headers=bearer(token))

    assert response.status_code == 200
    assert response.json == {"credentials_revoked": 2}  # the licence and its proof-of-age companion
    issued = _issued_states(rt)
    assert issued[jwk_thumbprint(device.jwk)] == {"revoked"}
    assert issued[jwk_thumbprint(other_phone.jwk)] == {"valid"}


def _issued_states(rt):
    from wallet.issuance.models import IssuedCredential

    with rt.db.session() as session:
        rows = session.execute(select(IssuedCredential.holder_key, IssuedCredential.state)).all()
    states: dict[str, set[str]] = {}
    for key, state in rows:
        states.setdefault(key, set()).add(state)
    return states


def test_device_challenge_flooding_from_one_account_is_rate_limited(client, rt, token):
    """Every challenge was a row until the purge job, with no limit: one account could grow the table."""
    statuses = [client.post("/v1/devices/challenges", headers=bearer(token)).status_code for _ in range(11)]

    assert statuses == [201] * 10 + [429]  # the default, 10/hour;30/day
    limited = client.post("/v1/devices/challenges", headers=bearer(token))
    assert limited.mimetype == "application/problem+json"
    assert (limited.json["code"], int(limited.headers["Retry-After"]) > 0) == ("rate_limited", True)
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DeviceChallenge)) == 10
    other = citizen(client, "sam@example.org")["access_token"]
    assert client.post("/v1/devices/challenges", headers=bearer(other)).status_code == 201  # per account
