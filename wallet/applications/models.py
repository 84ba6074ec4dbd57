from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Application(Base):
    """A citizen's application for a card: what they declared, the decision and why, and the card it gave."""

    __tablename__ = "applications"
    # One pending application per account and kind, held by the database itself so that a double tap on
    # "submit" cannot open two (see pending_slot).
    __table_args__ = (UniqueConstraint("account_id", "kind", "pending_slot"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, declined
    # True while pending and NULL once decided. NULLs never collide in a unique constraint (on SQLite and
    # PostgreSQL alike), so the constraint above allows one pending row and any number of decided ones.
    pending_slot: Mapped[bool | None]
    declarations: Mapped[dict[str, Any]]
    birthdate: Mapped[
        date | None
    ]  # as confirmed by the linked records when submitted; None if they could not
    card_type: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(String(1000))
    reason: Mapped[str | None] = mapped_column(String(500))  # the agency's own words, shown to the citizen
    decided_by: Mapped[str | None] = mapped_column(String(16))  # rules, agency
    decided_at: Mapped[datetime | None]
    authorisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("credential_authorisations.id"))
    card_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    submitted_at: Mapped[datetime]
