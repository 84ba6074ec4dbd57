"""Attacks on fines and payments, one named test each: each must fail and change nothing."""

from __future__ import annotations

from tests.factories import agency_client, agency_token, bearer
from tests.wallet.fines.conftest import lodged, pay
from tests.wallet.payments.conftest import send


def fine_state(client, driver, fine) -> str:
    return client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json["state"]


def test_another_accounts_idempotency_key_does_not_replay_their_payment(
    client, transport, driver, other_driver
):
    fine = lodged(client, transport)
    assert pay(client, driver, fine, "shared-key").status_code == 201

    # The attacker reuses the victim's key on the victim's fine: their own key space, and not their fine.
    replay = pay(client, other_driver, fine, "shared-key")

    assert (replay.status_code, replay.json["code"]) == (404, "not_found")
    assert "Idempotent-Replayed" not in replay.headers


def test_paying_less_than_is_owed_charges_nothing(client, transport, driver):
    fine = lodged(client, transport)

    response = pay(client, driver, fine, "key-1", amount_cents=1)

    assert (response.status_code, response.json["code"]) == (409, "amount_changed")
    assert fine_state(client, driver, fine) == "issued"


def test_a_negative_or_non_integer_amount_is_refused(client, transport, driver):
    fine = lodged(client, transport)

    for amount in (-41_000, 0, 410.5, "41000"):
        response = pay(client, driver, fine, f"key-{amount}", amount_cents=amount)
        assert response.status_code == 422, amount
    assert fine_state(client, driver, fine) == "issued"


def test_a_forged_webhook_cannot_mark_a_pending_payment_captured(client, rt, transport, driver):
    fine = lodged(client, transport)
    payment = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later").json

    forged = {"reference": payment["id"], "state": "captured"}
    response = send(client, rt, forged, secret="guessed-secret-" + "x" * 32)

    assert response.status_code == 401
    assert fine_state(client, driver, fine) == "issued"


def test_a_genuine_webhook_for_a_charge_never_made_changes_nothing(client, rt, transport, driver):
    fine = lodged(client, transport)
    payment = pay(client, driver, fine, "key-1", card_token="tok_sandbox_later").json

    # Signed with the real secret, but the processor said nothing: the gateway's own word decides.
    response = send(client, rt, {"reference": payment["id"], "state": "captured"})

    assert response.status_code == 404
    assert fine_state(client, driver, fine) == "issued"


def test_another_agency_cannot_decide_or_withdraw_a_fine(client, rt, transport, driver):
    fine = lodged(client, transport)
    client.post(
        f"/v1/fines/{fine['id']}/review", json={"category": "other", "text": "x"}, headers=driver.auth
    )
    rival = agency_token(client, agency_client(rt, "revenue", ("fines:write",)))

    decided = client.post(
        f"/v1/agency/fines/{fine['id']}/review-decision",
        json={"decision": "withdraw", "explanation": "x"},
        headers=bearer(rival),
    )
    withdrawn = client.post(
        f"/v1/agency/fines/{fine['id']}/withdrawal", json={"explanation": "x"}, headers=bearer(rival)
    )

    assert (decided.status_code, withdrawn.status_code) == (404, 404)
    assert fine_state(client, driver, fine) == "under_review"


def test_a_citizen_token_cannot_lodge_a_fine(client, transport, driver):
    response = client.post("/v1/agency/fines", json={}, headers=driver.auth)

    assert response.status_code == 401
