"""Recording security events. Callers pass ids and facts, never secrets: ``details`` is checked for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from wallet.audit.models import AuditEvent

# Field names that must never reach the log, whatever a caller passes.
_SECRET_WORDS = ("password", "secret", "token", "passphrase", "private", "pem")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: ``citizen``, ``agency_client``, ``operator`` (the CLI) or ``anonymous``."""

    type: str
    id: str | None = None
    address: str | None = None


def record(
    session: Session,
    *,
    event: str,
    actor: Actor,
    at: datetime,
    subject: tuple[str, str] | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event. Raises ValueError if ``details`` names anything secret-looking."""
    for name in details:
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise ValueError(f"audit details must not carry secrets ({name!r})")
    entry = AuditEvent(
        occurred_at=at,
        event=event,
        actor_type=actor.type,
        actor_id=actor.id,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        client_address=actor.address,
        details=details,
    )
    session.add(entry)
    return entry
