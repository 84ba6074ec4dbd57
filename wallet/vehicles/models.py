from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Vehicle(Base):
    """A registered vehicle, its registered operator (a person record) and its registration."""

    __tablename__ = "vehicles"

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    plate: Mapped[str] = mapped_column(String(10), unique=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    make: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    body_type: Mapped[str] = mapped_column(String(24))
    vehicle_type: Mapped[str] = mapped_column(String(16))  # car, motorcycle: the fee table's key
    tare_kg: Mapped[int] = mapped_column(Integer)
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    expiry: Mapped[date]  # the last day of the registration period
    status: Mapped[str] = mapped_column(String(16))  # current, suspended, cancelled (expiry says the rest)
    reminders_sent: Mapped[list[str]] = mapped_column(JSON)  # "six_weeks:2027-01-31", ...
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CtpPolicy(Base):
    """Compulsory third party insurance (the green slip) for a vehicle and a period."""

    __tablename__ = "ctp_policies"

    id: Mapped[uuid.UUID] = uuid_pk()
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    insurer: Mapped[str] = mapped_column(String(80))
    policy_number: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime]


class SafetyInspection(Base):
    """A safety inspection (the pink slip) and its result."""

    __tablename__ = "safety_inspections"

    id: Mapped[uuid.UUID] = uuid_pk()
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    inspected_on: Mapped[date]
    passed: Mapped[bool]
    station: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


class Renewal(Base):
    """A paid renewal: the period it added, recorded once per payment."""

    __tablename__ = "renewals"

    id: Mapped[uuid.UUID] = uuid_pk()
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), unique=True)
    term_months: Mapped[int] = mapped_column(Integer)
    previous_expiry: Mapped[date]
    new_expiry: Mapped[date]
    created_at: Mapped[datetime]
