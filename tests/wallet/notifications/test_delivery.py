"""The push delivery runner, with a fake pusher: retried with backoff, idempotent, never sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.wallet.notifications.conftest import FakePusher
from wallet.devices.models import Device
from wallet.notifications.delivery import DeliveryReport, RetryPolicy, deliver_pending
from wallet.notifications.models import NotificationDelivery
from wallet.notifications.push import PushFailed

TOKEN = "push-token-alices-phone-0001"


def _run(rt, pusher, **kwargs):
    with rt.db.session() as session:
        report = deliver_pending(session, pusher=pusher, now=rt.clock.now(), **kwargs)
        session.commit()
    return report


def _deliveries(rt):
    with rt.db.session() as session:
        return session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.created_at)).all()


@pytest.fixture
def phone(alice, add_device):
    return add_device(alice.account_id, TOKEN)


def test_a_due_push_is_sent_once_and_never_again(rt, clock, alice, phone, send):
    notification = send(alice.account_id, data={"credential_id": "c-1"})
    pusher = FakePusher()

    first = _run(rt, pusher)
    clock.advance(days=2)
    again = _run(rt, pusher)

    assert first == DeliveryReport(claimed=1, delivered=1)
    assert again == DeliveryReport()
    [sent] = pusher.sent
    assert sent.token == TOKEN
    assert (sent.title, sent.body) == (notification.title, notification.body)
    assert sent.data == {
        "credential_id": "c-1",
        "notification_id": str(notification.id),
        "kind": "credential_suspended",
    }
    [delivery] = _deliveries(rt)
    assert sent.idempotency_key == delivery.idempotency_key == str(delivery.id)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 1, None)
    assert delivery.delivered_at == clock.now() - timedelta(days=2)
    assert delivery.next_attempt_at is None


def test_each_device_gets_its_own_push_with_its_own_key(rt, alice, bob, add_device, phone, send):
    add_device(alice.account_id, "push-token-alices-tablet-02")
    add_device(bob.account_id, "push-token-bobs-phone-000003")
    send(alice.account_id)
    pusher = FakePusher()

    assert _run(rt, pusher).delivered == 2

    assert {s.token for s in pusher.sent} == {TOKEN, "push-token-alices-tablet-02"}
    assert len({s.idempotency_key for s in pusher.sent}) == 2


def test_a_retryable_failure_backs_off_exponentially_and_retries_with_the_same_key(
    rt, clock, alice, phone, send
):
    send(alice.account_id)
    start = clock.now()
    down = PushFailed("the push webhook answered 503", retryable=True)
    pusher = FakePusher(failures=[down, down])

    assert _run(rt, pusher) == DeliveryReport(claimed=1, retrying=1)
    [delivery] = _deliveries(rt)
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert delivery.last_error == "the push webhook answered 503"

    clock.advance(seconds=29)
    assert _run(rt, pusher) == DeliveryReport()  # not due yet
    clock.advance(seconds=1)
    assert _run(rt, pusher).retrying == 1
    [delivery] = _deliveries(rt)
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled

    clock.advance(seconds=60)
    assert _run(rt, pusher).delivered == 1

    assert len(pusher.sent) == 3
    assert len({s.idempotency_key for s in pusher.sent}) == 1
    [delivery] = _deliveries(rt)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 3, None)


def test_a_retryable_failure_ends_the_run_and_the_rest_go_next_time(rt, alice, phone, send):
    for _ in range(3):
        send(alice.account_id)
    pusher = FakePusher(failures=[PushFailed("timed out", retryable=True)])

    assert _run(rt, pusher) == DeliveryReport(claimed=1, retrying=1)
    assert _run(rt, pusher) == DeliveryReport(claimed=2, delivered=2)

    assert len({s.idempotency_key for s in pusher.sent}) == 3
    assert sorted(d.state for d in _deliveries(rt)) == ["delivered", "delivered", "pending"]


def test_a_permanent_failure_is_not_retried_and_does_not_hold_up_the_others(rt, clock, alice, phone, send):
    send(alice.account_id)
    send(alice.account_id)
    pusher = FakePusher(failures=[PushFailed("the push webhook answered 400", retryable=False)])

    assert _run(rt, pusher) == DeliveryReport(claimed=2, delivered=1, failed=1)
    clock.advance(days=1)
    assert _run(rt, pusher) == DeliveryReport()

    assert len(pusher.sent) == 2
    failed = [d for d in _deliveries(rt) if d.state == "failed"]
    assert [(d.idempotency_key, d.next_attempt_at) for d in failed] == [
        (pusher.sent[0].idempotency_key, None)
    ]
    assert failed[0].last_error == "the push webhook answered 400"


def test_retryable_failures_give_up_after_the_last_attempt(rt, clock, alice, phone, send):
    send(alice.account_id)
    retry = RetryPolicy(first_delay=timedelta(seconds=10), max_attempts=3)
    pusher = FakePusher(failures=[PushFailed("timed out", retryable=True)] * 5)

    outcomes = []
    for _ in range(5):
        outcomes.append(_run(rt, pusher, retry=retry))
        clock.advance(hours=1)

    assert [o.retrying for o in outcomes] == [1, 1, 0, 0, 0]
    assert [o.failed for o in outcomes] == [0, 0, 1, 0, 0]
    assert len(pusher.sent) == 3
    [delivery] = _deliveries(rt)
    assert (delivery.state, delivery.attempts) == ("failed", 3)


def test_the_backoff_doubles_up_to_its_cap():
    retry = RetryPolicy(first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=10))

    delays = [retry.delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 1000)]

    assert delays == [30, 60, 120, 240, 480, 600, 600]


def test_the_token_is_the_devices_current_one(rt, alice, phone, send):
    send(alice.account_id)
    with rt.db.session() as session:
        session.get_one(Device, phone.id).push_token = "push-token-rotated-000000"
        session.commit()
    pusher = FakePusher()

    _run(rt, pusher)

    assert [s.token for s in pusher.sent] == ["push-token-rotated-000000"]


def test_a_device_that_dropped_its_token_is_not_pushed_to(rt, alice, phone, send):
    send(alice.account_id)
    with rt.db.session() as session:
        session.get_one(Device, phone.id).push_token = None
        session.commit()
    pusher = FakePusher()

    assert _run(rt, pusher) == DeliveryReport(claimed=1, failed=1)

    assert pusher.sent == []


def test_a_crash_before_the_commit_sends_again_with_the_same_key(rt, alice, phone, send):
    send(alice.account_id)
    pusher = FakePusher()
    with rt.db.session() as session:
        deliver_pending(session, pusher=pusher, now=rt.clock.now())
        session.rollback()  # the runner died after sending, before recording

    _run(rt, pusher)

    first, second = pusher.sent
    assert first.idempotency_key == second.idempotency_key
    assert _deliveries(rt)[0].state == "delivered"


def test_a_run_takes_at_most_its_limit(rt, alice, phone, send):
    for _ in range(3):
        send(alice.account_id)
    pusher = FakePusher()

    assert _run(rt, pusher, limit=2).claimed == 2
    assert _run(rt, pusher, limit=2).claimed == 1
    assert len({s.idempotency_key for s in pusher.sent}) == 3


def test_a_removed_device_takes_its_pending_pushes_with_it(rt, alice, phone, send):
    send(alice.account_id)

    with rt.db.session() as session:
        session.delete(session.get_one(Device, phone.id))
        session.commit()

    assert _deliveries(rt) == []
