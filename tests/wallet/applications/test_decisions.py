"""The agency decides what the rules cannot; an approved card then reaches the citizen's app."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import bearer, register_device
from tests.wallet.applications.conftest import (
    APPROVE,
    DECLINE,
    OLD_ENOUGH,
    SENIORS,
    SIXTY_TOMORROW,
    VERIFIED,
    count,
    decide,
    link_record,
    rows,
    still_pending,
    verify_card,
)
from wallet.agencies.models import Person
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import DeviceKey, IssuanceFailed
from wallet.issuance.models import CredentialAuthorisation

# --- Listing --------------------------------------------------------------------------------------------


def test_the_agency_lists_pending_applications_with_who_applied(client, seniors, applicant, pending):
    response = client.get("/v1/agency/applications?state=pending", headers=bearer(seniors))

    assert response.status_code == 200
    [listed] = response.json
    assert listed["id"] == pending["id"]
    assert listed["status"] == "pending"
    assert listed["applicant"] == {
        "account_id": str(applicant.account_id),
        "email": "applicant@example.org",
        "display_name": None,
    }
    assert listed["confirmed_birthdate"] is None


def test_the_state_filter_leaves_out_decided_applications(client, seniors, applicant, other, rt):
    link_record(rt, other.account_id, OLD_ENOUGH)
    waiting = applicant.applied()
    approved = other.applied()

    pending_only = client.get("/v1/agency/applications?state=pending", headers=bearer(seniors)).json
    everything = client.get("/v1/agency/applications", headers=bearer(seniors)).json
    approved_only = client.get("/v1/agency/applications?state=approved", headers=bearer(seniors)).json

    assert [a["id"] for a in pending_only] == [waiting["id"]]
    assert {a["id"] for a in everything} == {waiting["id"], approved["id"]}
    assert [a["id"] for a in approved_only] == [approved["id"]]


@pytest.mark.parametrize("query", ["state=open", "limit=0", "limit=501", "colour=red"])
def test_a_bad_listing_query_is_a_validation_problem(client, seniors, query):
    response = client.get(f"/v1/agency/applications?{query}", headers=bearer(seniors))

    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"


# --- Approving ------------------------------------------------------------------------------------------


def test_approving_authorises_the_card_and_tells_the_citizen_why(client, rt, seniors, applicant, pending):
    response = decide(client, seniors, pending["id"], APPROVE)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "approved"
    shown = applicant.application(pending["id"])
    assert shown["status"] == "approved"
    assert shown["decided_by"] == "agency"
    assert shown["reason"] == APPROVE["reason"]
    assert shown["explanation"] == f"Approved by Seniors: {APPROVE['reason']}"
    assert shown["card_type"] == "seniors_card"
    [authorisation] = rows(rt, CredentialAuthorisation)
    assert shown["authorisation_id"] == str(authorisation.id)
    person = rows(rt, Person, Person.id == authorisation.person_id)[0]
    assert person.account_id == applicant.account_id
    assert authorisation.claims["birthdate"] == VERIFIED["birthdate"]
    assert authorisation.claims["card_number"] == shown["card_number"]


@pytest.mark.parametrize(("hours", "card"), [(20, "seniors_card"), (21, "senior_savers_card")])
def test_the_citizen_collects_the_approved_card_with_their_app_session(
    client, rt, seniors, applicant, holder, hours, card
):
    application = applicant.applied(paid_work_hours_per_week=hours)
    assert decide(client, seniors, application["id"], APPROVE).status_code == 200
    collect = applicant.application(application["id"])["collect"]
    device = DeviceKey()
    register_device(client, rt, applicant.access_token, device)

    metadata = holder.metadata(collect["credential_issuer"])
    received = holder.request_credentials(
        metadata, applicant.access_token, collect["credential_configuration_id"], [device]
    )

    [credential] = received.credentials
    claims = verify_card(client, credential)
    assert collect["credential_issuer"] == f"{rt.settings.public_url}{SENIORS}"
    assert claims["vct"] == f"{rt.settings.public_url}/vct/{card}/v1"
    assert claims["iss"] == collect["credential_issuer"]
    assert claims["cnf"]["jwk"] == device.jwk
    assert (claims["given_name"], claims["birthdate"]) == ("Robin", "1950-02-01")
    assert claims["card_number"] == applicant.application(application["id"])["card_number"]
    assert claims["age_over_60"] is True


def test_the_card_is_not_collected_before_approval(client, seniors, applicant, pending, holder, rt):
    metadata = holder.metadata(f"{rt.settings.public_url}{SENIORS}")

    with pytest.raises(IssuanceFailed) as refused:
        holder.request_credentials(metadata, applicant.access_token, "seniors_card", [DeviceKey()])

    assert refused.value.error == "credential_request_denied"


def test_approval_without_a_confirmed_record_needs_the_verified_details(client, rt, seniors, pending):
    response = decide(client, seniors, pending["id"], {"decision": "approve", "reason": "Checked."})

    assert response.status_code == 422
    assert response.json["code"] == "verified_person_required"
    still_pending(rt, pending["id"])


def test_a_record_linked_after_applying_is_enough_to_approve(client, rt, seniors, applicant, pending):
    link_record(rt, applicant.account_id, OLD_ENOUGH, given_name="Sam")

    response = decide(client, seniors, pending["id"], {"decision": "approve", "reason": "Record linked."})

    assert response.status_code == 200, response.json
    [authorisation] = rows(rt, CredentialAuthorisation)
    assert authorisation.claims["given_name"] == "Sam"


def test_an_approval_the_rules_would_refuse_is_refused_and_nothing_is_written(client, rt, seniors, pending):
    too_young = {**APPROVE, "verified_person": {**VERIFIED, "birthdate": SIXTY_TOMORROW.isoformat()}}

    response = decide(client, seniors, pending["id"], too_young)

    assert response.status_code == 422
    assert response.json["code"] == "approval_contradicts_rules"
    assert "eligible on 23 November 2026" in response.json["detail"]
    still_pending(rt, pending["id"])
    assert count(rt, Person) == 0


def test_a_verified_birthdate_after_today_is_refused(client, rt, seniors, pending):
    unborn = {**APPROVE, "verified_person": {**VERIFIED, "birthdate": "9990-06-01"}}

    response = decide(client, seniors, pending["id"], unborn)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    assert response.json["errors"]["json"] == {"verified_person.birthdate": ["Must not be after today."]}
    still_pending(rt, pending["id"])
    assert count(rt, Person) == 0


def test_the_agencys_own_record_dated_after_today_cannot_approve(client, rt, seniors, applicant):
    link_record(rt, applicant.account_id, date(9990, 1, 1), slug="seniors")
    pending = applicant.applied()

    response = decide(client, seniors, pending["id"], APPROVE)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "approval_contradicts_rules"
    assert "after today" in response.json["detail"]
    still_pending(rt, pending["id"])


# --- Declining ------------------------------------------------------------------------------------------


def test_declining_shows_the_agencys_reason_to_the_citizen(client, rt, seniors, applicant, pending):
    response = decide(client, seniors, pending["id"], DECLINE)

    assert response.status_code == 200, response.json
    shown = applicant.application(pending["id"])
    assert shown["status"] == "declined"
    assert shown["reason"] == DECLINE["reason"]
    assert shown["explanation"] == f"Declined by Seniors: {DECLINE['reason']}"
    assert shown["decided_at"] == "2026-11-22T09:00:00+00:00"
    assert shown["authorisation_id"] is None
    assert count(rt, CredentialAuthorisation) == 0


def test_after_a_decline_the_citizen_may_apply_again(client, seniors, applicant, pending):
    decide(client, seniors, pending["id"], DECLINE)

    assert applicant.apply().status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "decline"},
        {"decision": "decline", "reason": ""},
        {"decision": "decline", "reason": "   "},
        {"decision": "decline", "reason": "x" * 401},
        {"decision": "maybe", "reason": "Thinking."},
        {"reason": "No decision."},
        {**DECLINE, "status": "approved"},
        {**APPROVE, "verified_person": {**VERIFIED, "birthdate": "not a date"}},
        {**APPROVE, "verified_person": {**VERIFIED, "birthdate": "1899-12-31"}},
        {**APPROVE, "verified_person": {"given_name": "Robin"}},
    ],
)
def test_a_malformed_decision_is_a_validation_problem(client, rt, seniors, pending, body):
    response = decide(client, seniors, pending["id"], body)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    still_pending(rt, pending["id"])


@pytest.mark.parametrize(("first", "second"), [(APPROVE, DECLINE), (DECLINE, APPROVE), (DECLINE, DECLINE)])
def test_a_decided_application_cannot_be_decided_again(
    client, rt, seniors, applicant, pending, first, second
):
    assert decide(client, seniors, pending["id"], first).status_code == 200
    before = applicant.application(pending["id"])

    response = decide(client, seniors, pending["id"], second)

    assert response.status_code == 409
    assert response.json["code"] == "application_already_decided"
    assert applicant.application(pending["id"]) == before
    assert count(rt, AuditEvent, AuditEvent.event == "application_decided") == 1


def test_an_application_the_rules_decided_cannot_be_overruled(client, rt, seniors, applicant):
    link_record(rt, applicant.account_id, SIXTY_TOMORROW)
    declined = applicant.applied()

    response = decide(client, seniors, declined["id"], APPROVE)

    assert response.status_code == 409
    assert response.json["code"] == "application_already_decided"


def test_an_agency_decision_is_audited_with_the_client_that_made_it(client, rt, seniors, pending):
    decide(client, seniors, pending["id"], DECLINE)

    events = rows(rt, AuditEvent, AuditEvent.subject_id == pending["id"])

    by_event = {e.event: e for e in events}
    assert set(by_event) == {"application_submitted", "application_decided"}
    assert by_event["application_submitted"].actor_type == "citizen"
    assert by_event["application_decided"].actor_type == "agency_client"
    assert by_event["application_decided"].details == {
        "outcome": "declined",
        "decided_by": "agency",
        "card_type": "seniors_card",
    }
