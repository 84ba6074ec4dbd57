"""Two delivery runners at once, each on its own connection and committing for real: no push goes twice.

Like the issuance concurrency test, this cannot run inside the rolled-back test transaction, so its fixture
commits an account, its devices and notifications, and deletes them afterwards. On PostgreSQL the runners
overlap: SKIP LOCKED hands each its own rows, and a barrier in the pusher proves both were sending at the
same time. On SQLite the second runner waits for the first one's write lock, so they take turns.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, select

from wallet.accounts.models import Account
from wallet.db import Database
from wallet.devices.models import Device
from wallet.notifications.delivery import DeliveryReport, deliver_pending
from wallet.notifications.models import Notification, NotificationDelivery
from wallet.notifications.service import notify

DEVICES = 2
NOTIFICATIONS = 3
PUSHES = DEVICES * NOTIFICATIONS


class RecordingPusher:
    """Thread-safe record of sends. With a barrier, each runner's first send waits for the other's."""

    def __init__(self, barrier: threading.Barrier | None) -> None:
        self.keys: list[str] = []
        self._lock = threading.Lock()
        self._barrier = barrier
        self._local = threading.local()

    def send(self, *, token, title, body, data, idempotency_key) -> None:
        if self._barrier is not None and not getattr(self._local, "met", False):
            self._local.met = True
            self._barrier.wait()  # raises BrokenBarrierError if the other runner never sends meanwhile
        with self._lock:
            self.keys.append(idempotency_key)


@pytest.fixture
def committed(database_url, clock):
    """An account with devices and notifications, committed; all of it deleted again afterwards."""
    db = Database(database_url)
    account_id = uuid.uuid4()
    with db.session() as session:
        session.add(
            Account(
                id=account_id,
                email=f"{account_id.hex}@example.org",
                password_hash="-",
                created_at=clock.now(),
            )
        )
        for n in range(DEVICES):
            session.add(
                Device(
                    account_id=account_id,
                    name=f"phone {n}",
                    jwk={"kty": "EC"},
                    thumbprint=secrets.token_hex(16),
                    push_token=f"push-token-concurrent-{n:06}",
                    created_at=clock.now(),
                )
            )
        session.flush()
        for _ in range(NOTIFICATIONS):
            notify(
                session,
                account_id=account_id,
                kind="credential_issued",
                title="Your Driver Licence is ready",
                body="Your Driver Licence has been issued because you passed your test.",
                reason="because you passed your test",
                at=clock.now(),
            )
        session.commit()
    yield db
    with db.session() as session:
        mine = select(Notification.id).where(Notification.account_id == account_id)
        session.execute(delete(NotificationDelivery).where(NotificationDelivery.notification_id.in_(mine)))
        session.execute(delete(Notification).where(Notification.account_id == account_id))
        session.execute(delete(Device).where(Device.account_id == account_id))
        session.execute(delete(Account).where(Account.id == account_id))
        session.commit()
    db.dispose()


def _runner(db, pusher, now, limit):
    with db.session() as session:
        report = deliver_pending(session, pusher=pusher, now=now, limit=limit)
        session.commit()
    return report


def _states(db, keys):
    with db.session() as session:
        ids = [uuid.UUID(key) for key in keys]
        return session.scalars(
            select(NotificationDelivery.state).where(NotificationDelivery.id.in_(ids))
        ).all()


def test_two_runners_at_once_never_send_a_push_twice(committed, clock):
    overlapping = committed.engine.dialect.name == "postgresql"
    pusher = RecordingPusher(threading.Barrier(2, timeout=10) if overlapping else None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(_runner, committed, pusher, clock.now(), PUSHES // 2) for _ in range(2)]
        reports = [run.result() for run in runs]

    assert sum(report.delivered for report in reports) == PUSHES
    assert len(pusher.keys) == len(set(pusher.keys)) == PUSHES
    assert _states(committed, pusher.keys) == ["delivered"] * PUSHES
    assert _runner(committed, pusher, clock.now(), PUSHES) == DeliveryReport()
    assert len(pusher.keys) == PUSHES
