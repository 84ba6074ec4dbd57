"""Building test data through the same services the API uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text

from wallet.agencies.errors import UnknownAgency
from wallet.audit.service import Actor
from wallet.db import Database
from wallet.runtime import Runtime

PASSWORD = "correct horse battery staple"
TEST_ACTOR = Actor("operator", "tests")


@dataclass(frozen=True)
class TestClientCredentials:
    client_id: str
    secret: str
    agency_id: str

    @property
    def basic(self) -> tuple[str, str]:
        return (self.client_id, self.secret)


def register(
    client: FlaskClient, email: str = "citizen@example.org", password: str = PASSWORD
) -> dict[str, Any]:
    response = client.post("/v1/accounts", json={"email": email, "password": password})
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[return-value]


def log_in(
    client: FlaskClient, email: str = "citizen@example.org", password: str = PASSWORD
) -> dict[str, Any]:
    response = client.post("/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[return-value]


def citizen(client: FlaskClient, email: str = "citizen@example.org") -> dict[str, Any]:
    """A registered, logged-in citizen: the session tokens."""
    register(client, email)
    return log_in(client, email)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def agency_client(
    rt: Runtime, slug: str = "transport", scopes: tuple[str, ...] = ("people:read", "people:write")
) -> TestClientCredentials:
    """An agency (made if missing) and a new API client of it, committed to the test's transaction."""
    with rt.db.session() as session:
        agencies = rt.agencies(session)
        try:
            agency = agencies.find_agency(slug)
        except UnknownAgency:
            agency = agencies.create_agency(slug=slug, name=slug.title())
        new = agencies.create_client(agency, name="test client", scopes=scopes, actor=TEST_ACTOR)
        session.commit()
        return TestClientCredentials(new.client.client_id, new.secret, str(agency.id))


def agency_token(client: FlaskClient, creds: TestClientCredentials, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = client.post("/oauth/token", data=data, auth=creds.basic)
    assert response.status_code == 200, response.json
    return response.json["access_token"]  # type: ignore[index]


def register_device(
    client: FlaskClient,
    rt: Runtime,
    access_token: str,
    device: Any,
    name: str = "phone",
    push_token: str | None = None,
) -> str:
    """Register ``device`` (a wallet.holder DeviceKey) as one of the citizen's devices; returns its id."""
    challenge = client.post("/v1/devices/challenges", headers=bearer(access_token)).json["challenge"]  # type: ignore[index]
    now = int(rt.clock.now().timestamp())
    body = {
        "name": name,
        "public_jwk": device.jwk,
        "proof": device.registration_proof(challenge=challenge, audience=rt.app_audience, now=now),
    }
    if push_token:
        body["push_token"] = push_token
    response = client.post("/v1/devices", json=body, headers=bearer(access_token))
    assert response.status_code == 201, response.json
    return response.json["id"]  # type: ignore[index]


def scratch_sqlite(path: Path, *statements: str) -> Database:
    """A SQLite database of a test's own at ``path``, its sessions not joined to the test's transaction,
    with ``statements`` (its tables and rows) run first."""
    db = Database(f"sqlite:///{path}")
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    return db


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement ``engine`` sends to the database inside the block, in order."""
    sent: list[str] = []

    def listener(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", listener)
