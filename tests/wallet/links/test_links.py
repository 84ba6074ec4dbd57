from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.factories import bearer, citizen
from tests.samples import LICENCE
from wallet.agencies.models import Person

CARD = {"licence_number": LICENCE["licence_number"], "card_number": LICENCE["card_number"]}


@pytest.fixture
def token(client):
    return citizen(client, "alex@example.org")["access_token"]


def _account_of(rt, person_id):
    with rt.db.session() as session:
        return session.get(Person, uuid.UUID(person_id)).account_id


def test_a_record_links_by_the_numbers_on_the_card(client, rt, offer, person_id, token):
    response = client.post("/v1/links", json=CARD, headers=bearer(token))

    assert response.status_code == 201
    assert response.json == {
        "agency": "transport",
        "agency_name": "Transport",
        "given_name": "Alex",
        "family_name": "Citizen",
    }
    assert _account_of(rt, person_id) is not None
    assert client.get("/v1/links", headers=bearer(token)).json == [response.json]


@pytest.mark.parametrize(
    "body",
    [
        {**CARD, "card_number": "2098765433"},
        {**CARD, "licence_number": "12345679"},
        {"licence_number": "99999999", "card_number": "0000000000"},
    ],
    ids=["wrong-card", "wrong-licence", "no-such-record"],
)
def test_a_wrong_number_or_card_gets_the_same_answer(client, rt, offer, person_id, token, body):
    response = client.post("/v1/links", json=body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json["code"] == "no_matching_record"
    assert response.json["title"] == "No record matches these details"
    assert "detail" not in response.json  # nothing that tells one failure from another
    assert _account_of(rt, person_id) is None


def test_a_record_linked_to_another_account_gets_the_same_answer(client, offer, person_id, token):
    client.post("/v1/links", json=CARD, headers=bearer(token))
    other = citizen(client, "mallory@example.org")["access_token"]

    response = client.post("/v1/links", json=CARD, headers=bearer(other))

    assert response.status_code == 422
    assert response.json["code"] == "no_matching_record"


def test_a_one_time_code_from_the_agency_links_once(client, rt, transport_agency, person_id, token):
    issued = client.post(f"/v1/agency/people/{person_id}/link-codes", headers=bearer(transport_agency))
    code = issued.json["code"]

    first = client.post(
        "/v1/links", json={"agency": "transport", "code": code.lower()}, headers=bearer(token)
    )
    other = citizen(client, "sam@example.org")["access_token"]
    again = client.post("/v1/links", json={"agency": "transport", "code": code}, headers=bearer(other))

    assert issued.status_code == 201
    assert first.status_code == 201
    assert again.status_code == 422
    assert again.json["code"] == "no_matching_record"


def test_an_expired_code_is_refused(client, clock, transport_agency, person_id):
    issued = client.post(f"/v1/agency/people/{person_id}/link-codes", headers=bearer(transport_agency))
    code = issued.json["code"]
    clock.advance(days=7, seconds=1)
    token = citizen(client, "late@example.org")["access_token"]  # a fresh log-in, a week later

    response = client.post("/v1/links", json={"agency": "transport", "code": code}, headers=bearer(token))

    assert response.status_code == 422


def test_attempts_are_limited_per_account(client, offer, token):
    for _ in range(10):
        client.post("/v1/links", json={**CARD, "card_number": "1111111111"}, headers=bearer(token))

    response = client.post("/v1/links", json=CARD, headers=bearer(token))

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"licence_number": "1"},
        {**CARD, "code": "X"},
        {"agency": "transport"},
        {**CARD, "agency": "x", "code": "y"},
    ],
)
def test_a_request_with_neither_or_both_methods_is_refused(client, token, body):
    response = client.post("/v1/links", json=body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"


def test_another_agency_cannot_issue_a_code_for_this_record(client, rt, person_id):
    from tests.factories import agency_client, agency_token

    other = agency_token(client, agency_client(rt, "revenue", ("people:write",)))

    response = client.post(f"/v1/agency/people/{person_id}/link-codes", headers=bearer(other))

    assert response.status_code == 404


def test_an_authorisation_with_a_card_number_of_another_person_is_refused(
    client, rt, transport_agency, offer
):
    other = client.post(
        "/v1/agency/people",
        json={"agency_ref": "P-2", "given_name": "Sam", "family_name": "Other", "birthdate": "1985-01-01"},
        headers=bearer(transport_agency),
    ).json["id"]

    response = client.post(
        f"/v1/agency/people/{other}/authorisations",
        json={"credential_type": "driver_licence", "claims": {**LICENCE, "licence_number": "87654321"}},
        headers=bearer(transport_agency),
    )

    assert response.status_code == 409
    assert response.json["code"] == "identifier_in_use"
    with rt.db.session() as session:
        assert session.scalar(select(Person).where(Person.agency_ref == "P-2")).account_id is None
