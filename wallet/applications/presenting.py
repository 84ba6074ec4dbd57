"""What the citizen is told about an application: in its view, and in the notification of its decision.

Pure functions of the application, so the wording is tested without a request, and a change of wording is a
change here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from issuers.catalog import CATALOG
from wallet.applications.models import Application
from wallet.applications.rules import KINDS, Outcome
from wallet.issuance.service import issuer_url


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    title: str
    body: str
    reason: str
    data: dict[str, Any]


def card_name(card_type: str | None) -> str | None:
    return CATALOG[card_type].display.name if card_type else None


def next_step(application: Application) -> str:
    if application.status == Outcome.APPROVED:
        return f"Your {card_name(application.card_type)} is ready: add it to your wallet in the app."
    if application.status == Outcome.PENDING:
        return "Nothing for now: we will notify you when the agency has decided."
    return "You can apply again when your circumstances change."


def collect(application: Application, base_url: str) -> dict[str, str] | None:
    """Where the app collects an approved card with its session (OpenID4VCI), or None before approval."""
    if application.status != Outcome.APPROVED or application.card_type is None:
        return None
    return {
        "credential_issuer": issuer_url(base_url, KINDS[application.kind].agency),
        "credential_configuration_id": application.card_type,
    }


def citizen_view(application: Application, base_url: str) -> dict[str, Any]:
    """The application as ``ApplicationSchema`` shows it."""
    return {
        "id": application.id,
        "type": application.kind,
        "status": application.status,
        "declarations": application.declarations,
        "explanation": application.explanation,
        "reason": application.reason,
        "card_type": application.card_type,
        "card_name": card_name(application.card_type),
        "card_number": application.card_number,
        "authorisation_id": application.authorisation_id,
        "decided_by": application.decided_by,
        "decided_at": application.decided_at,
        "submitted_at": application.submitted_at,
        "next_step": next_step(application),
        "collect": collect(application, base_url),
    }


def decision_notice(application: Application) -> Notice:
    """The notification of a decision; its reason says what the citizen did to receive it."""
    kind = KINDS[application.kind].name
    reason = f"You applied for a {kind} in the app."
    data = {"application_id": str(application.id), "status": application.status}
    if application.status == Outcome.APPROVED:
        return Notice(
            kind="application_approved",
            title=f"Your {card_name(application.card_type)} is ready",
            body=f"{application.explanation} Add it to your wallet in the app.",
            reason=reason,
            data={**data, "card_type": application.card_type},
        )
    return Notice(
        kind="application_declined",
        title=f"Your {kind} application was not approved",
        body=application.explanation,
        reason=reason,
        data=data,
    )
