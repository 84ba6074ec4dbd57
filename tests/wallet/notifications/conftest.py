"""Notification fixtures: signed-in citizens, a way to notify them as a domain would, their devices."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import bearer, citizen
from wallet.devices.models import Device
from wallet.notifications.models import Notification
from wallet.notifications.push import PushFailed
from wallet.notifications.service import notify


@dataclass(frozen=True)
class SignedIn:
    account_id: uuid.UUID
    headers: dict[str, str]


def sign_in(client, email: str) -> SignedIn:
    headers = bearer(citizen(client, email)["access_token"])
    me = client.get("/v1/accounts/me", headers=headers)
    assert me.status_code == 200, me.json
    return SignedIn(uuid.UUID(me.json["id"]), headers)


@pytest.fixture
def alice(client) -> SignedIn:
    return sign_in(client, "alice@example.org")


@pytest.fixture
def bob(client) -> SignedIn:
    return sign_in(client, "bob@example.org")


Send = Callable[..., Notification]


@pytest.fixture
def send(rt, clock) -> Send:
    """Notify an account as a domain would, one second after the last one, and commit."""

    def send(account_id: uuid.UUID, *, advance: float = 1, **fields: Any) -> Notification:
        clock.advance(seconds=advance)
        message = {
            "kind": "credential_suspended",
            "title": "Your Driver Licence is suspended",
            "body": "Your Driver Licence has been suspended because your demerit points reached 13.",
            "reason": "because your demerit points reached 13",
            "data": {"credential_id": str(uuid.uuid4())},
            **fields,
        }
        with rt.db.session() as session:
            notification = notify(session, account_id=account_id, at=clock.now(), **message)
            session.commit()
        return notification

    return send


@pytest.fixture
def add_device(rt, clock) -> Callable[..., Device]:
    """Register a device of an account directly (the devices API is another domain's)."""

    def add_device(account_id: uuid.UUID, push_token: str | None) -> Device:
        device = Device(
            account_id=account_id,
            name="phone",
            jwk={"kty": "EC", "crv": "P-256"},
            thumbprint=secrets.token_hex(16),
            push_token=push_token,
            created_at=clock.now(),
        )
        with rt.db.session() as session:
            session.add(device)
            session.commit()
        return device

    return add_device


@dataclass(frozen=True)
class Sent:
    token: str
    title: str
    body: str
    data: dict[str, Any]
    idempotency_key: str


@dataclass
class FakePusher:
    """Records every send; fails the first sends with the given errors, in order."""

    failures: list[PushFailed] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def send(self, *, token, title, body, data, idempotency_key) -> None:
        self.sent.append(Sent(token, title, body, dict(data), idempotency_key))
        if self.failures:
            raise self.failures.pop(0)
