"""Telling the holder what happened to their credential, and why, through their notifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from wallet.notifications.messages import credential_event_message
from wallet.notifications.service import notify_person

STATE_EVENTS = {
    "valid": "credential_reinstated",
    "suspended": "credential_suspended",
    "revoked": "credential_revoked",
}


def tell_holder(
    session: Session, *, person_id: uuid.UUID, credential_type: str, kind: str, reason: str, at: datetime
) -> None:
    """One notification to the account linked to the person (none when no account is linked)."""
    title, body = credential_event_message(kind, CATALOG[credential_type].display.name, reason)
    notify_person(
        session,
        person_id=person_id,
        kind=kind,
        title=title,
        body=body,
        reason=reason,
        at=at,
        data={"credential_type": credential_type},
    )
