from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, register
from wallet.accounts.models import Account


def test_register_creates_an_account_with_an_argon2id_hash(client, rt):
    body = register(client, "New.Citizen@Example.org")

    assert body["email"] == "new.citizen@example.org"
    assert set(body) == {"id", "email", "display_name", "created_at"}
    with rt.db.session() as session:
        account = session.scalar(select(Account).where(Account.email == "new.citizen@example.org"))
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_register_twice_with_one_email_is_a_conflict(client):
    register(client, "twice@example.org")

    response = client.post("/v1/accounts", json={"email": "TWICE@example.org", "password": PASSWORD})

    assert response.status_code == 409
    assert response.json["code"] == "account_exists"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.org", "password": "short"}, "password"),
        ({"email": "a@example.org", "password": "x" * 129}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": "a@example.org"}, "password"),
        ({"email": 42, "password": PASSWORD}, "email"),
    ],
)
def test_register_refuses_invalid_fields(client, rt, body, field):
    response = client.post("/v1/accounts", json=body)

    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"
    assert field in response.json["errors"]["json"]
    with rt.db.session() as session:
        assert session.scalar(select(Account).where(Account.email == "a@example.org")) is None
