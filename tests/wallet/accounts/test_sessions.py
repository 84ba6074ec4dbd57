from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
from sqlalchemy import select

from tests.factories import PASSWORD, bearer, citizen, log_in, register
from wallet.accounts.models import LoginSession


def test_log_in_returns_an_es256_access_token_for_the_app_api(client, rt):
    register(client)

    tokens = log_in(client)

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 600
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "ES256"
    assert header["typ"] == "at+jwt"
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["aud"] == rt.app_audience
    assert claims["sid"] == tokens["session_id"]
    assert claims["exp"] - claims["iat"] == 600


def test_access_token_opens_the_account(client):
    tokens = citizen(client, "me@example.org")

    response = client.get("/v1/accounts/me", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert response.json["email"] == "me@example.org"


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    register(client)

    wrong_password = client.post(
        "/v1/sessions", json={"email": "citizen@example.org", "password": "nope" * 4}
    )
    unknown_email = client.post("/v1/sessions", json={"email": "nobody@example.org", "password": PASSWORD})

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json["code"] == unknown_email.json["code"] == "invalid_credentials"
    assert wrong_password.json == unknown_email.json


def test_refresh_rotates_the_refresh_token(client):
    first = citizen(client)

    response = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})

    assert response.status_code == 200
    second = response.json
    assert second["refresh_token"] != first["refresh_token"]
    assert second["session_id"] == first["session_id"]
    assert client.get("/v1/accounts/me", headers=bearer(second["access_token"])).status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(client, rt):
    first = citizen(client)
    second = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]}).json

    replay = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})

    assert replay.status_code == 401
    assert replay.json["code"] == "refresh_token_reused"
    # The legitimate holder's newer tokens die with the family, access token included.
    newest = client.post("/v1/sessions/refresh", json={"refresh_token": second["refresh_token"]})
    assert newest.status_code == 401
    assert newest.json["code"] == "invalid_refresh_token"
    assert client.get("/v1/accounts/me", headers=bearer(second["access_token"])).status_code == 401
    with rt.db.session() as session:
        login = session.get(LoginSession, uuid.UUID(first["session_id"]))
    assert login.revoked_reason == "refresh_token_reused"


def test_unknown_refresh_token_is_refused(client):
    response = client.post("/v1/sessions/refresh", json={"refresh_token": "made-up"})

    assert response.status_code == 401
    assert response.json["code"] == "invalid_refresh_token"


def test_logout_ends_the_access_and_refresh_tokens(client):
    tokens = citizen(client)

    response = client.delete("/v1/sessions/current", headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert client.get("/v1/accounts/me", headers=bearer(tokens["access_token"])).status_code == 401
    refresh = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


def test_logout_of_one_session_leaves_another_alone(client):
    register(client)
    phone, tablet = log_in(client), log_in(client)

    client.delete("/v1/sessions/current", headers=bearer(phone["access_token"]))

    assert client.get("/v1/accounts/me", headers=bearer(tablet["access_token"])).status_code == 200


def test_access_token_expires_after_its_lifetime(client, clock):
    tokens = citizen(client)

    clock.advance(seconds=600 + 6)

    response = client.get("/v1/accounts/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"
    assert "WWW-Authenticate" in response.headers


def test_access_token_stops_working_when_its_session_expires(client, rt, clock):
    """The session can end before the access token does; the token then opens nothing."""
    tokens = citizen(client)
    with rt.db.session() as session, session.begin():
        login = session.get_one(LoginSession, uuid.UUID(tokens["session_id"]))
        login.expires_at = clock.now() + timedelta(seconds=60)
    assert client.get("/v1/accounts/me", headers=bearer(tokens["access_token"])).status_code == 200

    clock.advance(seconds=60)

    response = client.get("/v1/accounts/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


def test_a_session_is_live_only_for_its_own_account(client, rt):
    tokens = citizen(client)
    session_id, account_id = uuid.UUID(tokens["session_id"]), _account_id(tokens)

    with rt.db.session() as session:
        accounts = rt.accounts(session)
        assert accounts.session_is_active(session_id, account_id)
        assert not accounts.session_is_active(session_id, uuid.uuid4())
        assert not accounts.session_is_active(uuid.uuid4(), account_id)


def _account_id(tokens):
    return uuid.UUID(jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"])


def test_refresh_token_expires_with_its_session(client, clock):
    tokens = citizen(client)

    clock.advance(days=30, seconds=1)

    response = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401


def test_missing_or_malformed_authorization_is_unauthenticated(client):
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        bearer("not.a.jwt"),
    ):
        response = client.get("/v1/accounts/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json["code"] == "unauthenticated"


def test_sessions_are_stored_without_tokens(client, rt):
    tokens = citizen(client)

    with rt.db.session() as session:
        rows = session.execute(select(LoginSession)).scalars().all()
        dump = repr([vars(row) for row in rows])
    assert tokens["refresh_token"] not in dump
