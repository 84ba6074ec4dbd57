"""The request parser: text no database can take is refused in every place a request carries text.

The NUL check once covered JSON bodies only: a NUL in a form field, a query string or a path reached
PostgreSQL, which refuses it in text columns, and became a 500 (SQLite takes it). Run on both databases.
"""

from __future__ import annotations

import pytest

from tests.factories import bearer, citizen

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.mark.parametrize("field", ["pre-authorized_code", "tx_code", "grant_type"])
def test_nul_in_an_oid4vci_token_form_field_is_refused_by_the_parser(client, field):
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "code", "tx_code": "1234"}
    form[field] = "a\x00b"

    response = client.post("/issuers/transport/token", data=form)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    assert field in response.json["errors"]["form"]


def test_nul_in_a_form_field_name_is_refused_by_the_parser(client):
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "code", "x\x00": "1"}

    response = client.post("/issuers/transport/token", data=form)

    assert response.status_code == 422, response.json
    assert "x\x00" in response.json["errors"]["form"]


def test_nul_in_a_query_string_value_is_refused_by_the_parser(client):
    token = citizen(client)["access_token"]

    response = client.get("/v1/notifications?cursor=a%00b", headers=bearer(token))

    assert response.status_code == 422, response.json
    assert "NUL" in response.json["errors"]["query"]["cursor"][0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/issuers/a%00b/nonce"),
        ("GET", "/issuers/a%00b/.well-known/jwks.json"),
        ("GET", "/.well-known/openid-credential-issuer/issuers/a%00b"),
        ("GET", "/issuers/a%00b/status/1"),
    ],
)
def test_nul_in_a_path_is_not_found(client, method, path):
    """An issuer slug with a NUL was looked up in the database: a 500 on PostgreSQL."""
    response = client.open(path, method=method)

    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"
