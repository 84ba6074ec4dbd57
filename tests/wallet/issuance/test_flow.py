"""The whole pre-authorized code flow, as a wallet runs it, and the citizen app-session path."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from keys import jwk_thumbprint
from tests.factories import citizen, register_device
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import (
    accept,
    count,
    issued_records,
    jwt_payload,
    new_nonce,
    nonce_used,
    request_credential,
    status_list,
    verify_credential,
)
from wallet.agencies.models import Person
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import DeviceKey, IssuanceFailed
from wallet.issuance.models import IssuedCredential

AGES = {"age_over_16": True, "age_over_18": True, "age_over_21": True, "age_over_65": False}


@pytest.fixture
def devices():
    return [DeviceKey(), DeviceKey()]


@pytest.fixture
def received(holder, offer, devices):
    return accept(holder, offer, devices)


def test_an_offer_yields_a_licence_and_a_proof_of_age_for_each_device_key(received):
    assert list(received) == ["driver_licence", "proof_of_age"]
    assert [len(credentials) for credentials in received.values()] == [2, 2]


def test_every_credential_verifies_with_the_reference_implementation(client, received, issuer, rt):
    for configuration_id, credentials in received.items():
        for credential in credentials:
            claims = verify_credential(client, credential)

            assert claims["iss"] == issuer
            assert claims["vct"] == f"{rt.settings.public_url}/vct/{configuration_id}/v1"
            assert claims["iat"] == int(rt.clock.now().timestamp())
            assert claims["exp"] > claims["iat"]
            assert {name: claims[name] for name in AGES} == AGES


def test_the_licence_discloses_the_record_and_the_proof_of_age_only_ages(client, received):
    licence = verify_credential(client, received["driver_licence"][0])
    proof_of_age = verify_credential(client, received["proof_of_age"][0])

    for name in ("given_name", "family_name", "birthdate", "licence_number", "licence_class", "expiry_date"):
        assert licence[name] == LICENCE[name]
    assert licence["address"] == LICENCE["address"]  # each member disclosed on its own
    assert set(proof_of_age) - {"iss", "iat", "exp", "vct", "cnf", "status"} == set(AGES)


def test_each_credential_is_bound_to_its_own_device_key(client, received, devices):
    for credentials in received.values():
        bound = [verify_credential(client, credential)["cnf"]["jwk"] for credential in credentials]

        assert bound == [device.jwk for device in devices]


def test_every_credential_has_its_own_status_entry_and_is_valid(client, received):
    references = [
        jwt_payload(credential)["status"]["status_list"]
        for credentials in received.values()
        for credential in credentials
    ]

    assert len({(ref["uri"], ref["idx"]) for ref in references}) == 4
    for ref in references:
        assert status_list(client, ref["uri"])[ref["idx"]] == 0


def test_the_agency_sees_four_records_with_each_proof_of_age_tied_to_its_licence(
    client, received, devices, transport_agency, person_id
):
    records = issued_records(client, transport_agency, person_id)
    licences = {r["holder_key"]: r for r in records if r["credential_type"] == "driver_licence"}
    companions = {r["holder_key"]: r for r in records if r["credential_type"] == "proof_of_age"}

    assert len(records) == 4
    thumbprints = {jwk_thumbprint(device.jwk) for device in devices}
    assert set(licences) == set(companions) == thumbprints
    for key, licence in licences.items():
        assert licence["companion_of"] is None
        assert licence["state"] == companions[key]["state"] == "valid"
        assert companions[key]["companion_of"] == licence["id"]


def test_each_issuance_is_audited(rt, received, transport_agency, person_id, client):
    records = issued_records(client, transport_agency, person_id)
    with rt.db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.event == "credential_issued",
                AuditEvent.subject_id.in_([r["id"] for r in records]),
            )
        ).all()

    assert sorted(e.subject_id for e in events) == sorted(r["id"] for r in records)
    assert {(e.subject_type, e.actor_type) for e in events} == {("credential", "anonymous")}
    assert sorted(e.details["credential_type"] for e in events) == sorted(
        r["credential_type"] for r in records
    )
    assert all(e.occurred_at == rt.clock.now() for e in events)


# --- The citizen's app session instead of a pre-authorized code -----------------------------------------


def _link(rt, person_id: str, account_id: str) -> None:
    with rt.db.session() as session:
        session.get_one(Person, uuid.UUID(person_id)).account_id = uuid.UUID(account_id)
        session.commit()


def _account_id(client, access_token: str) -> str:
    response = client.get("/v1/accounts/me", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200, response.json
    return response.json["id"]


def test_a_citizen_gets_credentials_for_their_linked_record_with_their_app_session(
    client, rt, holder, offer, person_id, issuer
):
    session = citizen(client)
    _link(rt, person_id, _account_id(client, session["access_token"]))
    metadata = holder.metadata(issuer)
    device = DeviceKey()
    register_device(client, rt, session["access_token"], device)

    licence = holder.request_credentials(metadata, session["access_token"], "driver_licence", [device])
    companion = holder.request_credentials(metadata, session["access_token"], "proof_of_age", [device])

    [credential] = licence.credentials
    claims = verify_credential(client, credential)
    assert claims["cnf"]["jwk"] == device.jwk
    assert claims["licence_number"] == LICENCE["licence_number"]
    assert len(companion.credentials) == 1
    assert count(rt, IssuedCredential, IssuedCredential.person_id == uuid.UUID(person_id)) == 2


def test_a_citizen_with_no_linked_record_is_denied_and_nothing_is_written(client, rt, offer, issuer):
    session = citizen(client)
    nonce = new_nonce(client)
    proof = DeviceKey().proof(issuer=issuer, nonce=nonce, now=int(rt.clock.now().timestamp()))

    response = request_credential(client, session["access_token"], "driver_licence", [proof])

    assert response.status_code == 400
    assert response.json["error"] == "credential_request_denied"
    assert count(rt, IssuedCredential) == 0
    assert not nonce_used(rt, nonce)


def test_a_citizen_linked_to_a_record_without_that_credential_is_denied(
    client, rt, holder, offer, person_id, issuer
):
    session = citizen(client)
    _link(rt, person_id, _account_id(client, session["access_token"]))

    with pytest.raises(IssuanceFailed) as refused:
        holder.request_credentials(
            holder.metadata(issuer), session["access_token"], "photo_card", [DeviceKey()]
        )

    assert refused.value.error == "credential_request_denied"
    assert count(rt, IssuedCredential) == 0


def test_the_app_session_binds_credentials_only_to_the_accounts_registered_devices(
    client, rt, holder, offer, person_id, issuer
):
    """An app session (a lost phone's, say) cannot bind a credential to a key the account never registered."""
    session = citizen(client)
    _link(rt, person_id, _account_id(client, session["access_token"]))
    metadata = holder.metadata(issuer)

    with pytest.raises(IssuanceFailed) as refused:
        holder.request_credentials(metadata, session["access_token"], "driver_licence", [DeviceKey()])

    assert refused.value.error == "invalid_proof"
