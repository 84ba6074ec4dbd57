from __future__ import annotations

import base64

import jwt
import pytest

from tests.factories import agency_client


def test_client_credentials_with_http_basic_gives_a_scoped_token(client, rt):
    creds = agency_client(rt, scopes=("people:read", "people:write"))

    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=creds.basic)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "people:read people:write"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == rt.agency_audience
    assert claims["sub"] == creds.client_id
    assert claims["agency"] == creds.agency_id
    assert claims["exp"] - claims["iat"] == body["expires_in"] == 600


def test_client_may_authenticate_in_the_body(client, rt):
    creds = agency_client(rt)

    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.secret,
        },
    )

    assert response.status_code == 200


def test_a_client_may_ask_for_fewer_scopes(client, rt):
    creds = agency_client(rt)

    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "people:read"},
        auth=creds.basic,
    )

    assert response.json["scope"] == "people:read"


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "fines:write"}, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "root"}, 400, "invalid_scope"),
        ({}, 400, "invalid_request"),
    ],
)
def test_token_request_errors_use_oauth_codes(client, rt, data, status, code):
    creds = agency_client(rt)

    response = client.post("/oauth/token", data=data, auth=creds.basic)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == code
    if status == 400:
        assert response.json["error"] == code


def test_wrong_secret_is_invalid_client(client, rt):
    creds = agency_client(rt)

    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(creds.client_id, "wrong")
    )

    assert response.status_code == 401
    assert response.json["code"] == response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_no_client_authentication_is_invalid_client(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"})

    assert response.status_code == 401
    assert response.json["code"] == "invalid_client"


def test_unrecognised_token_request_parameters_are_ignored(client, rt):
    """RFC 6749 section 3.2: the authorization server MUST ignore unrecognised request parameters."""
    creds = agency_client(rt)

    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "resource": "x", "foo": "bar"},
        auth=creds.basic,
    )

    assert response.status_code == 200


def _basic(client_id: str, secret: str) -> dict[str, str]:
    # By hand, so that the header carries exactly these characters, whatever the test client would do.
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_nul_in_a_body_credential_is_refused_before_the_client_lookup(client, rt, field):
    """A NUL in client_id reached the client lookup and its audit row: a 500 on PostgreSQL."""
    creds = agency_client(rt)
    data = {"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": creds.secret}
    data[field] = "a\x00b"

    response = client.post("/oauth/token", data=data)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    assert "NUL" in response.json["errors"]["form"][field][0]


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("a\x00b", "secret"), ("known", "s\x00"), ("a" * 81, "secret"), ("known", "s" * 201)],
    ids=["nul-in-id", "nul-in-secret", "id-over-80", "secret-over-200"],
)
def test_http_basic_credentials_the_body_could_not_carry_are_invalid_request(client, rt, client_id, secret):
    """HTTP Basic, which the form parser never sees, is held to the body's rules before any lookup: no NUL
    (a 500 on PostgreSQL once), client_id at most 80 and client_secret at most 200 characters."""
    creds = agency_client(rt)
    client_id = creds.client_id if client_id == "known" else client_id

    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(client_id, secret)
    )

    assert response.status_code == 400, response.json
    assert response.json["code"] == response.json["error"] == "invalid_request"
