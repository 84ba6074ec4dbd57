"""A renewal whose charge the gateway decides later, after the agency changed the registration meanwhile:
the capture is recorded and refunded, and the registration is left as the agency made it."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import bearer
from tests.wallet.payments.conftest import send
from tests.wallet.vehicles.conftest import renew
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
from wallet.payments.models import Payment
from wallet.vehicles.models import Vehicle


def pending_renewal(client, driver, car) -> dict:
    response = renew(client, driver, car, "key-1", card_token="tok_sandbox_later")
    assert (response.status_code, response.json["state"]) == (202, "pending")
    return response.json  # type: ignore[no-any-return]


def capture(client, rt, payment: dict) -> None:
    rt.gateway().settle_later(payment["id"], state="captured")
    assert send(client, rt, {"reference": payment["id"], "state": "captured"}).status_code == 204


def change(client, transport, car, **changes) -> None:
    response = client.patch(f"/v1/agency/vehicles/{car['id']}", json=changes, headers=bearer(transport))
    assert response.status_code == 200, response.json


def outcome(rt, payment: dict, car: dict) -> tuple[str, str | None, str, str]:
    """The payment's state and failure code, the registration's status and expiry."""
    with rt.db.session() as session:
        paid = session.get_one(Payment, uuid.UUID(payment["id"]))
        vehicle = session.get_one(Vehicle, uuid.UUID(car["id"]))
        return paid.state, paid.failure_code, vehicle.status, vehicle.expiry.isoformat()


@pytest.mark.parametrize("status", ["cancelled", "suspended"])
def test_a_renewal_captured_after_the_registration_was_cancelled_is_refunded_not_applied(
    client, rt, transport, car, driver, status
):
    payment = pending_renewal(client, driver, car)
    change(client, transport, car, status=status)

    capture(client, rt, payment)

    # Before, the capture moved the expiry of the cancelled registration a year on, and nothing was refunded.
    assert outcome(rt, payment, car) == ("refund_due", "registration_not_current", status, "2026-12-20")
    assert run_jobs(rt, pusher=LogPusher()).refunds == 1
    assert outcome(rt, payment, car)[0] == "refunded"


def test_a_renewal_captured_after_the_agency_moved_the_expiry_is_refunded_not_added_to_it(
    client, rt, transport, car, driver
):
    payment = pending_renewal(client, driver, car)  # quoted and checked from the expiry 20 December 2026
    change(client, transport, car, expiry="2027-12-20")  # renewed at a service centre meanwhile, say

    capture(client, rt, payment)

    # Before, the term went on top of the new expiry, to 2028-12-20: a period nobody checked (the green slip
    # ends on 2027-12-20) and paid for twice.
    assert outcome(rt, payment, car) == ("refund_due", "registration_changed", "current", "2027-12-20")
