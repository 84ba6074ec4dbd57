"""A new authorisation of a type the person already holds replaces it, as a replacement card cancels the
old one; one that would lift a suspension is refused and writes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.factories import bearer
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import (
    accept,
    agency_with_issuer,
    count,
    issued_records,
    redeem,
    status_of,
)
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import DeviceKey, IssuanceFailed, parse_offer
from wallet.issuance.models import CredentialAuthorisation, CredentialOffer

RENEWED = {**LICENCE, "card_number": "9876543210", "expiry_date": "2031-06-30"}


def _authorise(client, token, person_id, claims=RENEWED):
    return client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={"credential_type": "driver_licence", "claims": claims},
        headers=bearer(token),
    )


def _authorisation_states(rt, person_id):
    with rt.db.session() as session:
        query = select(CredentialAuthorisation.state).where(
            CredentialAuthorisation.person_id == uuid.UUID(person_id)
        )
        return sorted(session.scalars(query))


def _offers(rt, person_id):
    mine = select(CredentialAuthorisation.id).where(CredentialAuthorisation.person_id == uuid.UUID(person_id))
    return count(rt, CredentialOffer, CredentialOffer.authorisation_id.in_(mine))


@pytest.fixture
def wallet(holder, offer):
    """A licence and its proof of age on each of two phones, from the first authorisation."""
    received = accept(holder, offer, [DeviceKey(), DeviceKey()])
    return [credential for credentials in received.values() for credential in credentials]


def test_a_new_authorisation_revokes_what_the_old_one_issued(client, rt, wallet, transport_agency, person_id):
    revoked = AuditEvent.event == "credential_revoked"
    events = count(rt, AuditEvent, revoked)  # other tests' events stay: the table refuses deletes

    response = _authorise(client, transport_agency, person_id)

    assert response.status_code == 201, response.json
    assert [status_of(client, credential) for credential in wallet] == [1, 1, 1, 1]
    assert {r["state"] for r in issued_records(client, transport_agency, person_id)} == {"revoked"}
    assert _authorisation_states(rt, person_id) == ["active", "withdrawn"]
    assert count(rt, AuditEvent, revoked) == events + 4


def test_the_new_authorisation_issues_the_new_card(client, holder, wallet, transport_agency, person_id):
    offer = _authorise(client, transport_agency, person_id).json

    received = accept(holder, offer, [DeviceKey()])

    assert [status_of(client, credential) for credential in received["driver_licence"]] == [0]
    live = [r for r in issued_records(client, transport_agency, person_id) if r["state"] == "valid"]
    assert sorted(r["credential_type"] for r in live) == ["driver_licence", "proof_of_age"]


def test_the_replaced_offer_can_no_longer_be_redeemed(client, rt, offer, transport_agency, person_id):
    assert _authorise(client, transport_agency, person_id).status_code == 201

    response = redeem(client, offer)

    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def _suspend_one(client, token, person_id):
    licence = next(
        r for r in issued_records(client, token, person_id) if r["credential_type"] == "driver_licence"
    )
    return client.post(
        f"/v1/agency/credentials/{licence['id']}/status",
        json={"status": "suspended", "reason": "demerit points"},
        headers=bearer(token),
    )


def _suspend_person_wide(client, token, person_id):
    return client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "suspended", "reason": "demerit points"},
        headers=bearer(token),
    )


@pytest.mark.parametrize("suspend", [_suspend_one, _suspend_person_wide])
def test_a_suspended_licence_is_not_lifted_by_a_new_authorisation(
    client, rt, wallet, transport_agency, person_id, suspend
):
    assert suspend(client, transport_agency, person_id).status_code == 200
    before = (
        [status_of(client, credential) for credential in wallet],
        _authorisation_states(rt, person_id),
        _offers(rt, person_id),
        count(rt, AuditEvent),
    )

    response = _authorise(client, transport_agency, person_id)

    assert response.status_code == 409
    assert response.json["code"] == "authorisation_suspended"
    after = (
        [status_of(client, credential) for credential in wallet],
        _authorisation_states(rt, person_id),
        _offers(rt, person_id),
        count(rt, AuditEvent),
    )
    assert after == before


# --- Another offer of the same authorisation ---------------------------------------------------------------


def _offer_again(client, token, authorisation_id):
    return client.post(f"/v1/agency/authorisations/{authorisation_id}/offers", headers=bearer(token))


def test_another_offer_adds_a_phone_and_leaves_the_first_valid(
    client, rt, holder, wallet, offer, transport_agency, person_id
):
    response = _offer_again(client, transport_agency, offer["authorisation_id"])

    assert response.status_code == 201, response.json
    assert response.json["authorisation_id"] == offer["authorisation_id"]
    assert "<svg" in response.json["qr_svg"]
    received = accept(holder, response.json, [DeviceKey()])
    assert [status_of(client, credential) for credential in received["driver_licence"]] == [0]
    assert [status_of(client, credential) for credential in wallet] == [0, 0, 0, 0]
    assert _authorisation_states(rt, person_id) == ["active"]


def test_another_agency_gets_no_offer_of_this_authorisation(client, rt, offer, person_id):
    seniors = agency_with_issuer(rt, client, "seniors")

    response = _offer_again(client, seniors, offer["authorisation_id"])

    assert response.status_code == 404
    assert _offers(rt, person_id) == 1


def _withdraw(client, token, person_id):
    return _authorise(client, token, person_id)  # replaced, so withdrawn


@pytest.mark.parametrize(
    ("out_of_force", "code"),
    [
        (_withdraw, "authorisation_withdrawn"),
        (_suspend_one, "authorisation_suspended"),
        (_suspend_person_wide, "authorisation_suspended"),
    ],
)
def test_an_authorisation_out_of_force_gets_no_new_offer(
    client, rt, wallet, offer, transport_agency, person_id, out_of_force, code
):
    assert out_of_force(client, transport_agency, person_id).status_code in (200, 201)
    offers = _offers(rt, person_id)

    response = _offer_again(client, transport_agency, offer["authorisation_id"])

    assert response.status_code == 409
    assert response.json["code"] == code
    assert _offers(rt, person_id) == offers


# --- Issuing while a card is suspended ---------------------------------------------------------------------


def test_a_phone_whose_licence_is_suspended_gets_no_fresh_copy(client, holder, transport_agency, person_id):
    """A fresh copy for the same phone would retire the suspended one and bind a valid one in its place."""
    handed_over = _authorise(client, transport_agency, person_id).json
    offer = parse_offer(handed_over["credential_offer_uri"])
    metadata = holder.metadata(offer["credential_issuer"])
    token, phone = holder.redeem(offer, handed_over["tx_code"]), DeviceKey()
    [licence] = holder.request_credentials(metadata, token, "driver_licence", [phone]).credentials
    assert _suspend_one(client, transport_agency, person_id).status_code == 200

    with pytest.raises(IssuanceFailed) as refused:
        holder.request_credentials(metadata, token, "driver_licence", [phone])

    assert refused.value.error == "credential_request_denied"
    assert status_of(client, licence) == 2
    assert [r["state"] for r in issued_records(client, transport_agency, person_id)] == ["suspended"]
