"""The token endpoint: a pre-authorized code and its transaction code for a credential endpoint token."""

from __future__ import annotations

import uuid

import pytest

from tests.wallet.issuance.conftest import (
    PRE_AUTHORIZED_GRANT,
    agency_with_issuer,
    jwt_payload,
    pre_authorized_code,
    redeem,
    seniors_offer,
)
from wallet.issuance.models import CredentialOffer


def _offer_row(rt, offer) -> CredentialOffer:
    with rt.db.session() as session:
        return (
            session.query(CredentialOffer)
            .filter_by(authorisation_id=uuid.UUID(offer["authorisation_id"]))
            .one()
        )


def _untouched(rt, offer, failed_attempts: int = 0) -> bool:
    row = _offer_row(rt, offer)
    return row.used_at is None and row.failed_attempts == failed_attempts


def _wrong(tx_code: str) -> str:
    return tx_code[:-1] + str((int(tx_code[-1]) + 1) % 10)


def _refused(response, status: int, error: str) -> None:
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert "access_token" not in response.json


def test_the_code_and_tx_code_buy_a_short_lived_token_for_this_issuer(client, rt, offer, issuer):
    response = redeem(client, offer)

    assert response.status_code == 200, response.json
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 300
    assert "no-store" in response.headers["Cache-Control"]
    claims = jwt_payload(response.json["access_token"])
    assert claims["aud"] == issuer
    assert claims["credential_configuration_ids"] == ["driver_licence", "proof_of_age"]
    assert claims["exp"] - claims["iat"] == 300
    assert _offer_row(rt, offer).used_at == rt.clock.now()


def test_the_code_is_single_use(client, offer):
    assert redeem(client, offer).status_code == 200

    _refused(redeem(client, offer), 400, "invalid_grant")


def test_a_wrong_tx_code_is_refused_and_counted(client, rt, offer):
    response = redeem(client, offer, changes={"tx_code": _wrong(offer["tx_code"])})

    _refused(response, 400, "invalid_grant")
    assert _untouched(rt, offer, failed_attempts=1)


def test_four_wrong_tx_codes_still_leave_the_offer_usable(client, offer):
    for _ in range(4):
        _refused(redeem(client, offer, changes={"tx_code": _wrong(offer["tx_code"])}), 400, "invalid_grant")

    assert redeem(client, offer).status_code == 200


def test_after_five_wrong_tx_codes_even_the_right_one_fails(client, rt, offer):
    for _ in range(5):
        redeem(client, offer, changes={"tx_code": _wrong(offer["tx_code"])})

    _refused(redeem(client, offer), 400, "invalid_grant")
    assert _untouched(rt, offer, failed_attempts=5)


def test_a_missing_tx_code_is_an_invalid_request(client, rt, offer):
    _refused(redeem(client, offer, changes={"tx_code": None}), 400, "invalid_request")
    _refused(redeem(client, offer, changes={"tx_code": ""}), 400, "invalid_request")

    assert _untouched(rt, offer)


def test_an_expired_code_is_refused(client, rt, clock, offer):
    clock.advance(minutes=16)

    _refused(redeem(client, offer), 400, "invalid_grant")
    assert _untouched(rt, offer)


def test_the_code_still_works_just_before_it_expires(client, clock, offer):
    clock.advance(minutes=14, seconds=59)

    assert redeem(client, offer).status_code == 200


def test_another_grant_type_is_an_invalid_request(client, rt, offer):
    _refused(redeem(client, offer, changes={"grant_type": "authorization_code"}), 400, "invalid_request")
    _refused(redeem(client, offer, changes={"grant_type": "client_credentials"}), 400, "invalid_request")

    assert _untouched(rt, offer)


@pytest.mark.parametrize("code", [None, "", "not-a-code-we-gave-out"])
def test_a_missing_or_unknown_code_is_refused(client, rt, offer, code):
    response = redeem(client, offer, changes={"pre-authorized_code": code})

    _refused(response, 400, "invalid_grant" if code else "invalid_request")
    assert _untouched(rt, offer)


def test_a_code_of_one_issuer_is_refused_at_another_issuers_token_endpoint(client, rt, offer):
    agency_with_issuer(rt, client, "seniors")

    _refused(redeem(client, offer, issuer_path="/issuers/seniors"), 400, "invalid_grant")
    assert _untouched(rt, offer)
    assert redeem(client, offer).status_code == 200


def test_a_seniors_code_is_refused_at_the_transport_token_endpoint(client, rt, offer):
    theirs = seniors_offer(client, agency_with_issuer(rt, client, "seniors"))

    _refused(redeem(client, theirs), 400, "invalid_grant")
    assert redeem(client, theirs, issuer_path="/issuers/seniors").status_code == 200


def test_a_json_body_is_refused_with_415(client, rt, offer):
    response = client.post(
        "/issuers/transport/token",
        json={
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": pre_authorized_code(offer),
            "tx_code": offer["tx_code"],
        },
    )

    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert _untouched(rt, offer)


def test_an_unknown_issuer_has_no_token_endpoint(client, rt, offer):
    response = redeem(client, offer, issuer_path="/issuers/nobody")

    assert response.status_code == 404
    assert response.json["code"] == "unknown_issuer"
    assert _untouched(rt, offer)


def test_unrecognised_parameters_are_ignored(client, offer):
    response = redeem(
        client,
        offer,
        changes={"client_id": "some-wallet", "authorization_details": "[]", "x-extension": "1"},
    )

    assert response.status_code == 200, response.json
