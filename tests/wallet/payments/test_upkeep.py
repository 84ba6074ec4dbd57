"""The payment jobs against requests still on their way: a late retry and the job that would close its
payment as abandoned never both go on, and a capture is never lost whichever of them comes first. And the
jobs' queue: what they cannot finish does not keep them from the rest."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.factories import bearer, log_in
from tests.wallet.fines.conftest import lodged, pay
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
from wallet.payments.errors import GatewayRefused
from wallet.payments.gateway import SandboxGateway
from wallet.payments.models import Payment, SandboxCharge
from wallet.payments.service import PaymentService
from wallet.payments.upkeep import Upkeep


class Killed(BaseException):
    """The process dying mid-request."""


def die(self, **kwargs):
    raise Killed()


def ledger(rt, fine) -> tuple[list[str], list[str]]:
    """The fine's payments as we recorded them, and the gateway's charges for them."""
    with rt.db.session() as session:
        payments = session.scalars(select(Payment).where(Payment.subject_id == uuid.UUID(fine["id"]))).all()
        references = [str(p.id) for p in payments]
        charges = session.scalars(select(SandboxCharge).where(SandboxCharge.reference.in_(references)))
        return sorted(p.state for p in payments), sorted(c.state for c in charges)


@pytest.fixture
def died_before_the_charge(client, clock, transport, driver, monkeypatch):
    """A fine whose payment (key "key-1") was opened, then its request killed before the charge; a day
    and more later, with the citizen signed in again."""
    fine = lodged(client, transport)
    monkeypatch.setattr(SandboxGateway, "charge", die)
    with pytest.raises(Killed):
        pay(client, driver, fine, "key-1")
    monkeypatch.undo()
    clock.advance(hours=25)
    driver.token = log_in(client, driver.email)["access_token"]
    return fine


def test_a_late_retry_racing_the_abandonment_job_is_charged_once_and_kept(
    client, rt, driver, died_before_the_charge, monkeypatch
):
    fine, charge = died_before_the_charge, SandboxGateway.charge

    def jobs_then_charge(self, **kwargs):  # the jobs run while the retry is on its way to the gateway
        run_jobs(rt, pusher=LogPusher())
        return charge(self, **kwargs)

    monkeypatch.setattr(SandboxGateway, "charge", jobs_then_charge)
    retry = pay(client, driver, fine, "key-1")
    monkeypatch.undo()
    again = pay(client, driver, fine, "key-2")
    run_jobs(rt, pusher=LogPusher())

    assert retry.status_code == 201, retry.json
    assert again.status_code != 201
    assert ledger(rt, fine) == (["captured"], ["captured"])


def test_a_charge_landing_after_its_payment_was_abandoned_is_refunded(
    client, rt, clock, driver, died_before_the_charge, monkeypatch
):
    fine, charge = died_before_the_charge, SandboxGateway.charge

    def stall_then_charge(self, **kwargs):  # the retry stalls past its lease; the jobs give up on it
        clock.advance(seconds=31)
        assert Upkeep(rt.payments()).run().abandoned == 1
        return charge(self, **kwargs)

    monkeypatch.setattr(SandboxGateway, "charge", stall_then_charge)
    pay(client, driver, fine, "key-1")
    monkeypatch.undo()
    due = ledger(rt, fine)
    report = Upkeep(rt.payments()).run()

    assert due == (["refund_due"], ["captured"])
    assert report.refunded == 1
    assert ledger(rt, fine) == (["refunded"], ["refunded"])


def test_a_retry_whose_payment_was_abandoned_before_its_charge_charges_nothing(
    client, rt, clock, driver, died_before_the_charge, monkeypatch
):
    fine, open_payment = died_before_the_charge, PaymentService._open

    def open_then_stall(self, *args):  # found its payment, then stalled past its lease
        payment = open_payment(self, *args)
        clock.advance(seconds=31)
        assert Upkeep(rt.payments()).run().abandoned == 1
        return payment

    monkeypatch.setattr(PaymentService, "_open", open_then_stall)
    retry = pay(client, driver, fine, "key-1")

    assert (retry.status_code, retry.json["code"]) == (402, "payment_declined")
    assert ledger(rt, fine) == (["failed"], [])


def test_a_retry_after_its_payment_was_abandoned_pays_afresh(client, rt, driver, died_before_the_charge):
    fine = died_before_the_charge
    abandoned = Upkeep(rt.payments()).run().abandoned

    retry = pay(client, driver, fine, "key-1")

    assert abandoned == 1
    assert retry.status_code == 201, retry.json
    assert ledger(rt, fine) == (["captured", "failed"], ["captured"])


def test_a_payment_the_gateway_keeps_pending_does_not_starve_the_next(client, rt, transport, driver):
    first = lodged(client, transport, notice_number="4000000001")
    second = lodged(client, transport, notice_number="4000000002")
    pay(client, driver, first, "key-1", card_token="tok_sandbox_later")  # pending until the processor says
    pay(client, driver, second, "key-2", card_token="tok_sandbox_timeout")  # captured, answer lost

    reconciled = [Upkeep(rt.payments()).run(limit=1).reconciled for _ in range(2)]

    assert reconciled == [0, 1]
    assert ledger(rt, first) == (["pending"], ["pending"])
    assert ledger(rt, second) == (["captured"], ["captured"])


def test_a_refund_that_keeps_failing_does_not_starve_the_next(client, rt, transport, driver, monkeypatch):
    refund = SandboxGateway.refund
    fines = [lodged(client, transport, notice_number=f"400000000{n}") for n in (1, 2)]
    for n, fine in enumerate(fines):
        assert pay(client, driver, fine, f"key-{n}").status_code == 201
    monkeypatch.setattr(SandboxGateway, "refund", refused)
    for fine in fines:  # each withdrawal's own refund fails too: both are left to the jobs
        withdrawal = {"explanation": "Camera fault"}
        client.post(f"/v1/agency/fines/{fine['id']}/withdrawal", json=withdrawal, headers=bearer(transport))
    first = payment_of(rt, fines[0])

    def all_but_the_first(self, **kwargs):
        return (refused if kwargs["reference"] == first else refund)(self, **kwargs)

    monkeypatch.setattr(SandboxGateway, "refund", all_but_the_first)

    reports = [Upkeep(rt.payments()).run(limit=1) for _ in range(2)]

    assert [(r.refunded, r.failed) for r in reports] == [(0, 1), (1, 0)]
    assert ledger(rt, fines[1]) == (["refunded"], ["refunded"])


def refused(self, **kwargs):
    raise GatewayRefused("the processor is down")


def payment_of(rt, fine) -> str:
    with rt.db.session() as session:
        return str(
            session.scalars(select(Payment.id).where(Payment.subject_id == uuid.UUID(fine["id"]))).one()
        )
