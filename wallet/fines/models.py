from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Fine(Base):
    """A penalty notice, from lodging to its end: what happened, what is owed, and where it stands."""

    __tablename__ = "fines"
    __table_args__ = (UniqueConstraint("agency_id", "notice_number"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)  # who lodged it
    notice_number: Mapped[str] = mapped_column(String(32))
    # The digest of what was lodged: lodging the same notice again is a no-op only if nothing differs.
    lodged_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)  # the licence holder
    offence_code: Mapped[str] = mapped_column(String(32))
    offence_description: Mapped[str] = mapped_column(String(300))
    offence_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    detection: Mapped[str] = mapped_column(String(16))  # camera, officer, parking
    amount_cents: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)  # as lodged; double demerits are applied when recorded
    notice_date: Mapped[date]
    due_date: Mapped[date]
    state: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[date | None]  # pay by; None once enforcement has begun
    fees: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON
    )  # each added fee: kind, amount_cents, explanation, added_on
    held_from: Mapped[str | None] = mapped_column(String(16))  # the state a review interrupted
    held_since: Mapped[date | None]
    review: Mapped[dict[str, Any] | None]  # category, text, requested_on, decision, explanation, decided_on
    nominee_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    nominated_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fines.id"))
    plan: Mapped[dict[str, Any] | None]  # instalments and what has been paid of them
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FineImage(Base):
    """A camera image attached to a notice, shown to the citizen with it."""

    __tablename__ = "fine_images"

    id: Mapped[uuid.UUID] = uuid_pk()
    fine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fines.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
