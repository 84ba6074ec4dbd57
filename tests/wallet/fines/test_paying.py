"""Paying a fine: Idempotency-Key rules, the sandbox gateway's outcomes, receipts, what paying changes."""

from __future__ import annotations

import re

import jwt
import pytest
from sqlalchemy import func, select

from tests.wallet.fines.conftest import lodged, pay
from wallet.jobs import run_jobs
from wallet.payments.models import SandboxCharge


class NoPush:
    def send(self, *args, **kwargs):  # pragma: no cover - no device has a push token here
        raise AssertionError("no push expected")


def charges(rt) -> int:
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(SandboxCharge))


def test_paying_captures_once_and_the_fine_is_paid(client, rt, transport, driver):
    fine = lodged(client, transport)
    response = pay(client, driver, fine, "key-1")

    assert (response.status_code, response.json["state"], response.json["amount_cents"]) == (
        201,
        "captured",
        41_000,
    )
    shown = client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json
    assert (shown["state"], shown["owed_cents"], shown["actions"]) == ("paid", 0, [])
    assert charges(rt) == 1


def test_a_retry_with_the_same_key_gets_the_first_response_and_no_second_charge(
    client, rt, transport, driver
):
    fine = lodged(client, transport)
    first = pay(client, driver, fine, "key-1")
    again = pay(client, driver, fine, "key-1")

    assert (again.status_code, again.json) == (first.status_code, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert charges(rt) == 1


def test_the_same_key_with_another_body_is_422(client, transport, driver):
    fine = lodged(client, transport)
    pay(client, driver, fine, "key-1")
    response = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later")

    assert (response.status_code, response.json["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize("header", [None, "key-without-quotes", '""', '"' + "k" * 256 + '"', '"caf\u00e9"'])
def test_a_missing_or_malformed_key_is_400_and_charges_nothing(client, rt, transport, driver, header):
    fine = lodged(client, transport)
    headers = driver.auth if header is None else {**driver.auth, "Idempotency-Key": header}
    response = client.post(
        f"/v1/fines/{fine['id']}/payments",
        json={"amount_cents": 41_000, "card_token": "tok_sandbox_visa"},
        headers=headers,
    )

    assert (response.status_code, response.json["code"]) == (400, "idempotency_key_missing")
    assert "describedby" in response.headers["Link"]
    assert charges(rt) == 0


def test_a_declined_card_is_402_and_another_card_can_pay(client, rt, transport, driver):
    fine = lodged(client, transport)
    declined = pay(client, driver, fine, "key-1", card_token="tok_sandbox_declined")
    paid = pay(client, driver, fine, "key-2")

    assert (declined.status_code, declined.json["code"]) == (402, "payment_declined")
    assert paid.status_code == 201
    states = [p["state"] for p in client.get("/v1/payments", headers=driver.auth).json]
    assert sorted(states) == ["captured", "failed"]


def test_a_changed_amount_charges_nothing(client, rt, transport, driver):
    fine = lodged(client, transport)
    response = pay(client, driver, fine, "key-1", amount_cents=40_000)

    assert (response.status_code, response.json["code"], response.json["owed_cents"]) == (
        409,
        "amount_changed",
        41_000,
    )
    assert charges(rt) == 0


def test_a_paid_fine_cannot_be_paid_again_under_a_new_key(client, rt, transport, driver):
    fine = lodged(client, transport)
    pay(client, driver, fine, "key-1")
    response = pay(client, driver, fine, "key-2")

    assert (response.status_code, response.json["code"]) == (409, "fine_action_not_allowed")
    assert charges(rt) == 1


def test_a_gateway_timeout_is_202_and_the_job_finds_the_capture(client, rt, transport, driver):
    fine = lodged(client, transport)
    response = pay(client, driver, fine, "key-1", card_token="tok_sandbox_timeout")

    assert (response.status_code, response.json["state"]) == (202, "pending")
    report = run_jobs(rt, pusher=NoPush())
    assert report.payments_reconciled == 1
    assert client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json["state"] == "paid"
    assert charges(rt) == 1


def test_the_receipt_is_signed_by_the_agency_paid(client, transport, driver):
    fine = lodged(client, transport)
    payment = pay(client, driver, fine, "key-1").json
    receipt = client.get(f"/v1/payments/{payment['id']}/receipt", headers=driver.auth).json

    jwks = client.get("/issuers/transport/.well-known/jwks.json").json
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(receipt["receipt_jwt"], key, algorithms=["ES256"], options={"verify_aud": False})
    assert claims["receipt"]["number"] == receipt["receipt_number"] == payment["receipt_number"]
    assert claims["receipt"]["amount_cents"] == 41_000
    assert jwt.get_unverified_header(receipt["receipt_jwt"])["typ"] == "receipt+jwt"


def test_receipt_numbers_are_drawn_on_their_own_not_from_the_payment_ids(client, transport, driver):
    fines = [lodged(client, transport, notice_number=f"40123456{n}0") for n in range(3)]
    numbers = [pay(client, driver, fine, f"key-{n}").json["receipt_number"] for n, fine in enumerate(fines)]

    assert all(re.fullmatch(r"R(-[A-Z2-7]{4}){4}", number) for number in numbers)
    # Payment ids made moments apart share their leading time bits, and numbers cut from them shared
    # their first groups; two random groups of 40 bits agree by chance about once in a trillion times.
    assert len({number[:11] for number in numbers}) == 3


def test_paying_records_the_demerit_points(client, transport, driver):
    fine = lodged(client, transport)
    pay(client, driver, fine, "key-1")

    demerits = client.get("/v1/demerits", headers=driver.auth).json
    assert (demerits["balance"], demerits["threshold"], demerits["licence_category"]) == (
        3,
        13,
        "unrestricted",
    )
    assert [(e["points"], e["offence_date"], e["counts_until"]) for e in demerits["history"]] == [
        (3, "2026-11-10", "2029-11-09")
    ]
