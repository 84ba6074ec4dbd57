"""Vehicles: the agency's register, the citizen's renewals through the payments engine, the public check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from wallet.agencies.models import Person
from wallet.audit.service import Actor, record
from wallet.clock import Clock, local_date
from wallet.db import new_id
from wallet.demerits.rules import add_months
from wallet.errors import NotFound
from wallet.issuance.models import IssuedCredential
from wallet.notifications.service import notify_person
from wallet.payments.errors import AmountChanged
from wallet.payments.models import Payment
from wallet.payments.service import Order
from wallet.vehicles import rules
from wallet.vehicles.errors import NotQuotable, RegistrationChanged, RegistrationNotCurrent, RenewalRefused
from wallet.vehicles.models import CtpPolicy, Renewal, SafetyInspection, Vehicle
from wallet.vehicles.rules import Quote, RegoRules, RenewalFacts
from wallet.wording import long_date


@dataclass(frozen=True, slots=True)
class Cover:
    """What the renewal checks read of a vehicle's history: its CTP policies in the order they start, and
    its last passed safety inspection. A view reads it once for all the terms it shows."""

    policies: tuple[CtpPolicy, ...]
    last_passed_inspection: date | None

    @property
    def latest_ctp(self) -> CtpPolicy | None:
        return max(self.policies, key=lambda policy: policy.ends_on, default=None)

    def ctp_until(self, first_day: date) -> date | None:
        """The last day of continuous CTP cover from ``first_day``, if a policy covers that day."""
        until: date | None = None
        for policy in self.policies:
            start = first_day if until is None else until + timedelta(days=1)
            if policy.starts_on <= start <= policy.ends_on:
                until = policy.ends_on
        return until


class VehicleService:
    def __init__(self, session: Session, *, clock: Clock, rules: RegoRules = rules.NSW) -> None:
        self.session = session
        self.clock = clock
        self.rules = rules

    @property
    def today(self) -> date:
        return local_date(self.clock.now(), self.rules.timezone)

    # --- the citizen ------------------------------------------------------------------------------------

    def of_account(self, account_id: uuid.UUID) -> list[Vehicle]:
        return list(
            self.session.scalars(
                select(Vehicle)
                .join(Person, Person.id == Vehicle.operator_id)
                .where(Person.account_id == account_id)
                .order_by(Vehicle.plate)
            )
        )

    def for_account(self, account_id: uuid.UUID, vehicle_id: uuid.UUID, *, lock: bool = False) -> Vehicle:
        # Ownership in the query itself, so that a lock is only ever taken on the caller's own vehicle.
        query = (
            select(Vehicle)
            .join(Person, Person.id == Vehicle.operator_id)
            .where(Vehicle.id == vehicle_id, Person.account_id == account_id)
        )
        vehicle = self.session.scalars(query.with_for_update(of=Vehicle) if lock else query).first()
        if vehicle is None:
            raise NotFound("No such vehicle.")
        return vehicle

    def quote(self, vehicle: Vehicle, term_months: int) -> Quote:
        """The renewal's fees. Raises NotQuotable if the fee table has no band for the vehicle."""
        try:
            return rules.quote(
                vehicle.vehicle_type, vehicle.tare_kg, term_months, self.rules, cards=self._cards(vehicle)
            )
        except ValueError as error:  # the register refuses such vehicles now; older records may remain
            raise NotQuotable(
                f"The fee table cannot price this vehicle ({error}); renew it at a service centre."
            ) from error

    def needs(self, vehicle: Vehicle, term_months: int, cover: Cover | None = None) -> list[str]:
        """Why renewing for ``term_months`` cannot go ahead today; ``cover`` as read already, if it was."""
        facts = self._facts(vehicle, term_months, cover or self.cover(vehicle))
        return rules.renewal_needs(facts, term_months, self.today, self.rules)

    def renewal_order(
        self, account_id: uuid.UUID, vehicle_id: uuid.UUID, term_months: int, total_cents: int
    ) -> Order:
        """Lock the vehicle and say what renewing it costs. Raises RenewalRefused, AmountChanged."""
        vehicle = self.for_account(account_id, vehicle_id, lock=True)
        needs = self.needs(vehicle, term_months)
        if needs:
            raise RenewalRefused(" ".join(needs), needs=needs)
        total = self.quote(vehicle, term_months).total_cents
        if total != total_cents:
            raise AmountChanged(f"The renewal costs {total} cents now.", owed_cents=total)
        description = f"Registration {vehicle.plate}, {term_months} months"
        # The expiry it was checked from, so that settling can tell whether the agency moved it meanwhile.
        details = {"term_months": term_months, "expiry": vehicle.expiry.isoformat()}
        return Order(vehicle.agency_id, "registration", vehicle.id, total, description, details)

    def settle(self, payment: Payment) -> None:
        """A captured renewal: the expiry moves by the term, once per payment. Raises
        RegistrationNotCurrent if the registration was suspended or cancelled since the renewal was paid,
        RegistrationChanged if its expiry was moved."""
        vehicle = self.session.scalars(
            select(Vehicle).where(Vehicle.id == payment.subject_id).with_for_update()
        ).one()
        if (
            self.session.scalars(select(Renewal.id).where(Renewal.payment_id == payment.id)).first()
            is not None
        ):
            return
        details = payment.details or {}
        self._still_as_ordered(vehicle, details)
        term = int(details["term_months"])
        _, last = rules.renewal_period(vehicle.expiry, term)
        self.session.add(
            Renewal(
                id=new_id(),
                vehicle_id=vehicle.id,
                payment_id=payment.id,
                term_months=term,
                previous_expiry=vehicle.expiry,
                new_expiry=last,
                created_at=self.clock.now(),
            )
        )
        vehicle.expiry, vehicle.updated_at = last, self.clock.now()
        self.audit(
            "registration_renewed",
            vehicle,
            Actor("citizen", str(payment.account_id)),
            expiry=last.isoformat(),
        )
        self.tell(
            vehicle,
            vehicle.operator_id,
            "registration_renewed",
            "Registration renewed",
            f"{vehicle.plate} is registered to {long_date(last)}. Receipt {payment.receipt_number}.",
        )

    def _still_as_ordered(self, vehicle: Vehicle, details: dict[str, Any]) -> None:
        """Raises RegistrationNotCurrent or RegistrationChanged if the agency suspended, cancelled or moved
        the registration since the renewal was ordered. A charge can stay pending for days; refusing here
        (not at the order alone) is what makes the payments engine refund it rather than apply it."""
        if vehicle.status != "current":
            raise RegistrationNotCurrent(f"The registration of {vehicle.plate} is {vehicle.status}.")
        # Absent from payments opened before the order recorded it: those settle as they always did.
        ordered_from = details.get("expiry")
        if ordered_from is not None and ordered_from != vehicle.expiry.isoformat():
            raise RegistrationChanged(
                f"The registration of {vehicle.plate} now expires on {long_date(vehicle.expiry)}, "
                f"not on {long_date(date.fromisoformat(ordered_from))} as when the renewal was paid for."
            )

    # --- the public check and reminders ----------------------------------------------------------------

    def by_plate(self, plate: str) -> Vehicle:
        vehicle = self.session.scalars(select(Vehicle).where(Vehicle.plate == plate)).first()
        if vehicle is None:
            raise NotFound("No vehicle is registered with this plate.")
        return vehicle

    def send_reminders(
        self, *, after: tuple[date, uuid.UUID] | None = None, limit: int = 500
    ) -> tuple[int, tuple[date, uuid.UUID] | None]:
        """Send the reminders due in the next batch of vehicles near expiry, after ``after`` (a keyset, so
        vehicles already reminded never hold the queue up). Returns (sent, where to carry on or None)."""
        # From the earliest reminder's day to the end of online renewal: past that, there is nothing to say.
        horizon = self.today + max(before for _, before in self.rules.reminders)
        oldest = add_months(self.today, -self.rules.late_renewal)
        query = select(Vehicle).where(
            Vehicle.expiry <= horizon, Vehicle.expiry >= oldest, Vehicle.status == "current"
        )
        if after is not None:
            query = query.where(tuple_(Vehicle.expiry, Vehicle.id) > tuple_(*after))
        due = self.session.scalars(
            query.order_by(Vehicle.expiry, Vehicle.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        sent = 0
        for vehicle in due:
            reminder = rules.reminder_due(
                vehicle.expiry, self.today, frozenset(vehicle.reminders_sent), self.rules
            )
            if reminder is None:
                continue
            name, keys = reminder
            vehicle.reminders_sent = sorted({*vehicle.reminders_sent, *keys})
            self.tell(vehicle, vehicle.operator_id, f"registration_{name}", *_reminder_text(name, vehicle))
            sent += 1
        return sent, ((due[-1].expiry, due[-1].id) if len(due) == limit else None)

    # --- helpers ----------------------------------------------------------------------------------------

    def cover(self, vehicle: Vehicle) -> Cover:
        """The vehicle's CTP policies and its last passed safety inspection, in two statements."""
        policies = self.session.scalars(
            select(CtpPolicy).where(CtpPolicy.vehicle_id == vehicle.id).order_by(CtpPolicy.starts_on)
        ).all()
        inspected = self.session.scalars(
            select(SafetyInspection.inspected_on)
            .where(SafetyInspection.vehicle_id == vehicle.id, SafetyInspection.passed.is_(True))
            .order_by(SafetyInspection.inspected_on.desc())
            .limit(1)
        ).first()
        return Cover(tuple(policies), inspected)

    def _facts(self, vehicle: Vehicle, term_months: int, cover: Cover) -> RenewalFacts:
        first, _ = rules.renewal_period(vehicle.expiry, term_months)
        return RenewalFacts(
            agency_status=vehicle.status,
            expiry=vehicle.expiry,
            year=vehicle.year,
            ctp_until=cover.ctp_until(first),
            last_passed_inspection=cover.last_passed_inspection,
        )

    def _cards(self, vehicle: Vehicle) -> frozenset[str]:
        """The concession cards the operator holds now: valid credentials issued to their linked account."""
        operator = self.session.get(Person, vehicle.operator_id)
        if operator is None or operator.account_id is None:
            return frozenset()
        held = self.session.scalars(
            select(IssuedCredential.credential_type)
            .join(Person, Person.id == IssuedCredential.person_id)
            .where(Person.account_id == operator.account_id, IssuedCredential.state == "valid")
        )
        return frozenset(held)

    def tell(self, vehicle: Vehicle, person_id: uuid.UUID, kind: str, title: str, body: str) -> None:
        notify_person(
            self.session,
            person_id=person_id,
            kind=kind,
            title=title,
            body=body,
            reason=f"because of the registration of {vehicle.plate}",
            at=self.clock.now(),
            data={"vehicle_id": str(vehicle.id)},
        )

    def audit(self, event: str, vehicle: Vehicle, actor: Actor, **details: Any) -> None:
        record(
            self.session,
            event=event,
            actor=actor,
            at=self.clock.now(),
            subject=("vehicle", str(vehicle.id)),
            **details,
        )


def _reminder_text(name: str, vehicle: Vehicle) -> tuple[str, str]:
    if name == "expiry":
        return "Registration expires today", f"{vehicle.plate} must not be driven unregistered after today."
    return (
        "Registration due soon",
        f"{vehicle.plate} expires on {long_date(vehicle.expiry)}; renew it in the app.",
    )
