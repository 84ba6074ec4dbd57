"""A companion shares its licence's fate; a record change cannot smuggle invalid claims into credentials."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import bearer
from tests.samples import LICENCE
from wallet.holder.oid4vci import DeviceKey, parse_offer
from wallet.issuance.models import IssuedCredential


def _issued(client, token, person_id):
    return client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(token)).json


def test_a_companion_cannot_be_changed_on_its_own(client, holder, offer, transport_agency, person_id):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    issued = _issued(client, transport_agency, person_id)
    licence = next(c for c in issued if c["credential_type"] == "driver_licence")
    companion = next(c for c in issued if c["credential_type"] == "proof_of_age")
    client.post(
        f"/v1/agency/credentials/{licence['id']}/status",
        json={"status": "suspended", "reason": "demerit points"},
        headers=bearer(transport_agency),
    )

    response = client.post(
        f"/v1/agency/credentials/{companion['id']}/status",
        json={"status": "valid", "reason": "try"},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 409
    assert response.json["code"] == "companion_follows_licence"
    assert {c["credential_type"]: c["state"] for c in _issued(client, transport_agency, person_id)} == {
        "driver_licence": "suspended",
        "proof_of_age": "suspended",
    }


def test_a_companion_never_outlives_its_licence(client, rt, clock, transport_agency, person_id, holder):
    soon = (clock.now() + timedelta(days=2)).date().isoformat()
    offer = client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={"credential_type": "driver_licence", "claims": {**LICENCE, "expiry_date": soon}},
        headers=bearer(transport_agency),
    ).json

    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])

    with rt.db.session() as session:
        expiries = {c.credential_type: c.expires_at for c in session.scalars(select(IssuedCredential))}
    assert expiries["proof_of_age"] <= expiries["driver_licence"]
    assert expiries["driver_licence"] < clock.now() + timedelta(days=3)


def test_a_person_update_that_no_credential_could_carry_is_refused(
    client, holder, offer, transport_agency, person_id
):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])

    response = client.patch(
        f"/v1/agency/people/{person_id}", json={"given_name": "x" * 101}, headers=bearer(transport_agency)
    )

    assert response.status_code == 422
    names = client.get(f"/v1/agency/people/{person_id}", headers=bearer(transport_agency)).json
    assert names["given_name"] == "Alex"


def test_a_revoked_person_cannot_get_a_fresh_copy(client, holder, offer, transport_agency, person_id):
    """The bypass: revoke for the person, then ask the credential endpoint again with the same token."""
    offer_token = holder.redeem(parse_offer(offer["credential_offer_uri"]), offer["tx_code"])
    metadata = holder.metadata(offer["credential_offer"]["credential_issuer"])
    holder.request_credentials(metadata, offer_token, "driver_licence", [DeviceKey()])
    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "revoked", "reason": "licence cancelled"},
        headers=bearer(transport_agency),
    )

    again = holder.http.request(
        "POST",
        metadata["credential_endpoint"],
        json_body={"credential_configuration_id": "driver_licence", "proofs": {"jwt": ["x"]}},
        headers={"Authorization": f"Bearer {offer_token}"},
    )

    assert again.status == 400
    assert again.body["code"] == "credential_request_denied"


def test_a_companion_follows_its_licences_new_copy(client, holder, offer, transport_agency, person_id):
    """Renew only the licence on a device, then suspend the new licence: the proof of age follows it."""
    device = DeviceKey()
    token = holder.redeem(parse_offer(offer["credential_offer_uri"]), offer["tx_code"])
    metadata = holder.metadata(offer["credential_offer"]["credential_issuer"])
    holder.request_credentials(metadata, token, "driver_licence", [device])
    holder.request_credentials(metadata, token, "proof_of_age", [device])
    holder.request_credentials(metadata, token, "driver_licence", [device])  # the renewal: retires the first
    licences = [
        c for c in _issued(client, transport_agency, person_id) if c["credential_type"] == "driver_licence"
    ]
    [renewed] = [c for c in licences if c["state"] == "valid"]

    client.post(
        f"/v1/agency/credentials/{renewed['id']}/status",
        json={"status": "suspended", "reason": "demerit points"},
        headers=bearer(transport_agency),
    )

    [companion] = [
        c for c in _issued(client, transport_agency, person_id) if c["credential_type"] == "proof_of_age"
    ]
    assert companion["companion_of"] == renewed["id"]
    assert companion["state"] == "suspended"
