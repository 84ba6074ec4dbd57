"""The agency side: authorising a credential, listing what was issued, and changing its status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from keys import jwk_thumbprint
from tests.factories import agency_client, agency_token, bearer
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import (
    AGENCY_SCOPES,
    SENIORS_CARD,
    accept,
    agency_with_issuer,
    count,
    issued_records,
    jwt_payload,
    status_list_token,
    status_of,
)
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import CredentialAuthorisation, CredentialOffer


def _authorise(client, token, person_id, credential_type="driver_licence", claims=LICENCE):
    return client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={"credential_type": credential_type, "claims": claims},
        headers=bearer(token),
    )


def _nothing_authorised(rt) -> bool:
    return count(rt, CredentialAuthorisation) == 0 and count(rt, CredentialOffer) == 0


def _change(client, token, credential_id, status, reason="card reported stolen"):
    return client.post(
        f"/v1/agency/credentials/{credential_id}/status",
        json={"status": status, "reason": reason},
        headers=bearer(token),
    )


@pytest.fixture
def devices():
    return [DeviceKey(), DeviceKey()]


@pytest.fixture
def wallet(holder, offer, devices):
    """The holder's credentials by (configuration id, device index)."""
    received = accept(holder, offer, devices)
    return {
        (cid, i): credential
        for cid, credentials in received.items()
        for i, credential in enumerate(credentials)
    }


@pytest.fixture
def records(client, wallet, devices, transport_agency, person_id):
    """The agency's records by (type, device index)."""
    keys = [jwk_thumbprint(device.jwk) for device in devices]
    return {
        (r["credential_type"], keys.index(r["holder_key"])): r
        for r in issued_records(client, transport_agency, person_id)
    }


def _statuses(client, wallet):
    return {key: status_of(client, credential) for key, credential in wallet.items()}


def _states(client, token, person_id):
    return sorted((r["credential_type"], r["state"]) for r in issued_records(client, token, person_id))


# --- Authorising -----------------------------------------------------------------------------------------


def test_an_agency_cannot_authorise_for_another_agencys_person(client, rt, person_id):
    seniors = agency_with_issuer(rt, client, "seniors")

    response = _authorise(client, seniors, person_id, "seniors_card", SENIORS_CARD)

    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert _nothing_authorised(rt)


@pytest.mark.parametrize("credential_type", ["seniors_card", "proof_of_age"])
def test_an_agency_cannot_authorise_a_type_it_does_not_issue(
    client, rt, transport_agency, person_id, credential_type
):
    response = _authorise(client, transport_agency, person_id, credential_type)

    assert response.status_code == 422
    assert response.json["code"] == "unknown_credential_type"
    assert _nothing_authorised(rt)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"licence_type": "professional", "licence_number": None}, {"licence_type", "licence_number"}),
        ({"expiry_date": "2020-01-01"}, {"expiry_date"}),
        ({"address": {"street_address": "1 Example St"}}, {"address"}),
    ],
    ids=["fields", "expiry-before-issue", "address"],
)
def test_claims_that_fail_the_schema_are_refused_with_the_reasons(
    client, rt, transport_agency, person_id, changes, fields
):
    claims = {name: value for name, value in {**LICENCE, **changes}.items() if value is not None}

    response = _authorise(client, transport_agency, person_id, claims=claims)

    assert response.status_code == 422
    assert response.json["code"] == "claims_invalid"
    assert set(response.json["errors"]) == fields
    assert _nothing_authorised(rt)


# --- Scopes ----------------------------------------------------------------------------------------------


def test_authorising_and_listing_need_the_issue_scope(client, rt, person_id):
    revoker = agency_token(client, agency_client(rt, "transport", AGENCY_SCOPES), scope="credentials:revoke")

    authorised = _authorise(client, revoker, person_id)
    listed = client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(revoker))

    assert (authorised.status_code, listed.status_code) == (403, 403)
    assert authorised.json["code"] == "insufficient_scope"
    assert _nothing_authorised(rt)


def test_status_changes_need_the_revoke_scope(client, rt, records, person_id, transport_agency):
    issuer_only = agency_token(
        client, agency_client(rt, "transport", AGENCY_SCOPES), scope="credentials:issue"
    )

    single = _change(client, issuer_only, records["driver_licence", 0]["id"], "revoked")
    everyone = client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "revoked", "reason": "x"},
        headers=bearer(issuer_only),
    )

    assert (single.status_code, everyone.status_code) == (403, 403)
    assert single.json["code"] == "insufficient_scope"
    assert {state for _, state in _states(client, transport_agency, person_id)} == {"valid"}


# --- Listing and status changes --------------------------------------------------------------------------


def test_the_list_can_be_narrowed_to_one_type(client, records, transport_agency, person_id):
    companions = issued_records(client, transport_agency, person_id, credential_type="proof_of_age")

    assert sorted(r["id"] for r in companions) == sorted(records["proof_of_age", i]["id"] for i in range(2))


