"""The credential endpoint's refusals of the caller and the request. Each refusal writes nothing.

Key proofs and nonces have their own file, test_key_proofs.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.factories import bearer
from tests.wallet.issuance.conftest import (
    agency_with_issuer,
    count,
    new_nonce,
    nonce_used,
    redeem,
    refused,
    request_credential,
    seniors_offer,
)
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential


def test_the_nonce_endpoint_gives_fresh_uncacheable_nonces(client, transport_agency):
    first, second = client.post("/issuers/transport/nonce"), client.post("/issuers/transport/nonce")

    assert first.json["c_nonce"] != second.json["c_nonce"]
    assert "no-store" in first.headers["Cache-Control"]
    assert client.post("/issuers/nobody/nonce").status_code == 404


# --- The access token ------------------------------------------------------------------------------------


def test_a_request_without_a_token_is_an_invalid_token(client, rt, offer, forge, nonce):
    response = request_credential(client, None, "driver_licence", [forge()])

    refused(rt, response, "invalid_token", status=401, nonce=nonce)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("token", ["garbage", "eyJhbGciOiJub25lIn0.e30."], ids=["garbage", "alg-none"])
def test_a_garbage_token_is_an_invalid_token(client, rt, offer, forge, nonce, token):
    response = request_credential(client, token, "driver_licence", [forge()])

    refused(rt, response, "invalid_token", status=401, nonce=nonce)
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_an_expired_token_is_an_invalid_token(client, rt, clock, token, issuer):
    clock.advance(minutes=6)
    nonce = new_nonce(client)
    proof = DeviceKey().proof(issuer=issuer, nonce=nonce, now=int(clock.now().timestamp()))

    refused(
        rt,
        request_credential(client, token, "driver_licence", [proof]),
        "invalid_token",
        status=401,
        nonce=nonce,
    )


def test_a_token_of_another_issuer_is_an_invalid_token(client, rt, offer, forge, nonce):
    theirs = seniors_offer(client, agency_with_issuer(rt, client, "seniors"))
    seniors_token = redeem(client, theirs, issuer_path="/issuers/seniors").json["access_token"]

    response = request_credential(client, seniors_token, "driver_licence", [forge()])

    refused(rt, response, "invalid_token", status=401, nonce=nonce)


@pytest.mark.parametrize("authorisation", ["seniors", "unknown", "not-a-uuid"])
def test_a_token_naming_an_authorisation_not_of_this_issuer_is_an_invalid_token(
    client, rt, offer, forge, nonce, issuer, authorisation
):
    """Defence in depth: even a token we signed, for this issuer, only reaches this issuer's records."""
    if authorisation == "seniors":
        theirs = seniors_offer(client, agency_with_issuer(rt, client, "seniors"))
        authorisation = theirs["authorisation_id"]
    elif authorisation == "unknown":
        authorisation = str(uuid.uuid4())
    token = rt.tokens.mint(
        subject=authorisation,
        audience=issuer,
        ttl=300,
        authorisation=authorisation,
        credential_configuration_ids=["driver_licence", "proof_of_age"],
    )

    refused(rt, request_credential(client, token, "driver_licence", [forge()]), "invalid_token", status=401)
    assert not nonce_used(rt, nonce)


# --- The request -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("configuration_id", ["unknown", "seniors_card"])
def test_a_configuration_this_issuer_does_not_issue_is_unknown(
    client, rt, token, forge, nonce, configuration_id
):
    response = request_credential(client, token, configuration_id, [forge()])

    refused(rt, response, "unknown_credential_configuration", nonce=nonce)


def test_a_configuration_the_token_does_not_cover_is_denied(client, rt, token, forge, nonce):
    refused(
        rt,
        request_credential(client, token, "photo_card", [forge()]),
        "credential_request_denied",
        nonce=nonce,
    )


def test_a_credential_identifier_is_an_invalid_credential_request(client, rt, token, forge, nonce):
    response = request_credential(
        client, token, "driver_licence", [forge()], credential_identifier="licence-1"
    )

    refused(rt, response, "invalid_credential_request", nonce=nonce)


@pytest.mark.parametrize("proofs", [None, []], ids=["no-proofs", "empty-list"])
def test_a_request_without_proofs_is_an_invalid_proof(client, rt, token, proofs):
    refused(rt, request_credential(client, token, "driver_licence", proofs), "invalid_proof")


