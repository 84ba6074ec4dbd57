"""The citizen applies: decided at once where the rules can; a bad form is refused and nothing kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from tests.factories import TEST_ACTOR
from tests.wallet.applications.conftest import (
    DECLARATIONS,
    OLD_ENOUGH,
    SIXTY_TODAY,
    SIXTY_TOMORROW,
    Citizen,
    count,
    link_record,
    rows,
)
from wallet.agencies.models import Agency, Person
from wallet.applications.models import Application
from wallet.applications.rules import UNCONFIRMED_AGE
from wallet.audit.models import AuditEvent
from wallet.issuance.models import CredentialAuthorisation
from wallet.notifications.models import Notification


def seniors_records(rt) -> list[Person]:
    return rows(rt, Person, Person.agency_id.in_([a.id for a in rows(rt, Agency, Agency.slug == "seniors")]))


def nothing_stored(rt) -> None:
    assert count(rt, Application) == 0
    assert count(rt, AuditEvent, AuditEvent.event.like("application_%")) == 0
    assert count(rt, CredentialAuthorisation) == 0
    assert count(rt, Notification) == 0
    assert seniors_records(rt) == []


# --- Decided at once ------------------------------------------------------------------------------------


def test_sixty_today_and_twenty_hours_is_approved_at_once_with_a_seniors_card(rt, applicant):
    link_record(rt, applicant.account_id, SIXTY_TODAY)

    shown = applicant.applied(paid_work_hours_per_week=20)

    assert shown["status"] == "approved"
    assert shown["decided_by"] == "rules"
    assert shown["decided_at"] == "2026-11-22T09:00:00+00:00"
    assert shown["card_type"] == "seniors_card"
    assert shown["card_name"] == "Seniors Card"
    assert shown["explanation"].startswith("You are 60 or over")
    assert shown["reason"] is None
    assert shown["collect"] == {
        "credential_issuer": f"{rt.settings.public_url}/issuers/seniors",
        "credential_configuration_id": "seniors_card",
    }
    assert shown["authorisation_id"] is not None


def test_an_approval_authorises_the_card_for_a_seniors_record_copied_from_the_linked_one(rt, applicant):
    link_record(rt, applicant.account_id, SIXTY_TODAY, given_name="Robin")

    shown = applicant.applied()

    [person] = seniors_records(rt)
    assert (person.given_name, person.family_name, person.birthdate) == ("Robin", "Elder", SIXTY_TODAY)
    assert person.account_id == applicant.account_id
    [authorisation] = rows(rt, CredentialAuthorisation)
    assert str(authorisation.id) == shown["authorisation_id"]
    assert authorisation.person_id == person.id
    assert authorisation.credential_type == "seniors_card"
    assert authorisation.claims == {
        "given_name": "Robin",
        "family_name": "Elder",
        "birthdate": "1966-11-22",
        "card_number": shown["card_number"],
        "issue_date": "2026-11-22",
        "expiry_date": "2031-11-22",
    }


def test_more_than_twenty_hours_is_approved_with_a_senior_savers_card(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)

    shown = applicant.applied(paid_work_hours_per_week=21)

    assert (shown["status"], shown["card_type"]) == ("approved", "senior_savers_card")
    [authorisation] = rows(rt, CredentialAuthorisation)
    assert authorisation.credential_type == "senior_savers_card"


def test_the_day_before_the_sixtieth_birthday_is_declined_with_the_day_to_apply_again(rt, applicant):
    link_record(rt, applicant.account_id, SIXTY_TOMORROW)

    shown = applicant.applied()

    assert shown["status"] == "declined"
    assert shown["decided_by"] == "rules"
    assert "You will be eligible on 23 November 2026" in shown["explanation"]
    assert shown["authorisation_id"] is None
    assert shown["collect"] is None
    assert count(rt, CredentialAuthorisation) == 0
    assert seniors_records(rt) == []


def test_birthdays_come_by_the_sydney_calendar(rt, clock, client, seniors):
    clock.advance(hours=5, minutes=30)  # 14:30 UTC on the 22nd is 01:30 on the 23rd in Sydney
    applicant = Citizen(client, "late@example.org")
    link_record(rt, applicant.account_id, SIXTY_TOMORROW)

    shown = applicant.applied()

    assert shown["status"] == "approved"
    [authorisation] = rows(rt, CredentialAuthorisation)
    assert authorisation.claims["issue_date"] == "2026-11-23"


def test_a_non_resident_is_declined_saying_why(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)

    shown = applicant.applied(nsw_resident=False)

    assert shown["status"] == "declined"
    assert "NSW residents" in shown["explanation"]
    assert count(rt, CredentialAuthorisation) == 0


# --- Pending: the rules cannot decide --------------------------------------------------------------------


def test_with_no_linked_record_the_application_waits_for_the_agency(rt, applicant):
    shown = applicant.applied(paid_work_hours_per_week=30)

    assert shown["status"] == "pending"
    assert shown["decided_at"] is None
    assert shown["decided_by"] is None
    assert shown["card_type"] == "senior_savers_card"  # what an approval would give
    assert "could not confirm your age from a record linked to your account" in shown["explanation"]
    assert shown["next_step"].startswith("Nothing for now")
    assert count(rt, CredentialAuthorisation) == 0


def test_linked_records_that_disagree_on_the_birthdate_do_not_confirm_it(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH, ref="P-1")
    link_record(rt, applicant.account_id, date(1990, 1, 1), slug="revenue", ref="R-1")

    assert applicant.applied()["status"] == "pending"


def test_a_stored_record_dated_after_today_leaves_the_application_to_the_agency(rt, applicant):
    # Stored before birthdates were checked: it confirms no age, and 60 years on from it is past 9999.
    link_record(rt, applicant.account_id, date(9990, 1, 1))

    shown = applicant.applied()

    assert shown["status"] == "pending"
    assert shown["explanation"] == UNCONFIRMED_AGE
    [application] = rows(rt, Application)
    assert application.birthdate is None


def test_another_accounts_record_does_not_count(rt, applicant, other):
    link_record(rt, other.account_id, OLD_ENOUGH)

    assert applicant.applied()["status"] == "pending"


def test_one_pending_application_per_account_and_type(rt, applicant, other):
    first = applicant.applied()

    again = applicant.apply()

    assert again.status_code == 409
    assert again.json["code"] == "application_pending"
    assert again.json["application_id"] == first["id"]
    assert count(rt, Application) == 1
    assert other.applied()["status"] == "pending"  # someone else's is no obstacle


def test_a_pending_application_blocks_even_one_the_rules_would_decide(rt, applicant):
    applicant.applied()
    link_record(rt, applicant.account_id, OLD_ENOUGH)

    assert applicant.apply().status_code == 409


def test_decided_applications_do_not_block_a_new_one(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    applicant.applied(nsw_resident=False)

    assert applicant.applied()["status"] == "approved"


# --- Refused: nothing written ---------------------------------------------------------------------------


def test_an_unaccepted_statutory_declaration_is_refused_and_nothing_is_stored(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)

    response = applicant.apply(statutory_declaration_accepted=False)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "statutory_declaration_required"
    nothing_stored(rt)


def _without(name: str) -> dict:
    return {k: v for k, v in DECLARATIONS.items() if k != name}


@pytest.mark.parametrize(
    "body",
    [
        {"type": "seniors_card"},
        {"declarations": DECLARATIONS},
        {"type": "drivers_licence", "declarations": DECLARATIONS},
        {"type": "seniors_card", "declarations": _without("nsw_resident")},
        {"type": "seniors_card", "declarations": _without("paid_work_hours_per_week")},
        {"type": "seniors_card", "declarations": _without("statutory_declaration_accepted")},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "paid_work_hours_per_week": -1}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "paid_work_hours_per_week": 169}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "paid_work_hours_per_week": 20.5}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "paid_work_hours_per_week": "20"}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "nsw_resident": "yes"}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "statutory_declaration_accepted": 1}},
        {"type": "seniors_card", "declarations": {**DECLARATIONS, "birthdate": "1950-01-01"}},
        {"type": "seniors_card", "declarations": DECLARATIONS, "status": "approved"},
        {"type": "seniors_card", "declarations": []},
        [],
    ],
)
def test_a_malformed_application_is_a_validation_problem_and_nothing_is_stored(rt, applicant, body):
    link_record(rt, applicant.account_id, OLD_ENOUGH)

    response = applicant.apply(body)

    assert response.status_code == 422, response.json
    assert response.json["code"] == "validation_failed"
    assert response.json["errors"]
    nothing_stored(rt)


def test_no_body_at_all_is_refused(rt, applicant):
    response = applicant.client.post("/v1/applications", headers=applicant.headers)

    assert response.status_code == 422
    nothing_stored(rt)


def test_without_the_deciding_agency_applications_are_unavailable(rt, client):
    applicant = Citizen(client, "early@example.org")  # no seniors agency set up yet

    response = applicant.apply()

    assert response.status_code == 503
    assert response.json["code"] == "applications_unavailable"
    assert count(rt, Application) == 0


def test_submitting_and_deciding_at_once_are_audited(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    shown = applicant.applied()

    events = rows(rt, AuditEvent, AuditEvent.subject_id == shown["id"])

    assert sorted(e.event for e in events) == ["application_decided", "application_submitted"]
    assert {(e.actor_type, e.actor_id) for e in events} == {("citizen", str(applicant.account_id))}
    [decided] = [e for e in events if e.event == "application_decided"]
    assert decided.details == {"outcome": "approved", "decided_by": "rules", "card_type": "seniors_card"}


def test_the_database_itself_holds_one_pending_application_per_account_and_type(rt, applicant):
    # The backstop for two submissions racing past the service's check: only decided rows may repeat.
    def row(status: str) -> Application:
        return Application(
            account_id=applicant.account_id,
            agency_id=rows(rt, Agency, Agency.slug == "seniors")[0].id,
            kind="seniors_card",
            status=status,
            pending_slot=True if status == "pending" else None,
            declarations=DECLARATIONS,
            explanation="-",
            submitted_at=rt.clock.now(),
        )

    with rt.db.session() as session:
        session.add_all([row("pending"), row("declined"), row("declined")])
        session.flush()

        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(row("pending"))


def test_a_citizen_whose_card_is_suspended_cannot_apply_for_another(rt, applicant):
    # An approved application replaces the card in force, which would lift the suspension.
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    first = applicant.applied()
    suspend_the_card(rt)
    applications, notifications = count(rt, Application), count(rt, Notification)

    response = applicant.apply()

    assert first["status"] == "approved"
    assert response.status_code == 409
    assert response.json["code"] == "card_suspended"
    assert (count(rt, Application), count(rt, Notification)) == (applications, notifications)
    assert [a.state for a in rows(rt, CredentialAuthorisation)] == ["suspended"]


def test_a_suspended_seniors_card_also_refuses_a_senior_savers_card(rt, applicant):
    # The hours declared only choose which of the two cards a person holds: both are one slot.
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    applicant.applied(paid_work_hours_per_week=10)
    suspend_the_card(rt)
    applications, notifications = count(rt, Application), count(rt, Notification)

    response = applicant.apply(paid_work_hours_per_week=30)

    assert response.status_code == 409, response.json
    assert response.json["code"] == "card_suspended"
    assert (count(rt, Application), count(rt, Notification)) == (applications, notifications)
    assert [(a.credential_type, a.state) for a in rows(rt, CredentialAuthorisation)] == [
        ("seniors_card", "suspended")
    ]


def test_a_senior_savers_card_replaces_the_seniors_card_in_force(rt, applicant):
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    first = applicant.applied(paid_work_hours_per_week=10)

    second = applicant.applied(paid_work_hours_per_week=30)

    states = {str(a.id): (a.credential_type, a.state) for a in rows(rt, CredentialAuthorisation)}
    assert states == {
        first["authorisation_id"]: ("seniors_card", "withdrawn"),
        second["authorisation_id"]: ("senior_savers_card", "active"),
    }


def suspend_the_card(rt) -> None:
    """Suspend the one card authorised so far, as its agency would."""
    [authorisation] = rows(rt, CredentialAuthorisation)
    with rt.db.session() as session:
        rt.issuance(session).statuses.change_for_person(
            authorisation.agency_id,
            authorisation.person_id,
            authorisation.credential_type,
            "suspended",
            reason="card misused",
            actor=TEST_ACTOR,
        )
        session.commit()


def test_applications_are_limited_per_account(rt, applicant, other):
    # Each one the rules decline at once is still a row, audit events and a notification.
    for _ in range(5):
        assert applicant.applied(nsw_resident=False)["status"] == "declined"

    response = applicant.apply(nsw_resident=False)

    assert response.status_code == 429, response.json
    assert response.json["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert (count(rt, Application), count(rt, Notification)) == (5, 5)
    assert other.applied(nsw_resident=False)["status"] == "declined"  # one account's limit only
