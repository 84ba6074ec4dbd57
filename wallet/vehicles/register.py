"""The transport agency's vehicle register: vehicles, green slips, pink slips and transfers, each audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wallet.agencies.models import Person
from wallet.audit.service import Actor
from wallet.db import new_id
from wallet.errors import InvalidField, NotFound
from wallet.links.service import licence_holder
from wallet.vehicles import rules
from wallet.vehicles.errors import UnknownOperator, VehicleExists
from wallet.vehicles.models import CtpPolicy, SafetyInspection, Vehicle
from wallet.vehicles.service import VehicleService


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    plate: str
    vin: str
    make: str
    model: str
    year: int
    body_type: str
    vehicle_type: str
    tare_kg: int
    operator_licence: str
    expiry: date
    status: str


class VehicleRegister:
    def __init__(self, vehicles: VehicleService) -> None:
        self.vehicles = vehicles

    def register(self, agency_id: uuid.UUID, data: VehicleRecord, *, actor: Actor) -> Vehicle:
        self._check_fee_table(data.vehicle_type, data.tare_kg)
        now = self.vehicles.clock.now()
        fields = _fields(data)
        vehicle = Vehicle(
            id=new_id(),
            agency_id=agency_id,
            operator_id=self._holder(data.operator_licence).id,
            reminders_sent=[],
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.vehicles.session.add(vehicle)
        try:
            with self.vehicles.session.begin_nested():
                self.vehicles.session.flush()
        except IntegrityError:
            raise VehicleExists(f"Plate {data.plate} or its VIN is already on the register.") from None
        self.vehicles.audit("vehicle_registered", vehicle, actor, plate=vehicle.plate)
        return vehicle

    def for_agency(self, agency_id: uuid.UUID, vehicle_id: uuid.UUID) -> Vehicle:
        # The agency in the locking query: no agency ever holds a lock on another's vehicle.
        vehicle = self.vehicles.session.scalars(
            select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.agency_id == agency_id).with_for_update()
        ).first()
        if vehicle is None:
            raise NotFound("No such vehicle.")
        return vehicle

    def update(self, vehicle: Vehicle, changes: dict[str, Any], *, actor: Actor) -> Vehicle:
        if "tare_kg" in changes:  # only then: a status change must go through even on a vehicle out of bands
            self._check_fee_table(vehicle.vehicle_type, changes["tare_kg"])
        for name, value in changes.items():
            setattr(vehicle, name, value)
        vehicle.updated_at = self.vehicles.clock.now()
        self.vehicles.audit("vehicle_updated", vehicle, actor, changed=sorted(changes))
        return vehicle

    def transfer(self, vehicle: Vehicle, *, licence_number: str, actor: Actor) -> Vehicle:
        new = self._holder(licence_number)
        old = vehicle.operator_id
        vehicle.operator_id, vehicle.updated_at = new.id, self.vehicles.clock.now()
        self.vehicles.audit(
            "vehicle_transferred", vehicle, actor, previous_operator=str(old), operator=str(new.id)
        )
        for person_id, title in (
            (old, "Vehicle transferred"),
            (new.id, "A vehicle is now registered to you"),
        ):
            self.vehicles.tell(
                vehicle,
                person_id,
                "vehicle_transferred",
                title,
                f"{vehicle.make} {vehicle.model} {vehicle.plate}.",
            )
        return vehicle

    def add_ctp(self, vehicle: Vehicle, policy: dict[str, Any], *, actor: Actor) -> CtpPolicy:
        ctp = CtpPolicy(id=new_id(), vehicle_id=vehicle.id, created_at=self.vehicles.clock.now(), **policy)
        self.vehicles.session.add(ctp)
        self.vehicles.audit(
            "ctp_recorded", vehicle, actor, insurer=ctp.insurer, ends_on=ctp.ends_on.isoformat()
        )
        return ctp

    def add_inspection(
        self, vehicle: Vehicle, inspection: dict[str, Any], *, actor: Actor
    ) -> SafetyInspection:
        done = SafetyInspection(
            id=new_id(), vehicle_id=vehicle.id, created_at=self.vehicles.clock.now(), **inspection
        )
        self.vehicles.session.add(done)
        self.vehicles.audit("inspection_recorded", vehicle, actor, passed=done.passed)
        return done

    def _check_fee_table(self, vehicle_type: str, tare_kg: int) -> None:
        """Refuse a vehicle the fee table cannot price: it could be registered, but never renewed."""
        heaviest = rules.heaviest_tare_kg(vehicle_type, self.vehicles.rules)
        if heaviest is None:
            message = f"No {self.vehicles.rules.region} registration fees for a {vehicle_type}."
            raise InvalidField("vehicle_type", message)
        if tare_kg > heaviest:
            raise InvalidField("tare_kg", f"At most {heaviest} kg for a {vehicle_type}.")

    def _holder(self, licence_number: str) -> Person:
        holder = licence_holder(self.vehicles.session, licence_number)
        if holder is None:
            raise UnknownOperator()
        return holder


def _fields(data: VehicleRecord) -> dict[str, Any]:
    return {name: getattr(data, name) for name in VehicleRecord.__slots__ if name != "operator_licence"}
