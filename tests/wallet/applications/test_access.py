"""Who may see and decide what: citizens see their own applications only, agencies only those they decide."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import agency_client, agency_token, bearer
from tests.wallet.applications.conftest import (
    APPROVE,
    DECLARATIONS,
    OLD_ENOUGH,
    decide,
    link_record,
    still_pending,
)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/applications"), ("GET", "/v1/applications"), ("GET", f"/v1/applications/{uuid.uuid4()}")],
)
def test_the_citizen_api_needs_a_logged_in_citizen(client, seniors, method, path):
    response = client.open(path, method=method, json={"type": "seniors_card", "declarations": DECLARATIONS})

    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


def test_an_agency_token_is_not_a_citizen(client, seniors):
    response = client.get("/v1/applications", headers={"Authorization": f"Bearer {seniors}"})

    assert response.status_code == 401


# --- Reading them back ----------------------------------------------------------------------------------


def test_the_citizen_reads_their_application_and_lists_theirs_only(rt, applicant, other):
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    declined = applicant.applied(nsw_resident=False)
    approved = applicant.applied()
    others = other.applied()

    assert applicant.application(declined["id"]) == declined
    listed = applicant.client.get("/v1/applications", headers=applicant.headers)
    assert listed.status_code == 200
    assert {a["id"] for a in listed.json} == {declined["id"], approved["id"]}
    assert others["id"] not in {a["id"] for a in listed.json}


def test_another_account_gets_404_for_an_application_that_is_not_theirs(applicant, other):
    mine = applicant.applied()

    response = other.client.get(f"/v1/applications/{mine['id']}", headers=other.headers)

    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_an_unknown_application_is_404(applicant):
    response = applicant.client.get(f"/v1/applications/{uuid.uuid4()}", headers=applicant.headers)

    assert response.status_code == 404


# --- Who may decide -------------------------------------------------------------------------------------


def test_another_agency_neither_sees_nor_decides_seniors_applications(client, rt, pending):
    transport = agency_token(client, agency_client(rt, "transport", ("applications:decide",)))

    listed = client.get("/v1/agency/applications", headers=bearer(transport))
    shown = client.get(f"/v1/agency/applications/{pending['id']}", headers=bearer(transport))
    decided = decide(client, transport, pending["id"], APPROVE)

    assert listed.status_code == 200
    assert listed.json == []
    assert (shown.status_code, decided.status_code) == (404, 404)
    assert decided.json["code"] == "not_found"
    still_pending(rt, pending["id"])


def test_deciding_needs_the_applications_scope(client, rt, pending):
    token = agency_token(client, agency_client(rt, "seniors", ("people:read",)))

    response = decide(client, token, pending["id"], APPROVE)

    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"
    still_pending(rt, pending["id"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_agency_api_needs_an_agency_token(client, applicant, pending, method):
    path = f"/v1/agency/applications/{pending['id']}" + ("/decision" if method == "POST" else "")

    response = client.open(path, method=method, json=APPROVE, headers=applicant.headers)

    assert response.status_code == 401


def test_the_agency_reads_one_application(client, seniors, pending):
    response = client.get(f"/v1/agency/applications/{pending['id']}", headers=bearer(seniors))

    assert response.status_code == 200
    assert response.json["id"] == pending["id"]
    assert client.get(f"/v1/agency/applications/{uuid.uuid4()}", headers=bearer(seniors)).status_code == 404