def test_revoking_a_licence_revokes_its_proof_of_age_and_nothing_else(
    client, rt, wallet, records, transport_agency
):
    response = _change(client, transport_agency, records["driver_licence", 0]["id"], "revoked")

    assert response.status_code == 200, response.json
    assert sorted(r["id"] for r in response.json) == sorted(
        [records["driver_licence", 0]["id"], records["proof_of_age", 0]["id"]]
    )
    assert {r["state"] for r in response.json} == {"revoked"}
    assert _statuses(client, wallet) == {
        ("driver_licence", 0): 1,
        ("proof_of_age", 0): 1,
        ("driver_licence", 1): 0,
        ("proof_of_age", 1): 0,
    }
    with rt.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.event == "credential_revoked")).all()
    assert sorted(e.subject_id for e in events) == sorted(r["id"] for r in response.json)
    assert {e.details["reason"] for e in events} == {"card reported stolen"}


def test_a_suspension_shows_as_2_and_reinstating_brings_back_0(client, wallet, records, transport_agency):
    licence = records["driver_licence", 1]["id"]

    assert _change(client, transport_agency, licence, "suspended").status_code == 200
    suspended = _statuses(client, wallet)
    assert _change(client, transport_agency, licence, "valid").status_code == 200

    assert (suspended["driver_licence", 1], suspended["proof_of_age", 1]) == (2, 2)
    assert (suspended["driver_licence", 0], suspended["proof_of_age", 0]) == (0, 0)
    assert set(_statuses(client, wallet).values()) == {0}


@pytest.mark.parametrize("target", ["valid", "suspended"])
def test_a_revoked_credential_stays_revoked(client, rt, wallet, records, transport_agency, person_id, target):
    licence = records["driver_licence", 0]["id"]
    assert _change(client, transport_agency, licence, "revoked").status_code == 200
    uri = jwt_payload(wallet["driver_licence", 0])["status"]["status_list"]["uri"]
    before = (status_list_token(client, uri), _states(client, transport_agency, person_id))
    events = count(rt, AuditEvent)

    response = _change(client, transport_agency, licence, target)

    assert response.status_code == 409
    assert response.json["code"] == "invalid_status_transition"
    assert (status_list_token(client, uri), _states(client, transport_agency, person_id)) == before
    assert count(rt, AuditEvent) == events


def test_a_person_wide_change_reaches_every_credential_of_the_type(
    client, wallet, records, transport_agency, person_id
):
    response = client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "revoked", "reason": "licence cancelled"},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 200, response.json
    assert sorted(r["id"] for r in response.json) == sorted(r["id"] for r in records.values())
    assert set(_statuses(client, wallet).values()) == {1}


def _change_person(client, token, person_id, credential_type, status):
    return client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": credential_type, "status": status, "reason": "licence suspended"},
        headers=bearer(token),
    )


@pytest.mark.parametrize("target", ["valid", "suspended", "revoked"])
def test_a_person_wide_change_of_the_companion_type_is_refused(
    client, wallet, records, transport_agency, person_id, target
):
    # The one-credential route refused a companion, but the person-wide one took its type, and reinstating
    # it there left proof of age valid while the licence stayed suspended.
    assert (
        _change_person(client, transport_agency, person_id, "driver_licence", "suspended").status_code == 200
    )

    response = _change_person(client, transport_agency, person_id, "proof_of_age", target)

    assert response.status_code == 409
    assert response.json["code"] == "companion_follows_licence"
    assert set(_statuses(client, wallet).values()) == {2}
    assert {state for _, state in _states(client, transport_agency, person_id)} == {"suspended"}


# --- Another agency --------------------------------------------------------------------------------------


@pytest.fixture
def seniors(client, rt):
    return agency_with_issuer(rt, client, "seniors")


def test_another_agency_cannot_change_these_credentials(
    client, wallet, records, seniors, transport_agency, person_id
):
    response = _change(client, seniors, records["driver_licence", 0]["id"], "revoked")

    assert response.status_code == 404
    assert {state for _, state in _states(client, transport_agency, person_id)} == {"valid"}
    assert set(_statuses(client, wallet).values()) == {0}


def test_another_agency_cannot_see_these_credentials(client, records, seniors, person_id):
    response = client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(seniors))

    shown = response.json if isinstance(response.json, list) else []
    assert shown == []  # nothing of another agency's shows, whatever the status
    assert response.status_code == 404


def test_another_agency_cannot_change_them_person_wide(
    client, wallet, records, seniors, transport_agency, person_id
):
    response = client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "revoked", "reason": "x"},
        headers=bearer(seniors),
    )

    assert {state for _, state in _states(client, transport_agency, person_id)} == {"valid"}
    assert set(_statuses(client, wallet).values()) == {0}
    assert response.status_code == 404
