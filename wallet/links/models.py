from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class PersonIdentifier(Base):
    """A number printed on a person's card (licence number, card number), to find their record by it."""

    __tablename__ = "person_identifiers"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "value"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # licence_number, card_number
    value: Mapped[str] = mapped_column(String(32))


class LinkCode(Base):
    """A one-time code an agency gives a person to link their record to their app account."""

    __tablename__ = "link_codes"

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    code_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
