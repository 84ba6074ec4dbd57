"""Hostile request bodies and paths: each gets a 4xx problem document, never a 500, and stores nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, agency_client, agency_token, bearer
from wallet.accounts.models import Account
from wallet.agencies.models import Person

MAX_BODY = 32 * 1024  # room for 10,000 levels of [[...]], which must reach the JSON parser
PERSON = {"agency_ref": "A-1", "given_name": "Ada", "family_name": "Lovelace", "birthdate": "1990-01-01"}
REGISTRATION = {"email": "citizen@example.org", "password": PASSWORD}


@pytest.fixture
def settings(settings):
    return {**settings, "MAX_BODY_BYTES": MAX_BODY}


def _count(rt, model):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _assert_problem(response, status, *codes):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] in codes
    return response.json


def _post_raw(client, path, body, content_type="application/json", **kwargs):
    return client.post(path, data=body, content_type=content_type, **kwargs)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "00000000-0000-4000-8000-000000000000"),
        ("is_admin", True),
        ("created_at", "2000-01-01T00:00:00+00:00"),
        ("password_hash", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"),
    ],
)
def test_mass_assignment_on_register_is_refused(client, rt, field, value):
    """Registering with extra fields that name internal columns (id, is_admin, password_hash...)."""
    before = _count(rt, Account)

    response = client.post("/v1/accounts", json={**REGISTRATION, field: value})

    body = _assert_problem(response, 422, "validation_failed")
    assert field in body["errors"]["json"]
    assert _count(rt, Account) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "00000000-0000-4000-8000-000000000000"),
        ("agency_id", "00000000-0000-4000-8000-000000000000"),
        ("account_id", "00000000-0000-4000-8000-000000000000"),
        ("created_at", "2000-01-01T00:00:00+00:00"),
    ],
)
def test_mass_assignment_on_create_person_is_refused(client, rt, field, value):
    """Creating a person with extra fields that would move it to another agency or account."""
    token = agency_token(client, agency_client(rt))
    before = _count(rt, Person)

    response = client.post("/v1/agency/people", json={**PERSON, field: value}, headers=bearer(token))

    body = _assert_problem(response, 422, "validation_failed")
    assert field in body["errors"]["json"]
    assert _count(rt, Person) == before


def test_oversized_json_body_is_refused(client, rt):
    """A JSON body larger than MAX_BODY_BYTES (memory exhaustion)."""
    before = _count(rt, Account)
    body = json.dumps({**REGISTRATION, "display_name": "x"}) + " " * (MAX_BODY + 1)

    response = _post_raw(client, "/v1/accounts", body)

    _assert_problem(response, 413, "payload_too_large")
    assert _count(rt, Account) == before


def test_oversized_form_body_on_the_token_endpoint_is_refused(client, rt):
    """A form body larger than MAX_BODY_BYTES sent to the OAuth token endpoint."""
    creds = agency_client(rt)

    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "padding": "x" * (MAX_BODY + 1)},
        auth=creds.basic,
    )

    _assert_problem(response, 413, "payload_too_large")


def test_oversized_chunked_body_is_not_read_past_the_limit(client, rt):
    """A body without Content-Length (chunked) that is valid JSON only past MAX_BODY_BYTES."""
    before = _count(rt, Account)
    body = ('{"email": "citizen@example.org",' + " " * MAX_BODY + f'"password": "{PASSWORD}"}}').encode()

    response = client.post(
        "/v1/accounts",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code in (400, 413)
    assert response.json["code"] in {"payload_too_large", "malformed_json"}
    assert _count(rt, Account) == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 40 + "1" + "}" * 40,
        '{"email":' + "[" * 5_000 + "]" * 5_000 + "}",
    ],
    ids=["arrays-10000", "objects-40", "field-5000"],
)
def test_deeply_nested_json_is_refused(client, rt, body):
    """JSON nested deeply enough to blow the parser's or the validator's stack."""
    before = _count(rt, Account)

    response = _post_raw(client, "/v1/accounts", body)

    _assert_problem(response, 400, "json_too_deep", "malformed_json")
    assert _count(rt, Account) == before


def test_json_with_a_wrong_content_type_is_refused(client, rt):
    """A JSON body sent as text/plain (a CORS-simple request a hostile page can make)."""
    before = _count(rt, Account)
    response = _post_raw(client, "/v1/accounts", json.dumps(REGISTRATION), "text/plain")

    _assert_problem(response, 415, "unsupported_media_type")
    assert _count(rt, Account) == before


def test_form_body_on_a_json_route_is_refused(client, rt):
    """A form post to a JSON route (what a cross-site HTML form can send)."""
    response = client.post("/v1/sessions", data={"email": "a@example.org", "password": PASSWORD})

    _assert_problem(response, 415, "unsupported_media_type")


def test_json_body_on_the_token_endpoint_is_refused(client, rt):
    """A JSON body on the OAuth token endpoint, which takes only form bodies."""
    creds = agency_client(rt)

    response = client.post("/oauth/token", json={"grant_type": "client_credentials"}, auth=creds.basic)

    _assert_problem(response, 415, "unsupported_media_type")
    assert "access_token" not in response.json


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "\xff@example.org", "password": "x"}',
        b"\xc3\x28",
        # A UTF-8-encoded surrogate (CESU-8): forbidden by RFC 3629, in an otherwise valid body.
        b'{"email": "citizen@example.org", "password": "%s", "display_name": "\xed\xa0\x80"}'
        % PASSWORD.encode(),
    ],
    ids=["invalid-byte", "truncated-sequence", "encoded-surrogate"],
)
def test_invalid_utf8_json_body_is_refused(client, rt, body):
    """A JSON body whose bytes are not valid UTF-8."""
    before = _count(rt, Account)
    response = _post_raw(client, "/v1/accounts", body)

    _assert_problem(response, 400, "malformed_json")
    assert _count(rt, Account) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/accounts", {**REGISTRATION, "display_name": "\ud800"}),
        ("/v1/accounts", {"email": "citizen@example.org", "password": "\udfff" * 12}),
        ("/v1/sessions", {"email": "citizen@example.org", "password": "\ud800"}),
        ("/v1/sessions", {"email": "\ud800@example.org", "password": PASSWORD}),
        ("/v1/sessions/refresh", {"refresh_token": "\ud800"}),
    ],
    ids=["register-name", "register-password", "log-in-password", "log-in-email", "refresh"],
)
def test_lone_surrogate_escape_in_a_json_string_is_refused(client, rt, path, body):
    r"""A JSON string with an unpaired \ud800 escape: valid JSON, but no UTF-8 text."""
    before = _count(rt, Account)
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
    assert "\\ud" in raw

    response = _post_raw(client, path, raw)

    assert response.status_code < 500, response.get_data(as_text=True)
    _assert_problem(response, response.status_code, "malformed_json", "validation_failed")
    assert _count(rt, Account) == before


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/../../../../etc/passwd",
        "/docs/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/docs/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/docs/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/docs/assets//etc/passwd",
        "/docs/assets/..%5c..%5c..%5c..%5cetc%5cpasswd",
        "/docs/assets/../../../../proc/self/environ",
        "/docs/assets/..%2f..%2f..%2f..%2f..%2f..%2f..%2fproc%2fself%2fenviron",
    ],
)
def test_path_traversal_on_docs_assets_is_refused(client, path):
    """Reading files outside the Swagger UI assets through the docs asset route."""
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200

    response = client.get(path, follow_redirects=True)

    _assert_problem(response, 404, "not_found")
    text = response.get_data(as_text=True)
    assert "root:" not in text
    assert "CREDWALLET" not in text
    assert "PATH=" not in text


@pytest.mark.parametrize(
    "body",
    [
        {**REGISTRATION, "display_name": "a\u0000b"},
        {"email": "citizen@example.org", "password": "\u0000" * 12},
        {**REGISTRATION, "\u0000": "x"},
    ],
    ids=["in-a-value", "in-the-password", "in-a-member-name"],
)
def test_nul_characters_in_json_strings_are_refused(client, rt, body):
    """A NUL in a JSON string: PostgreSQL text columns refuse it, so it must stop at the door."""
    before = _count(rt, Account)

    response = client.post("/v1/accounts", json=body)

    _assert_problem(response, 400, "malformed_json")
    assert _count(rt, Account) == before
