"""Recording demerit points, and suspending a licence whose points reach its threshold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wallet.agencies.models import Person
from wallet.audit.service import Actor, record
from wallet.clock import local_date
from wallet.db import new_id
from wallet.demerits import rules
from wallet.demerits.models import DemeritEntry, DriverCategory, Sanction
from wallet.demerits.rules import DemeritRules, Offence
from wallet.demerits.sanctions import LICENCE, Sanctions
from wallet.fines.models import Fine
from wallet.issuance.models import CredentialAuthorisation
from wallet.links.models import PersonIdentifier


@dataclass(frozen=True, slots=True)
class Standing:
    category: str
    threshold: int
    balance: int
    entries: list[DemeritEntry]
    warning: str | None


class DemeritService:
    def __init__(self, session: Session, *, sanctions: Sanctions, rules: DemeritRules = rules.NSW) -> None:
        self.session = session
        self.sanctions = sanctions
        self.rules = rules

    @property
    def today(self) -> date:
        return local_date(self.sanctions.now(), self.rules.timezone)

    def licence_holder(self, account_id: uuid.UUID) -> Person | None:
        """The licence holder's record linked to this account, if one is."""
        return self.session.scalars(
            select(Person)
            .join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
            .where(Person.account_id == account_id, PersonIdentifier.kind == "licence_number")
            .order_by(Person.created_at)
        ).first()

    def record_offence(self, fine: Fine, *, today: date, actor: Actor) -> DemeritEntry | None:
        """Record a paid or upheld fine's points on its offence date, once; then check the threshold."""
        if fine.points <= 0:
            return None
        self._lock_person(fine.person_id)
        if self._entry_of(fine.id) is not None:
            return None
        offence_date = local_date(fine.offence_at, self.rules.timezone)
        points, period = rules.points_for(fine.offence_code, offence_date, fine.points, self.rules)
        entry = DemeritEntry(
            id=new_id(),
            person_id=fine.person_id,
            fine_id=fine.id,
            offence_code=fine.offence_code,
            offence_description=fine.offence_description,
            offence_date=offence_date,
            points=points,
            double_period=period,
            recorded_at=self.sanctions.now(),
        )
        self.session.add(entry)
        self.session.flush()
        record(
            self.session,
            event="demerit_points_recorded",
            actor=actor,
            at=entry.recorded_at,
            subject=("person", str(fine.person_id)),
            fine_id=str(fine.id),
            points=points,
        )
        self._suspend_if_over(fine.person_id, today=today, actor=actor)
        return entry

    def forget_offence(self, fine: Fine, *, actor: Actor) -> None:
        """A withdrawn fine's points no longer count (a suspension they led to stands: the agency decides)."""
        entry = self._entry_of(fine.id)
        if entry is None:
            return
        self.session.delete(entry)
        record(
            self.session,
            event="demerit_points_withdrawn",
            actor=actor,
            at=self.sanctions.now(),
            subject=("person", str(fine.person_id)),
            fine_id=str(fine.id),
            points=entry.points,
        )
        self.session.flush()

    def set_category(
        self,
        person_id: uuid.UUID,
        *,
        category: str,
        starts_on: date,
        ends_on: date | None,
        reason: str,
        actor: Actor,
    ) -> DriverCategory:
        rules.threshold(category, self.rules)  # a category the table knows, or ValueError
        set_on = DriverCategory(
            id=new_id(),
            person_id=person_id,
            category=category,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            created_at=self.sanctions.now(),
        )
        self.session.add(set_on)
        self.session.flush()
        record(
            self.session,
            event="demerit_category_set",
            actor=actor,
            at=set_on.created_at,
            subject=("person", str(person_id)),
            category=category,
        )
        return set_on

    def standing(self, person_id: uuid.UUID, *, today: date) -> Standing:
        category = self.category_of(person_id, today=today)
        entries = self._shown_entries(person_id, today)
        balance = rules.balance(_counting(entries), today, self.rules)
        return Standing(
            category=category,
            threshold=rules.threshold(category, self.rules),
            balance=balance,
            entries=entries,
            warning=rules.warning(balance, category, self.rules),
        )

    def category_of(self, person_id: uuid.UUID, *, today: date) -> str:
        """The licence category the threshold depends on: one the agency set for ``today`` (the day the
        balance is counted on), else the licence's."""
        override = self.session.scalars(
            select(DriverCategory.category)
            .where(
                DriverCategory.person_id == person_id,
                DriverCategory.starts_on <= today,
                or_(DriverCategory.ends_on.is_(None), DriverCategory.ends_on >= today),
            )
            .order_by(DriverCategory.created_at.desc())
            .limit(1)
        ).first()
        if override is not None:
            return override
        claims = self.session.scalars(
            select(CredentialAuthorisation.claims)
            .where(
                CredentialAuthorisation.person_id == person_id,
                CredentialAuthorisation.credential_type == LICENCE,
                CredentialAuthorisation.state != "withdrawn",
            )
            .order_by(CredentialAuthorisation.created_at.desc())
            .limit(1)
        ).first()
        return rules.category_of_licence((claims or {}).get("licence_type"), self.rules)

    def _suspend_if_over(self, person_id: uuid.UUID, *, today: date, actor: Actor) -> Sanction | None:
        counting = self._unspent(person_id)
        points = rules.balance(_counting(counting), today, self.rules)
        category = self.category_of(person_id, today=today)
        months = rules.suspension_months(category, points, self.rules)
        if months is None:
            return None
        starts_on = today + timedelta(days=self.rules.suspension_notice_days)
        ends_on = rules.add_months(starts_on, months) - timedelta(days=1)
        sanction = self.sanctions.impose(
            person_id,
            kind="demerit_suspension",
            starts_on=starts_on,
            ends_on=ends_on,
            points=points,
            reason=(
                f"because you reached {points} demerit points; the limit for your licence is "
                f"{rules.threshold(category, self.rules)}, and the suspension is {months} months"
            ),
            today=today,
            actor=actor,
        )
        for entry in counting:  # the suspension spends these points
            entry.sanction_id = sanction.id
        self.session.flush()
        return sanction

    def _lock_person(self, person_id: uuid.UUID) -> None:
        """Two offences of one person recorded at once take turns, so the later one counts the earlier
        one's points towards the threshold (each alone would see only its own and suspend no one).

        NO KEY UPDATE, as Sanctions._apply takes it later in the same transaction (see the lock order in
        wallet.issuance.status). On SQLite writers are already serialised by BEGIN IMMEDIATE (wallet.sqlite),
        and FOR UPDATE is not emitted there."""
        self.session.get(Person, person_id, with_for_update={"key_share": True}, populate_existing=True)

    def _entry_of(self, fine_id: uuid.UUID) -> DemeritEntry | None:
        return self.session.scalars(select(DemeritEntry).where(DemeritEntry.fine_id == fine_id)).first()

    def _unspent(self, person_id: uuid.UUID) -> list[DemeritEntry]:
        return list(
            self.session.scalars(
                select(DemeritEntry).where(
                    DemeritEntry.person_id == person_id, DemeritEntry.sanction_id.is_(None)
                )
            )
        )

    def _shown_entries(self, person_id: uuid.UUID, today: date) -> list[DemeritEntry]:
        since = rules.add_months(today, -self.rules.shown_months)
        return list(
            self.session.scalars(
                select(DemeritEntry)
                .where(DemeritEntry.person_id == person_id, DemeritEntry.offence_date > since)
                .order_by(DemeritEntry.offence_date.desc())
            )
        )


def _counting(entries: list[DemeritEntry]) -> list[Offence]:
    return [Offence(e.offence_date, e.points) for e in entries if e.sanction_id is None]
