"""The outbox: a notification commits or rolls back with the request that wrote it.

Two routes stand in for a domain's request: each changes nothing but writes a notification through
notify(), in the request's session; one then fails with an AppError, as a service does when a later check
refuses. The app's one commit at the request boundary decides what survives.
"""

from __future__ import annotations

import uuid

import pytest
from flask import request
from sqlalchemy import func, select

from tests.wallet.notifications.conftest import sign_in
from wallet.db import request_session
from wallet.errors import AppError
from wallet.notifications.models import Notification, NotificationDelivery
from wallet.notifications.service import notify
from wallet.runtime import runtime


class TransitionRefused(AppError):
    status = 409
    code = "transition_refused"
    title = "Refused after notifying"


def _suspend(session, account_id, *, refuse):
    """A domain service: it records the change's notification, then (maybe) a later check refuses."""
    notify(
        session,
        account_id=account_id,
        kind="credential_suspended",
        title="Your Driver Licence is suspended",
        body="Your Driver Licence has been suspended because your demerit points reached 13.",
        reason="because your demerit points reached 13",
        at=runtime().clock.now(),
    )
    if refuse:
        raise TransitionRefused()


def _route(refuse):
    def view():
        _suspend(request_session(), uuid.UUID(request.args["account"]), refuse=refuse)
        return "", 204

    return view


@pytest.fixture
def domain_routes(app):
    """Registered before the app's first request, as Flask requires."""
    app.add_url_rule("/test/suspend", "test_suspend", _route(refuse=False), methods=["POST"])
    app.add_url_rule("/test/suspend-then-refuse", "test_refuse", _route(refuse=True), methods=["POST"])


def _stored(rt, account_id):
    with rt.db.session() as session:
        notifications = session.scalar(
            select(func.count()).select_from(Notification).where(Notification.account_id == account_id)
        )
        deliveries = session.scalar(
            select(func.count())
            .select_from(NotificationDelivery)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(Notification.account_id == account_id)
        )
    return notifications, deliveries


def _listed(client, who):
    return client.get("/v1/notifications", headers=who.headers).json["notifications"]


def test_a_notification_written_by_a_failed_request_is_never_seen(domain_routes, rt, client, add_device):
    alice = sign_in(client, "alice@example.org")
    add_device(alice.account_id, "push-token-0123456789")

    response = client.post(f"/test/suspend-then-refuse?account={alice.account_id}")

    assert response.status_code == 409
    assert response.json["code"] == "transition_refused"
    assert _stored(rt, alice.account_id) == (0, 0)
    assert _listed(client, alice) == []


def test_a_notification_written_by_a_committed_request_is_kept_with_its_push(
    domain_routes, rt, client, add_device
):
    alice = sign_in(client, "alice@example.org")
    add_device(alice.account_id, "push-token-0123456789")

    response = client.post(f"/test/suspend?account={alice.account_id}")

    assert response.status_code == 204
    assert _stored(rt, alice.account_id) == (1, 1)
    [listed] = _listed(client, alice)
    assert listed["reason"] == "because your demerit points reached 13"
