from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Agency(Base):
    """A government agency; each is its own credential issuer, with its own URL and keys."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class AgencyClient(Base):
    """An OAuth client of an agency (client credentials grant). The secret is kept only as a digest."""

    __tablename__ = "agency_clients"

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    secret_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class Person(Base):
    """An agency's record of a person, optionally linked to the citizen's app account."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("agency_id", "agency_ref"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    agency_ref: Mapped[str] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    birthdate: Mapped[date]
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