def test_more_proofs_than_the_batch_size_are_an_invalid_credential_request(
    client, rt, token, issuer, nonce, now
):
    proofs = [DeviceKey().proof(issuer=issuer, nonce=nonce, now=now) for _ in range(11)]

    refused(
        rt,
        request_credential(client, token, "driver_licence", proofs),
        "invalid_credential_request",
        nonce=nonce,
    )


def test_a_body_that_is_not_json_is_a_bad_request(client, rt, token):
    response = client.post(
        "/issuers/transport/credential",
        data="{not json",
        content_type="application/json",
        headers=bearer(token),
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "malformed_json"
    assert count(rt, IssuedCredential) == 0


def test_unrecognised_members_are_ignored(client, token, forge):
    response = request_credential(
        client, token, "driver_licence", [forge()], wallet_hint="x", x_extension={"a": 1}
    )

    assert response.status_code == 200, response.json


# --- Whose credential ------------------------------------------------------------------------------------


def test_a_proof_of_age_needs_a_licence_for_the_same_key_first(client, rt, token, forge, nonce):
    refused(
        rt,
        request_credential(client, token, "proof_of_age", [forge()]),
        "credential_request_denied",
        nonce=nonce,
    )


def test_a_proof_of_age_batch_with_one_unlicensed_key_issues_nothing(client, rt, token, issuer, now):
    licensed = DeviceKey()
    first = new_nonce(client)
    assert (
        request_credential(
            client, token, "driver_licence", [licensed.proof(issuer=issuer, nonce=first, now=now)]
        ).status_code
        == 200
    )
    nonce = new_nonce(client)
    proofs = [
        licensed.proof(issuer=issuer, nonce=nonce, now=now),
        DeviceKey().proof(issuer=issuer, nonce=nonce, now=now),
    ]

    response = request_credential(client, token, "proof_of_age", proofs)

    assert response.status_code == 400
    assert response.json["error"] == "credential_request_denied"
    assert count(rt, IssuedCredential, IssuedCredential.credential_type == "proof_of_age") == 0
    assert not nonce_used(rt, nonce)


@pytest.mark.parametrize("left", [timedelta(0), timedelta(milliseconds=500)])
def test_a_proof_of_age_is_never_issued_already_expired(client, rt, clock, token, issuer, now, left):
    # A companion expires with its licence, and was issued beside one with under a second left: signed
    # with exp == iat (an expired credential, holding a status index) instead of being refused.
    device = DeviceKey()
    first = new_nonce(client)
    licence = request_credential(
        client, token, "driver_licence", [device.proof(issuer=issuer, nonce=first, now=now)]
    )
    assert licence.status_code == 200, licence.json
    with rt.db.session() as session:
        session.execute(update(IssuedCredential).values(expires_at=clock.now() + left))  # the licence
        session.commit()
    nonce = new_nonce(client)

    response = request_credential(
        client, token, "proof_of_age", [device.proof(issuer=issuer, nonce=nonce, now=now)]
    )

    assert response.status_code == 400, response.json
    assert response.json["error"] == "credential_request_denied"
    assert count(rt, IssuedCredential, IssuedCredential.credential_type == "proof_of_age") == 0
    assert not nonce_used(rt, nonce)


def test_a_withdrawn_authorisation_is_denied(client, rt, token, offer, forge, nonce):
    with rt.db.session() as session:
        session.get_one(CredentialAuthorisation, uuid.UUID(offer["authorisation_id"])).state = "withdrawn"
        session.commit()

    refused(
        rt,
        request_credential(client, token, "driver_licence", [forge()]),
        "credential_request_denied",
        nonce=nonce,
    )


def test_a_card_past_its_expiry_date_is_denied_a_new_credential(client, rt, token, offer, forge, nonce):
    with rt.db.session() as session:  # the card expired yesterday in Sydney (the clock: 22 Nov, 20:00 there)
        authorisation = session.get_one(CredentialAuthorisation, uuid.UUID(offer["authorisation_id"]))
        authorisation.claims = {**authorisation.claims, "expiry_date": "2026-11-21"}
        session.commit()

    response = request_credential(client, token, "driver_licence", [forge()])

    assert (response.status_code, response.json["error"]) == (400, "credential_request_denied")
    assert "expired on 2026-11-21" in response.json["detail"]
    assert count(rt, IssuedCredential) == 0
