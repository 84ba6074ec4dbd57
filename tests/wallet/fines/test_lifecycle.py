"""The statutory sequence with a fixed clock: reminder, overdue fee, enforcement and its suspension; reviews
hold the clock; nominations move the fine; every route checks whose fine it is."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, update

from tests.factories import agency_token, bearer
from tests.samples import LICENCE
from tests.wallet.fines.conftest import lodged, make_driver, pay, travel
from wallet.demerits.models import Sanction
from wallet.fines.models import Fine
from wallet.issuance.models import CredentialAuthorisation
from wallet.jobs import run_jobs
from wallet.payments.models import Payment


class NoPush:
    def send(self, *args, **kwargs):  # pragma: no cover
        raise AssertionError("no push expected")


def shown(client, driver, fine):
    return client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json


def licence_state(rt, person_id) -> str:
    with rt.db.session() as session:
        return session.scalars(
            select(CredentialAuthorisation.state).where(
                CredentialAuthorisation.person_id == uuid.UUID(person_id)
            )
        ).one()


def test_nothing_moves_on_the_due_date_and_the_reminder_comes_the_day_after(
    client, rt, clock, transport, driver
):
    fine = lodged(client, transport)
    travel(client, clock, "2026-12-13", driver)
    run_jobs(rt, pusher=NoPush())
    assert shown(client, driver, fine)["state"] == "issued"

    travel(client, clock, "2026-12-14", driver)
    report = run_jobs(rt, pusher=NoPush())

    now = shown(client, driver, fine)
    assert (report.fines_moved, now["state"], now["pay_by"], now["owed_cents"]) == (
        1,
        "reminder",
        "2027-01-11",
        41_000,
    )
    assert run_jobs(rt, pusher=NoPush()).fines_moved == 0  # idempotent: the step is taken once


def test_an_overdue_fine_gets_the_65_dollar_fee_then_enforcement_suspends_the_licence(
    client, rt, clock, transport, driver
):
    fine = lodged(client, transport)
    for day in ("2026-12-14", "2027-01-12"):
        travel(client, clock, day, driver)
        run_jobs(rt, pusher=NoPush())
    overdue = shown(client, driver, fine)
    assert (overdue["state"], overdue["owed_cents"], overdue["pay_by"]) == ("overdue", 47_500, "2027-02-09")
    assert [fee["amount_cents"] for fee in overdue["fees"]] == [6_500]

    travel(client, clock, "2027-02-10", driver)
    report = run_jobs(rt, pusher=NoPush())

    enforced = shown(client, driver, fine)
    assert (enforced["state"], enforced["owed_cents"], enforced["pay_by"]) == ("enforcement", 51_500, None)
    assert report.sanctions_started == 0  # imposed and started in the same step
    assert licence_state(rt, driver.person_id) == "suspended"
    assert [a["name"] for a in enforced["actions"]] == ["pay", "payment_plan"]

    pay(client, driver, enforced, "key-1")
    assert licence_state(rt, driver.person_id) == "active"
    with rt.db.session() as session:
        assert session.scalars(select(Sanction.state)).all() == ["lifted"]


def test_someone_under_18_pays_the_25_dollar_overdue_fee(client, rt, clock, transport):
    young = {**LICENCE, "birthdate": "2009-06-01", "licence_type": "P1", "licence_number": "20090601"}
    driver = make_driver(client, transport, "young@example.org", young)
    fine = lodged(client, transport, licence_number="20090601")
    for day in ("2026-12-14", "2027-01-12"):
        travel(client, clock, day, driver)
        run_jobs(rt, pusher=NoPush())

    assert shown(client, driver, fine)["fees"][0]["amount_cents"] == 2_500


def test_a_review_holds_the_clock_and_upholding_adds_the_days_on_hold(
    client, rt, clock, transport, transport_client, driver
):
    fine = lodged(client, transport)
    travel(client, clock, "2026-12-01", driver)
    asked = client.post(
        f"/v1/fines/{fine['id']}/review",
        json={"category": "signage_unclear", "text": "The sign was covered by a tree."},
        headers=driver.auth,
    )
    assert (asked.status_code, asked.json["state"], asked.json["actions"]) == (200, "under_review", [])

    travel(client, clock, "2026-12-31", driver)  # past the due date: on hold, nothing moves
    assert run_jobs(rt, pusher=NoPush()).fines_moved == 0
    decided = client.post(
        f"/v1/agency/fines/{fine['id']}/review-decision",
        json={"decision": "uphold", "explanation": "The sign was visible from 200 metres."},
        headers=bearer(agency_token(client, transport_client)),
    )

    assert (decided.status_code, decided.json["state"]) == (200, "issued")
    assert decided.json["pay_by"] == "2027-01-12"  # 13 Dec + the 30 days on hold
    assert shown(client, driver, fine)["review"]["explanation"] == "The sign was visible from 200 metres."
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 3  # upheld: points recorded


def test_a_withdrawn_review_ends_the_fine_with_nothing_owed(client, transport, driver):
    fine = lodged(client, transport)
    client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "emergency", "text": "x"}, headers=driver.auth
    )
    decided = client.post(
        f"/v1/agency/fines/{fine['id']}/review-decision",
        json={"decision": "withdraw", "explanation": "Ambulance escort confirmed."},
        headers=bearer(transport),
    )

    assert (decided.json["state"], decided.json["owed_cents"], decided.json["actions"]) == (
        "withdrawn",
        0,
        [],
    )
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 0


def test_a_review_cannot_be_asked_after_its_window(client, clock, transport, driver):
    fine = lodged(client, transport)
    travel(client, clock, "2027-01-22", driver)  # notice 22 Nov + 60 days = 21 Jan
    response = client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "other", "text": "late"}, headers=driver.auth
    )

    assert (response.status_code, response.json["code"]) == (409, "fine_action_not_allowed")


def test_nominating_moves_the_fine_and_its_points_to_the_other_driver(
    client, transport, driver, other_driver
):
    fine = lodged(client, transport)
    response = client.post(
        f"/v1/fines/{fine['id']}/nomination",
        json={"licence_number": "87654321", "statutory_declaration": True},
        headers=driver.auth,
    )

    assert (response.status_code, response.json["state"], response.json["owed_cents"]) == (
        200,
        "nominated",
        0,
    )
    theirs = client.get("/v1/fines", headers=other_driver.auth).json
    assert [(f["notice_number"], f["points"], f["state"], f["pay_by"]) for f in theirs] == [
        ("4012345678-N", 3, "issued", "2026-12-13")
    ]


def test_nomination_is_refused_without_the_declaration_for_officer_offences_and_after_the_deadline(
    client, clock, transport, driver, other_driver
):
    camera = lodged(client, transport)
    officer = lodged(client, transport, notice_number="4000000002", detection="officer")
    nominate = {"licence_number": "87654321", "statutory_declaration": True}

    undeclared = client.post(
        f"/v1/fines/{camera['id']}/nomination",
        json={**nominate, "statutory_declaration": False},
        headers=driver.auth,
    )
    stopped = client.post(f"/v1/fines/{officer['id']}/nomination", json=nominate, headers=driver.auth)
    travel(client, clock, "2027-02-21", driver)  # 22 Nov + 90 days = 20 Feb
    late = client.post(f"/v1/fines/{camera['id']}/nomination", json=nominate, headers=driver.auth)

    assert (undeclared.status_code, undeclared.json["code"]) == (422, "statutory_declaration_required")
    assert (stopped.status_code, stopped.json["code"]) == (422, "fine_not_nominable")
    assert (late.status_code, late.json["code"]) == (409, "fine_action_not_allowed")


def test_another_account_gets_404_on_every_fine_route(client, transport, driver, other_driver):
    fine = lodged(client, transport)
    base = f"/v1/fines/{fine['id']}"
    attempts = [
        client.get(base, headers=other_driver.auth),
        client.post(f"{base}/review", json={"category": "other", "text": "x"}, headers=other_driver.auth),
        client.post(
            f"{base}/nomination",
            json={"licence_number": "12345678", "statutory_declaration": True},
            headers=other_driver.auth,
        ),
        pay(client, other_driver, fine, "their-key"),
    ]

    assert [(r.status_code, r.json["code"]) for r in attempts] == [(404, "not_found")] * 4
    assert client.get("/v1/fines", headers=other_driver.auth).json == []
    payment = pay(client, driver, fine, "key-1").json
    for path in (f"/v1/payments/{payment['id']}", f"/v1/payments/{payment['id']}/receipt"):
        assert client.get(path, headers=other_driver.auth).status_code == 404


def test_withdrawing_a_paid_fine_refunds_it_and_its_points_no_longer_count(client, rt, transport, driver):
    fine = lodged(client, transport)
    payment = pay(client, driver, fine, "key-1").json
    withdrawn = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal",
        json={"explanation": "The camera was not calibrated."},
        headers=bearer(transport),
    )

    assert (withdrawn.status_code, withdrawn.json["state"]) == (200, "withdrawn")
    refunded = client.get(f"/v1/payments/{payment['id']}", headers=driver.auth).json
    assert (refunded["state"], refunded["refunded_cents"]) == ("refunded", 41_000)
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 0
    again = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal", json={"explanation": "again"}, headers=bearer(transport)
    )
    assert (again.status_code, again.json["code"]) == (409, "fine_action_not_allowed")
    assert again.json["detail"] == "A fine that is withdrawn cannot be withdrawn."


def enforced_fine(client, rt, clock, transport, driver):
    fine = lodged(client, transport)
    for day in ("2026-12-14", "2027-01-12", "2027-02-10"):
        travel(client, clock, day, driver)
        run_jobs(rt, pusher=NoPush())
    return shown(client, driver, fine)


def test_an_approved_plan_lifts_the_suspension_and_the_last_instalment_pays_the_fine(
    client, rt, clock, transport, driver
):
    fine = enforced_fine(client, rt, clock, transport, driver)
    assert licence_state(rt, driver.person_id) == "suspended"

    planned = client.post(
        f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 3}, headers=driver.auth
    )

    assert (planned.status_code, planned.json["state"]) == (200, "payment_plan")
    assert [i["amount_cents"] for i in planned.json["plan"]["instalments"]] == [17_167, 17_167, 17_166]
    assert [i["due"] for i in planned.json["plan"]["instalments"]] == [
        "2027-02-24",
        "2027-03-24",
        "2027-04-24",
    ]
    assert licence_state(rt, driver.person_id) == "active"
    for number, amount in enumerate((17_167, 17_167, 17_166), start=1):
        paid = pay(client, driver, planned.json, f"instalment-{number}", amount_cents=amount)
        assert paid.status_code == 201, paid.json
        assert paid.json["purpose"] == "fine_instalment"
    assert shown(client, driver, fine)["state"] == "paid"
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 3


def test_a_plan_the_rules_do_not_allow_is_refused(client, rt, clock, transport, driver):
    fine = enforced_fine(client, rt, clock, transport, driver)

    too_many = client.post(
        f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 30}, headers=driver.auth
    )

    assert (too_many.status_code, too_many.json["code"]) == (422, "payment_plan_refused")
    assert shown(client, driver, fine)["state"] == "enforcement"


def test_a_plan_is_not_offered_before_the_fine_is_overdue(client, transport, driver):
    fine = lodged(client, transport)

    response = client.post(
        f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 2}, headers=driver.auth
    )

    assert (response.status_code, response.json["code"]) == (409, "fine_action_not_allowed")


def test_a_missed_instalment_ends_the_plan_and_enforcement_resumes_for_what_is_left(
    client, rt, clock, transport, driver
):
    fine = enforced_fine(client, rt, clock, transport, driver)
    planned = client.post(
        f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 2}, headers=driver.auth
    )
    pay(client, driver, planned.json, "instalment-1", amount_cents=25_750)

    travel(client, clock, "2027-03-25", driver)  # the second instalment was due on 24 March
    run_jobs(rt, pusher=NoPush())

    after = shown(client, driver, fine)
    assert (after["state"], after["owed_cents"]) == ("enforcement", 25_750)  # no second enforcement fee
    assert licence_state(rt, driver.person_id) == "suspended"


def captured_cents(rt) -> int:
    with rt.db.session() as session:
        return session.scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(Payment.state == "captured")
        )


def test_a_second_plan_does_not_charge_again_for_the_instalments_paid_under_the_first(
    client, rt, clock, transport, driver
):
    fine = enforced_fine(client, rt, clock, transport, driver)  # 410 + 65 + 40 dollars owed
    first = client.post(f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 2}, headers=driver.auth)
    pay(client, driver, first.json, "instalment-1", amount_cents=25_750)
    travel(client, clock, "2027-03-25", driver)  # the second instalment missed: enforcement again
    run_jobs(rt, pusher=NoPush())

    second = client.post(f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 2}, headers=driver.auth)
    assert [i["amount_cents"] for i in second.json["plan"]["instalments"]] == [12_875, 12_875]
    assert second.json["owed_cents"] == 25_750
    pay(client, driver, second.json, "instalment-2-1", amount_cents=12_875)
    travel(client, clock, "2027-05-10", driver)  # and that plan missed too
    run_jobs(rt, pusher=NoPush())

    rest = shown(client, driver, fine)
    assert (rest["state"], rest["owed_cents"]) == ("enforcement", 12_875)
    assert pay(client, driver, rest, "in-full").status_code == 201
    assert shown(client, driver, fine)["state"] == "paid"
    assert captured_cents(rt) == 51_500  # the penalty and its fees, exactly once


def test_an_instalment_captured_after_the_fine_was_withdrawn_is_refunded(
    client, rt, clock, transport, transport_client, driver
):
    fine = enforced_fine(client, rt, clock, transport, driver)
    planned = client.post(
        f"/v1/fines/{fine['id']}/payment-plan", json={"instalments": 2}, headers=driver.auth
    )
    pending = pay(client, driver, planned.json, "i-1", amount_cents=25_750, card_token="tok_sandbox_later")
    withdrawn = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal",
        json={"explanation": "Camera fault."},
        headers=bearer(agency_token(client, transport_client)),  # months later: a new token
    )
    assert (pending.json["state"], withdrawn.json["state"]) == ("pending", "withdrawn")

    rt.gateway().settle_later(pending.json["id"], state="captured")  # the processor takes it after all
    run_jobs(rt, pusher=NoPush())

    payment = client.get(f"/v1/payments/{pending.json['id']}", headers=driver.auth).json
    assert (payment["state"], payment["refunded_cents"]) == ("refunded", 25_750)
    assert shown(client, driver, fine)["plan"]["paid"] == 0


def upheld(client, transport, driver, fine):
    client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "other", "text": "x"}, headers=driver.auth
    )
    decided = client.post(
        f"/v1/agency/fines/{fine['id']}/review-decision",
        json={"decision": "uphold", "explanation": "The photo is clear."},
        headers=bearer(transport),
    )
    assert (decided.status_code, decided.json["state"]) == (200, "issued")
    return decided.json


def test_nominating_an_upheld_fine_takes_its_points_off_the_first_driver(
    client, transport, driver, other_driver
):
    fine = upheld(client, transport, driver, lodged(client, transport))
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 3

    nominated = client.post(
        f"/v1/fines/{fine['id']}/nomination",
        json={"licence_number": "87654321", "statutory_declaration": True},
        headers=driver.auth,
    )
    theirs = client.get("/v1/fines", headers=other_driver.auth).json[0]
    pay(client, other_driver, theirs, "key-1")

    assert (nominated.status_code, nominated.json["state"]) == (200, "nominated")
    assert client.get("/v1/demerits", headers=driver.auth).json["balance"] == 0
    assert client.get("/v1/demerits", headers=other_driver.auth).json["balance"] == 3


def test_a_second_review_after_a_decision_is_refused_and_the_deadline_stays(client, clock, transport, driver):
    fine = upheld(client, transport, driver, lodged(client, transport))
    assert "request_review" not in [a["name"] for a in fine["actions"]]

    travel(client, clock, "2026-11-27", driver)  # still inside the review window
    again = client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "medical", "text": "y"}, headers=driver.auth
    )

    assert (again.status_code, again.json["code"]) == (409, "review_already_decided")
    after = shown(client, driver, fine)
    assert (after["state"], after["pay_by"], after["review"]["decision"]) == (
        "issued",
        fine["pay_by"],
        "uphold",
    )


def test_upholding_a_review_of_a_fine_due_on_the_last_day_of_the_calendar_is_not_a_500(
    client, rt, clock, transport, transport_client, driver
):
    fine = lodged(client, transport)
    with rt.db.session() as session, session.begin():  # lodged before lodging bounded the due date
        session.execute(
            update(Fine).where(Fine.id == uuid.UUID(fine["id"])).values(due_date=date.max, deadline=date.max)
        )
    client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "other", "text": "x"}, headers=driver.auth
    )
    travel(client, clock, "2026-11-30", driver)  # days on hold, to add to a deadline with no room left

    decided = client.post(
        f"/v1/agency/fines/{fine['id']}/review-decision",
        json={"decision": "uphold", "explanation": "The photo is clear."},
        headers=bearer(agency_token(client, transport_client)),
    )

    assert (decided.status_code, decided.json["state"], decided.json["pay_by"]) == (
        200,
        "issued",
        "9999-12-31",
    )
