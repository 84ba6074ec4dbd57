"""notify(): what every domain calls. It checks the message, writes in the caller's transaction, and
fans out one pending push per device with a push token."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wallet.notifications.errors import NotificationInvalid
from wallet.notifications.models import Notification, NotificationDelivery
from wallet.notifications.service import notify, notify_person

MESSAGE = {
    "kind": "credential_revoked",
    "title": "Your Driver Licence has been cancelled",
    "body": "Your Driver Licence has been cancelled because you asked us to. It is no longer valid.",
    "reason": "because you asked us to",
}


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_notify_writes_the_message_with_its_reason(rt, clock, alice):
    with rt.db.session() as session:
        notification = notify(
            session, account_id=alice.account_id, at=clock.now(), data={"credential_id": "c-9"}, **MESSAGE
        )
        session.commit()

    with rt.db.session() as session:
        stored = session.get_one(Notification, notification.id)
        assert (stored.account_id, stored.kind, stored.reason) == (
            alice.account_id,
            "credential_revoked",
            "because you asked us to",
        )
        assert stored.data == {"credential_id": "c-9"}
        assert stored.created_at == clock.now()
        assert stored.read_at is None


def test_surrounding_whitespace_is_trimmed(rt, clock, alice):
    with rt.db.session() as session:
        notification = notify(
            session, account_id=alice.account_id, at=clock.now(), **{**MESSAGE, "reason": "  because.\n"}
        )

    assert notification.reason == "because."


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", ""),
        ("reason", "   \n\t"),
        ("reason", "x" * 501),
        ("title", ""),
        ("title", "t" * 201),
        ("body", " "),
        ("body", "b" * 2001),
        ("reason", "because\x00"),
    ],
)
def test_a_message_without_its_why_or_too_long_is_refused_and_nothing_is_written(
    rt, clock, alice, add_device, field, value
):
    add_device(alice.account_id, "push-token-0123456789")
    with rt.db.session() as session:
        before = (_count(session, Notification), _count(session, NotificationDelivery))

        with pytest.raises(NotificationInvalid) as refused:
            notify(session, account_id=alice.account_id, at=clock.now(), **{**MESSAGE, field: value})

        assert refused.value.code == "notification_invalid"
        assert refused.value.extra == {"field": field}
        assert (_count(session, Notification), _count(session, NotificationDelivery)) == before


@pytest.mark.parametrize("kind", ["", "Credential_Revoked", "credential revoked", "x" * 65, "1st"])
def test_a_malformed_kind_is_a_programming_error(rt, clock, alice, kind):
    with rt.db.session() as session, pytest.raises(ValueError, match="kind"):
        notify(session, account_id=alice.account_id, at=clock.now(), **{**MESSAGE, "kind": kind})


@pytest.mark.parametrize("data", [{"when": date(2026, 1, 1)}, {"x": float("nan")}, {"blob": "x" * 3000}, []])
def test_data_must_be_a_small_plain_json_object(rt, clock, alice, data):
    with rt.db.session() as session, pytest.raises(ValueError, match="data"):
        notify(session, account_id=alice.account_id, at=clock.now(), data=data, **MESSAGE)


def test_each_of_the_accounts_devices_with_a_push_token_gets_a_pending_delivery(
    rt, clock, alice, bob, add_device
):
    phone = add_device(alice.account_id, "push-token-phone-000001")
    tablet = add_device(alice.account_id, "push-token-tablet-00002")
    add_device(alice.account_id, None)
    add_device(alice.account_id, "")
    add_device(bob.account_id, "push-token-bobs-phone-03")

    with rt.db.session() as session:
        notification = notify(session, account_id=alice.account_id, at=clock.now(), **MESSAGE)
        deliveries = session.scalars(
            select(NotificationDelivery).where(NotificationDelivery.notification_id == notification.id)
        ).all()

    assert {d.device_id for d in deliveries} == {phone.id, tablet.id}
    assert {(d.state, d.attempts, d.next_attempt_at) for d in deliveries} == {("pending", 0, clock.now())}
    assert len({d.idempotency_key for d in deliveries}) == 2


def _person(rt, account_id):
    with rt.db.session() as session:
        agencies = rt.agencies(session)
        agency = agencies.create_agency(slug=f"agency-{uuid.uuid4().hex[:8]}", name="Transport")
        person = agencies.create_person(
            agency.id,
            agency_ref="P-1",
            given_name="Alex",
            family_name="Citizen",
            birthdate=date(1990, 4, 12),
        )
        person.account_id = account_id
        session.commit()
        return person.id


def test_notify_person_reaches_the_linked_account(rt, clock, alice):
    person_id = _person(rt, alice.account_id)

    with rt.db.session() as session:
        notification = notify_person(session, person_id=person_id, at=clock.now(), **MESSAGE)

    assert notification is not None
    assert notification.account_id == alice.account_id


def test_notify_person_without_a_linked_account_writes_nothing(rt, clock):
    person_id = _person(rt, None)

    with rt.db.session() as session:
        before = _count(session, Notification)
        assert notify_person(session, person_id=person_id, at=clock.now(), **MESSAGE) is None
        assert _count(session, Notification) == before


def test_notify_person_checks_the_message_even_without_a_linked_account(rt, clock):
    person_id = _person(rt, None)

    with rt.db.session() as session, pytest.raises(NotificationInvalid):
        notify_person(session, person_id=person_id, at=clock.now(), **{**MESSAGE, "reason": " "})


def test_notify_person_refuses_an_unknown_person(rt, clock):
    with rt.db.session() as session, pytest.raises(ValueError, match="person"):
        notify_person(session, person_id=uuid.uuid4(), at=clock.now(), **MESSAGE)


def test_the_database_itself_refuses_a_notification_without_a_reason(rt, clock, alice):
    # The check constraint holds even for a writer that goes around notify().
    with rt.db.session() as session:
        session.add(
            Notification(
                account_id=alice.account_id, created_at=clock.now(), data={}, **{**MESSAGE, "reason": " "}
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()
