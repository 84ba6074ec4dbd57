"""Attacks on agency clients: secret guessing, scope escalation, reaching another agency's records."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.factories import agency_client, agency_token, bearer
from wallet.agencies.models import AgencyClient

GRANT = {"grant_type": "client_credentials"}
PERSON = {"agency_ref": "A-1", "given_name": "Ada", "family_name": "Lovelace", "birthdate": "1990-01-01"}


def _token_request(client, auth=None, **form):
    return client.post("/oauth/token", data={**GRANT, **form}, auth=auth)


def _assert_invalid_client(response):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "invalid_client"
    assert response.json["error"] == "invalid_client"
    assert "access_token" not in response.json


def test_wrong_client_secret_is_refused(client, rt):
    """Guessing an agency client's secret."""
    creds = agency_client(rt)

    _assert_invalid_client(_token_request(client, auth=(creds.client_id, "guessed-secret")))


def test_empty_client_secret_is_refused(client, rt):
    """Authenticating a known client id with an empty secret."""
    creds = agency_client(rt)

    _assert_invalid_client(_token_request(client, auth=(creds.client_id, "")))


def test_unknown_client_id_is_refused_exactly_like_a_wrong_secret(client, rt):
    """Client enumeration: an unknown client id answers byte for byte like a wrong secret."""
    creds = agency_client(rt)

    wrong_secret = _token_request(client, auth=(creds.client_id, "guessed-secret"))
    unknown = _token_request(client, auth=("transport-0000000000000000", "guessed-secret"))

    _assert_invalid_client(unknown)
    assert unknown.get_data() == wrong_secret.get_data()
    assert sorted(unknown.headers.items()) == sorted(wrong_secret.headers.items())


def test_one_clients_secret_does_not_open_another_client(client, rt):
    """Presenting client A's (valid) secret with client B's id to get B's scopes."""
    reader = agency_client(rt, scopes=("people:read",))
    writer = agency_client(rt, scopes=("people:read", "people:write"))

    _assert_invalid_client(_token_request(client, auth=(writer.client_id, reader.secret)))


def test_disabled_client_cannot_get_a_token(client, rt, clock):
    """Using the still-known secret of a client that was disabled; answered like a wrong secret."""
    creds = agency_client(rt)
    assert _token_request(client, auth=creds.basic).status_code == 200
    with rt.db.session() as session:
        row = session.scalar(select(AgencyClient).where(AgencyClient.client_id == creds.client_id))
        row.disabled_at = clock.now()
        session.commit()

    response = _token_request(client, auth=creds.basic)

    _assert_invalid_client(response)
    wrong_secret = _token_request(client, auth=(creds.client_id, "guessed-secret"))
    assert response.get_data() == wrong_secret.get_data()


def test_client_credentials_in_both_basic_and_body_are_refused(client, rt):
    """Sending credentials twice (Basic and body), hoping one check reads the other pair."""
    creds = agency_client(rt)
    other = agency_client(rt)

    response = _token_request(client, auth=creds.basic, client_id=other.client_id, client_secret=other.secret)

    assert response.status_code == 400
    assert response.json["code"] == response.json["error"] == "invalid_request"
    assert "access_token" not in response.json


def test_other_grant_types_are_refused(client, rt):
    """Asking the token endpoint for another grant (password, refresh_token) with a valid client."""
    creds = agency_client(rt)

    for grant_type in ("password", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"):
        response = client.post("/oauth/token", data={"grant_type": grant_type}, auth=creds.basic)
        assert response.status_code == 400, grant_type
        assert response.json["code"] == response.json["error"] == "unsupported_grant_type"


def test_requesting_a_scope_not_granted_is_refused(client, rt):
    """Scope escalation: a read-only client asks for people:write."""
    creds = agency_client(rt, scopes=("people:read",))

    response = _token_request(client, auth=creds.basic, scope="people:read people:write")

    assert response.status_code == 400
    assert response.json["code"] == response.json["error"] == "invalid_scope"
    assert "access_token" not in response.json


def test_requesting_an_unknown_scope_is_refused(client, rt):
    """Scope escalation: asking for a scope that does not exist (admin, wildcard)."""
    creds = agency_client(rt)

    for scope in ("admin", "*", "people:*", "people:read admin"):
        response = _token_request(client, auth=creds.basic, scope=scope)
        assert response.status_code == 400, scope
        assert response.json["code"] == "invalid_scope"


def test_read_only_token_cannot_create_people(client, rt):
    """Using the token of a client granted only people:read on an operation that needs people:write."""
    token = agency_token(client, agency_client(rt, scopes=("people:read",)))

    response = client.post("/v1/agency/people", json=PERSON, headers=bearer(token))

    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_token_narrowed_to_one_scope_does_not_keep_the_others(client, rt):
    """A client granted read and write asks for read only, then uses the token to write."""
    token = agency_token(client, agency_client(rt), scope="people:read")

    response = client.post("/v1/agency/people", json=PERSON, headers=bearer(token))

    assert response.status_code == 403


def _without_instance(response):
    body = dict(response.json)
    assert body.pop("instance") == response.request.path
    return body


def test_agency_cannot_read_another_agencys_person(client, rt):
    """Cross-agency access: agency B reads agency A's person by id; answered like a random id."""
    agency_a = agency_token(client, agency_client(rt, "transport"))
    agency_b = agency_token(client, agency_client(rt, "health"))
    created = client.post("/v1/agency/people", json=PERSON, headers=bearer(agency_a))
    assert created.status_code == 201
    person = f"/v1/agency/people/{created.json['id']}"
    assert client.get(person, headers=bearer(agency_a)).status_code == 200

    theirs = client.get(person, headers=bearer(agency_b))
    random = client.get(f"/v1/agency/people/{uuid.uuid4()}", headers=bearer(agency_b))

    assert theirs.status_code == random.status_code == 404
    assert theirs.json["code"] == "not_found"
    assert _without_instance(theirs) == _without_instance(random)
    assert "Lovelace" not in theirs.get_data(as_text=True)


def test_record_numbers_of_another_agency_are_not_revealed_by_conflicts(client, rt):
    """Probing another agency's record numbers by creating the same number and watching for 409."""
    agency_a = agency_token(client, agency_client(rt, "transport"))
    agency_b = agency_token(client, agency_client(rt, "health"))
    assert client.post("/v1/agency/people", json=PERSON, headers=bearer(agency_a)).status_code == 201

    response = client.post("/v1/agency/people", json=PERSON, headers=bearer(agency_b))

    assert response.status_code == 201


def test_agency_token_response_is_not_cacheable(client, rt):
    """A proxy or browser cache keeping a copy of an agency access token."""
    response = _token_request(client, auth=agency_client(rt).basic)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_a_disabled_clients_tokens_stop_at_once(client, rt, clock):
    """Using an access token obtained before the client was disabled, within its ten minutes."""
    creds = agency_client(rt)
    token = agency_token(client, creds, scope="people:read")
    with rt.db.session() as session:
        row = session.scalar(select(AgencyClient).where(AgencyClient.client_id == creds.client_id))
        row.disabled_at = clock.now()
        session.commit()

    response = client.get(f"/v1/agency/people/{uuid.uuid4()}", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"
