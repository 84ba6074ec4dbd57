from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class DemeritEntry(Base):
    """Points recorded against a licence holder for one offence, on the offence date."""

    __tablename__ = "demerit_entries"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    fine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fines.id"), unique=True)  # recorded once
    offence_code: Mapped[str] = mapped_column(String(32))
    offence_description: Mapped[str] = mapped_column(String(300))
    offence_date: Mapped[date]
    points: Mapped[int] = mapped_column(Integer)
    double_period: Mapped[str | None] = mapped_column(String(100))  # the period that doubled them
    # Points that led to a suspension are spent by it and no longer count.
    sanction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sanctions.id"))
    recorded_at: Mapped[datetime]


class Sanction(Base):
    """A licence suspension: for demerit points, or to enforce an unpaid fine.

    While active, the licence credentials are suspended in their status list, so that an offline verifier
    shows it; when it ends (or is lifted) they are valid again unless another sanction still holds them.
    """

    __tablename__ = "sanctions"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # demerit_suspension, fine_enforcement
    state: Mapped[str] = mapped_column(String(16), index=True)  # scheduled, active, ended, lifted
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day; None until the fine is dealt with
    points: Mapped[int | None] = mapped_column(Integer)
    fine_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fines.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DriverCategory(Base):
    """A licence category the agency sets for a time, over the one the licence type gives: a professional
    driver (higher threshold) or a good-behaviour period chosen instead of a suspension (threshold 2)."""

    __tablename__ = "driver_categories"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day; None: until the agency changes it
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
