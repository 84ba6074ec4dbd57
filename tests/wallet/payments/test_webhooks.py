"""A charge the processor confirms later: a signed webhook records it, once, and nothing unsigned does."""

from __future__ import annotations

import pytest

from tests.wallet.fines.conftest import lodged, pay
from tests.wallet.payments.conftest import send
from wallet.config import ConfigError, load_settings


@pytest.fixture
def pending(client, transport, driver):
    fine = lodged(client, transport)
    payment = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later")
    assert (payment.status_code, payment.json["state"]) == (202, "pending")
    return fine, payment.json


def test_a_signed_webhook_records_the_late_capture_and_the_fine_is_paid(client, rt, driver, pending):
    fine, payment = pending
    rt.gateway().settle_later(payment["id"], state="captured")

    first = send(client, rt, {"reference": payment["id"], "state": "captured"})
    again = send(client, rt, {"reference": payment["id"], "state": "captured"})

    assert (first.status_code, again.status_code) == (204, 204)
    assert client.get(f"/v1/payments/{payment['id']}", headers=driver.auth).json["state"] == "captured"
    assert client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json["state"] == "paid"
    kinds = [n["kind"] for n in client.get("/v1/notifications", headers=driver.auth).json["notifications"]]
    assert kinds.count("fine_paid") == 1


def test_a_late_decline_frees_the_fine_for_another_card(client, rt, driver, pending):
    fine, payment = pending
    rt.gateway().settle_later(payment["id"], state="declined")

    assert send(client, rt, {"reference": payment["id"], "state": "declined"}).status_code == 204
    assert client.get(f"/v1/payments/{payment['id']}", headers=driver.auth).json["state"] == "failed"
    assert pay(client, driver, fine, "key-2").status_code == 201


@pytest.mark.parametrize(
    ("secret", "skew"), [("x" * 43, 0), (None, -301), (None, 301)], ids=["wrong-secret", "stale", "future"]
)
def test_an_unsigned_stale_or_forged_webhook_is_refused(client, rt, driver, pending, secret, skew):
    _fine, payment = pending
    rt.gateway().settle_later(payment["id"], state="captured")

    response = send(client, rt, {"reference": payment["id"], "state": "captured"}, secret=secret, skew=skew)

    assert (response.status_code, response.json["code"]) == (401, "webhook_signature_invalid")
    assert client.get(f"/v1/payments/{payment['id']}", headers=driver.auth).json["state"] == "pending"


def test_a_signed_webhook_the_gateway_does_not_confirm_changes_nothing(client, rt, driver, pending):
    fine, payment = pending  # the processor has said nothing yet

    response = send(client, rt, {"reference": payment["id"], "state": "captured"})

    assert response.status_code == 404
    assert client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json["state"] == "issued"


def test_production_refuses_the_sandbox_gateway():
    with pytest.raises(ConfigError, match="sandbox takes no real money"):
        load_settings(
            {
                "ENV": "production",
                "KEY_PASSPHRASE": "p" * 20,
                "PUBLIC_URL": "https://wallet.example.gov",
                "PAYMENT_GATEWAY": "sandbox",
                "PAYMENT_WEBHOOK_SECRET": "s" * 40,
            },
            environ={},
        )


def test_without_a_gateway_paying_is_503_and_charges_nothing(client, rt, transport, driver, monkeypatch):
    fine = lodged(client, transport)
    monkeypatch.setattr(type(rt), "gateway", lambda self: None)

    response = pay(client, driver, fine, "key-1")

    assert (response.status_code, response.json["code"]) == (503, "payments_unavailable")
    assert client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json["state"] == "issued"
