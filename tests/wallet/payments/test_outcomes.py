"""Payments that end unusually: a refused card token, a capture that arrives after the fine moved on,
refunds of a plan's instalments, and payments abandoned before the charge. None may block a fine, lose
money or stop the jobs."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.factories import agency_token, bearer, log_in
from tests.wallet.fines.conftest import lodged, pay
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
from wallet.payments.gateway import SandboxGateway
from wallet.payments.models import Payment, SandboxCharge


def payment_states(rt, fine) -> list[str]:
    with rt.db.session() as session:
        payments = session.scalars(select(Payment).where(Payment.subject_id == uuid.UUID(fine["id"])))
        return sorted(p.state for p in payments)


def test_an_unknown_card_token_does_not_block_the_fine(client, transport, driver):
    fine = lodged(client, transport)
    typo = pay(client, driver, fine, "key-1", card_token="tok_typo")
    paid = pay(client, driver, fine, "key-2")

    assert (typo.status_code, typo.json["code"]) == (422, "invalid_card_token")
    assert paid.status_code == 201, paid.json


def test_a_review_waits_while_a_payment_is_under_way(client, transport, driver):
    fine = lodged(client, transport)
    pay(client, driver, fine, "key-1", card_token="tok_sandbox_later")

    review = client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "other", "text": "not me"}, headers=driver.auth
    )

    assert (review.status_code, review.json["code"]) == (409, "payment_in_progress")


def test_a_capture_after_the_fine_was_withdrawn_is_recorded_and_refunded(client, rt, transport, driver):
    fine = lodged(client, transport)
    pending = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later").json
    withdrawn = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal",
        json={"explanation": "Camera fault"},
        headers=bearer(transport),
    )
    rt.gateway().settle_later(pending["id"], state="captured")

    report = run_jobs(rt, pusher=LogPusher())  # reconciles the capture, then refunds it

    assert withdrawn.status_code == 200
    assert (report.payments_reconciled, report.refunds) == (1, 1)
    assert payment_states(rt, fine) == ["refunded"]
    with rt.db.session() as session:
        assert session.get_one(SandboxCharge, pending["id"]).state == "refunded"


def test_withdrawing_a_fine_on_a_plan_refunds_every_instalment_paid(
    client, rt, clock, transport_client, transport, driver
):
    fine = lodged(client, transport, due_date="2026-11-20")
    for _ in range(2):  # reminder, then overdue
        clock.advance(days=30)
        run_jobs(rt, pusher=LogPusher())
    driver.token = log_in(client, driver.email)["access_token"]
    plan = client.post(f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 3}, headers=driver.auth)
    for number in (1, 2):
        amount = plan.json["plan"]["instalments"][number - 1]["amount_cents"]
        assert pay(client, driver, {**fine, "owed_cents": amount}, f"key-{number}").status_code == 201

    withdrawn = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal",
        json={"explanation": "Camera fault"},
        headers=bearer(agency_token(client, transport_client)),
    )

    assert withdrawn.status_code == 200
    assert payment_states(rt, fine) == ["refunded", "refunded"]


class Killed(BaseException):
    """The process dying mid-request."""


def die(self, **kwargs):
    raise Killed()


def test_a_payment_abandoned_before_the_charge_is_closed_by_the_jobs(
    client, rt, clock, transport, driver, monkeypatch
):
    fine = lodged(client, transport)
    monkeypatch.setattr(SandboxGateway, "charge", die)
    with pytest.raises(Killed):
        pay(client, driver, fine, "key-1")
    monkeypatch.undo()
    clock.advance(hours=25)  # past the key's 24 hours: no retry can complete it

    report = run_jobs(rt, pusher=LogPusher())

    assert report.payments_reconciled == 1
    assert payment_states(rt, fine) == ["failed"]
    driver.token = log_in(client, driver.email)["access_token"]
    assert pay(client, driver, fine, "key-2").status_code == 201


def test_a_notice_nominated_to_you_cannot_be_nominated_again(client, transport, driver, other_driver):
    fine = lodged(client, transport)
    client.post(
        f"/v1/fines/{fine['id']}/nomination",
        json={"licence_number": "87654321", "statutory_declaration": True},
        headers=driver.auth,
    )
    [theirs] = client.get("/v1/fines", headers=other_driver.auth).json

    back = client.post(
        f"/v1/fines/{theirs['id']}/nomination",
        json={"licence_number": "12345678", "statutory_declaration": True},
        headers=other_driver.auth,
    )

    assert (back.status_code, back.json["code"]) == (422, "fine_not_nominable")


def test_a_job_run_goes_on_past_a_payment_it_cannot_finish(client, rt, transport, driver, monkeypatch):
    fine = lodged(client, transport)
    pending = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later").json
    rt.gateway().settle_later(pending["id"], state="captured")
    monkeypatch.setattr("wallet.payments.service.PaymentService.record", _broken)

    report = run_jobs(rt, pusher=LogPusher())

    assert report.payments_reconciled == 0
    assert len(report.deliveries) == 1  # the last job, after the payments, still ran


def _broken(self, payment_id, result):
    raise ValueError("the database went away")
