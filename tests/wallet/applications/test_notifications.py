"""Every decision reaches the citizen as a notification saying why; a pending application sends none."""

from __future__ import annotations

from tests.wallet.applications.conftest import OLD_ENOUGH, SIXTY_TOMORROW, decide, link_record, rows
from wallet.notifications.models import Notification

REASON = "You applied for a Seniors Card in the app."


def notifications(rt, account_id) -> list[Notification]:
    return rows(rt, Notification, Notification.account_id == account_id)


def test_an_approval_at_once_is_notified_with_the_card(rt, applicant, other):
    link_record(rt, applicant.account_id, OLD_ENOUGH)
    shown = applicant.applied(paid_work_hours_per_week=21)

    [notice] = notifications(rt, applicant.account_id)

    assert notice.kind == "application_approved"
    assert notice.title == "Your Senior Savers Card is ready"
    assert notice.body == f"{shown['explanation']} Add it to your wallet in the app."
    assert notice.reason == REASON
    assert notice.data == {
        "application_id": shown["id"],
        "status": "approved",
        "card_type": "senior_savers_card",
    }
    assert notice.created_at == rt.clock.now()
    assert notifications(rt, other.account_id) == []


def test_a_decline_at_once_is_notified_with_why(rt, applicant):
    link_record(rt, applicant.account_id, SIXTY_TOMORROW)
    shown = applicant.applied()

    [notice] = notifications(rt, applicant.account_id)

    assert notice.kind == "application_declined"
    assert notice.title == "Your Seniors Card application was not approved"
    assert "eligible on 23 November 2026" in notice.body
    assert notice.data == {"application_id": shown["id"], "status": "declined"}


def test_a_pending_application_notifies_nothing_until_the_agency_decides(client, rt, seniors, applicant):
    shown = applicant.applied()
    assert notifications(rt, applicant.account_id) == []

    decide(client, seniors, shown["id"], {"decision": "decline", "reason": "No proof of residence."})

    [notice] = notifications(rt, applicant.account_id)
    assert notice.kind == "application_declined"
    assert notice.body == "Declined by Seniors: No proof of residence."
    assert notice.reason == REASON


def test_a_refused_decision_notifies_nothing(client, rt, seniors, applicant):
    shown = applicant.applied()

    response = decide(client, seniors, shown["id"], {"decision": "approve", "reason": "Looks fine."})

    assert response.status_code == 422
    assert notifications(rt, applicant.account_id) == []
