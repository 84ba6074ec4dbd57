"""Licence sanctions, and what they do to the licence credentials that verifiers check offline.

A sanction is active from its first day to its last. While any sanction of a person is active, their
driver licence credentials (and, through the status code, their proof-of-age companions) are suspended in
the status list; when the last one ends they are valid again. The periodic job starts and ends sanctions
on their days, so a suspension ordered for next month changes nothing today.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet.agencies.models import Person
from wallet.audit.service import Actor, record
from wallet.db import new_id
from wallet.demerits.models import Sanction
from wallet.issuance.status import StatusChanges
from wallet.notifications.service import notify_person
from wallet.wording import long_date

LICENCE = "driver_licence"
HOLDING = ("scheduled", "active")


class Sanctions:
    def __init__(
        self,
        session: Session,
        *,
        now: Callable[[], datetime],
        statuses: StatusChanges,
        proof_of_age_stays_valid: bool = False,
    ) -> None:
        self.session = session
        self.now = now
        self.statuses = statuses
        self.companions_follow = not proof_of_age_stays_valid

    def impose(
        self,
        person_id: uuid.UUID,
        *,
        kind: str,
        starts_on: date,
        ends_on: date | None,
        reason: str,
        today: date,
        actor: Actor,
        points: int | None = None,
        fine_id: uuid.UUID | None = None,
    ) -> Sanction:
        now = self.now()
        sanction = Sanction(
            id=new_id(),
            person_id=person_id,
            kind=kind,
            state="scheduled",
            starts_on=starts_on,
            ends_on=ends_on,
            points=points,
            fine_id=fine_id,
            reason=reason,
            created_at=now,
            updated_at=now,
        )
        self.session.add(sanction)
        self.session.flush()
        self._audit("sanction_imposed", sanction, actor)
        notify_person(
            self.session,
            person_id=person_id,
            kind="licence_suspension",
            title="Your licence will be suspended" if starts_on > today else "Your licence is suspended",
            body=_period(starts_on, ends_on),
            reason=reason,
            at=now,
            data={"sanction_id": str(sanction.id)},
        )
        self.advance(today, actor=actor, person_id=person_id)
        return sanction

    def lift_for_fine(self, fine_id: uuid.UUID, *, today: date, reason: str, actor: Actor) -> None:
        """End the enforcement sanction of a fine now dealt with (paid, on a plan, withdrawn)."""
        held = self.session.scalars(
            select(Sanction).where(Sanction.fine_id == fine_id, Sanction.state.in_(HOLDING)).with_for_update()
        ).all()
        for sanction in held:
            self._set(sanction, "lifted", actor)
            self._apply(sanction.person_id, reason=reason, actor=actor)

    def advance(self, today: date, *, actor: Actor, person_id: uuid.UUID | None = None) -> tuple[int, int]:
        """Start sanctions whose first day has come, end those past their last. Returns (started, ended)."""
        due = select(Sanction).where(Sanction.state.in_(HOLDING)).order_by(Sanction.starts_on)
        if person_id is not None:
            due = due.where(Sanction.person_id == person_id)
        started = ended = 0
        for sanction in self.session.scalars(due.with_for_update(skip_locked=True)).all():
            if sanction.ends_on is not None and today > sanction.ends_on:
                self._set(sanction, "ended", actor)
                ended += 1
            elif sanction.state == "scheduled" and today >= sanction.starts_on:
                self._set(sanction, "active", actor)
                started += 1
            else:
                continue
            self._apply(sanction.person_id, reason=sanction.reason, actor=actor)
        return started, ended

    def active_for(self, person_id: uuid.UUID) -> list[Sanction]:
        return list(
            self.session.scalars(
                select(Sanction).where(Sanction.person_id == person_id, Sanction.state == "active")
            )
        )

    def _apply(self, person_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
        """Make the licence's status say what the person's sanctions say now. The person's row is locked
        first, so that two changes for one person (one ending a sanction, one imposing another) take turns
        and the later one writes the status from what both did."""
        # NO KEY UPDATE, as in wallet.issuance.status's lock order: an issuance meanwhile inserts rows
        # that refer to the person, whose key-share locks a plain FOR UPDATE would block.
        person = self.session.get(
            Person, person_id, with_for_update={"key_share": True}, populate_existing=True
        )
        if person is None:
            raise ValueError(f"no person record {person_id}")
        state = "suspended" if self.active_for(person_id) else "valid"
        self.statuses.change_for_person(
            person.agency_id,
            person_id,
            LICENCE,
            state,
            reason=reason,
            actor=actor,
            companions=self.companions_follow,
        )

    def _set(self, sanction: Sanction, state: str, actor: Actor) -> None:
        sanction.state = state
        sanction.updated_at = self.now()
        self.session.flush()
        self._audit(f"sanction_{state}", sanction, actor)

    def _audit(self, event: str, sanction: Sanction, actor: Actor) -> None:
        record(
            self.session,
            event=event,
            actor=actor,
            at=self.now(),
            subject=("sanction", str(sanction.id)),
            person_id=str(sanction.person_id),
            kind=sanction.kind,
        )


def _period(starts_on: date, ends_on: date | None) -> str:
    start = long_date(starts_on)
    if ends_on is None:
        return f"From {start} until the fine is paid or a payment plan is agreed."
    return f"From {start} to {long_date(ends_on)} inclusive."
