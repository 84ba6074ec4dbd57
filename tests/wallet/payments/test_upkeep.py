"""The payment jobs against requests still on their way: a late retry and the job that would close its
payment as abandoned never both go on, and a capture is never lost whichever of them comes first."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.factories import log_in
from tests.wallet.fines.conftest import lodged, pay
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
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
