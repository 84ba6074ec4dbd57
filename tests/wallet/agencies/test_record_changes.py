from __future__ import annotations

from sqlalchemy import select

from tests.factories import agency_client, agency_token, bearer
from tests.samples import LICENCE
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import CredentialAuthorisation


def _issue(holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])


def _issued(client, token, person_id):
    return client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(token)).json


def test_a_record_change_marks_what_was_issued_for_refresh(
    client, rt, holder, offer, transport_agency, person_id
):
    _issue(holder, offer)

    response = client.patch(
        f"/v1/agency/people/{person_id}",
        json={"family_name": "Citizen-Smith"},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 200
    assert response.json["family_name"] == "Citizen-Smith"
    issued = _issued(client, transport_agency, person_id)
    assert len(issued) == 2
    assert all(c["refresh_due_since"] == rt.clock.now().isoformat() for c in issued)
    with rt.db.session() as session:
        [authorisation] = session.scalars(select(CredentialAuthorisation)).all()
    assert authorisation.claims["family_name"] == "Citizen-Smith"


def test_new_claims_for_an_authorisation_mark_its_credentials(
    client, holder, offer, transport_agency, person_id
):
    _issue(holder, offer)
    moved = {**LICENCE, "address": {**LICENCE["address"], "locality": "Penrith", "postal_code": "2750"}}

    response = client.patch(
        f"/v1/agency/authorisations/{offer['authorisation_id']}",
        json={"claims": moved},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 200
    assert response.json == {"marked_for_refresh": 2}
    assert all(c["refresh_due_since"] for c in _issued(client, transport_agency, person_id))


def test_claims_failing_the_schema_change_nothing(client, rt, holder, offer, transport_agency, person_id):
    _issue(holder, offer)

    response = client.patch(
        f"/v1/agency/authorisations/{offer['authorisation_id']}",
        json={"claims": {**LICENCE, "licence_type": "P9"}},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 422
    assert response.json["code"] == "claims_invalid"
    assert all(c["refresh_due_since"] is None for c in _issued(client, transport_agency, person_id))
    with rt.db.session() as session:
        [authorisation] = session.scalars(select(CredentialAuthorisation)).all()
    assert authorisation.claims["licence_type"] == "unrestricted"


def test_a_record_number_cannot_change_and_an_empty_change_is_refused(client, transport_agency, person_id):
    renumber = client.patch(
        f"/v1/agency/people/{person_id}", json={"agency_ref": "P-2"}, headers=bearer(transport_agency)
    )
    empty = client.patch(f"/v1/agency/people/{person_id}", json={}, headers=bearer(transport_agency))

    assert (renumber.status_code, empty.status_code) == (422, 422)


def test_another_agency_cannot_change_the_record_or_its_authorisation(client, rt, offer, person_id):
    other = agency_token(client, agency_client(rt, "revenue", ("people:write", "credentials:issue")))

    person = client.patch(
        f"/v1/agency/people/{person_id}", json={"given_name": "Mallory"}, headers=bearer(other)
    )
    claims = client.patch(
        f"/v1/agency/authorisations/{offer['authorisation_id']}",
        json={"claims": LICENCE},
        headers=bearer(other),
    )

    assert (person.status_code, claims.status_code) == (404, 404)
