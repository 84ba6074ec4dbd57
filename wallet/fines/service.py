"""Penalty notices: lodged by agencies, dealt with by citizens (pay, review, nominate), moved by the rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.agencies.models import Person
from wallet.audit.service import Actor, record
from wallet.clock import Clock
from wallet.db import new_id
from wallet.demerits.service import DemeritService
from wallet.digests import digest
from wallet.errors import InvalidField, NotFound
from wallet.fines import rules
from wallet.fines.errors import (
    FineActionRefused,
    NoticeNumberTaken,
    ReviewAlreadyDecided,
    UnknownLicence,
    UnknownPlate,
)
from wallet.fines.models import Fine, FineImage
from wallet.fines.rules import FineEvent, FineFacts, FineRules, FineState, next_instalment
from wallet.links.service import licence_holder
from wallet.notifications.service import notify_person
from wallet.payments.errors import AmountChanged, PaymentInProgress
from wallet.payments.models import Payment
from wallet.payments.service import Order, in_flight
from wallet.payments.upkeep import mark_refunds_due
from wallet.vehicles.models import Vehicle
from wallet.wording import long_date

# How far an agency's clock may run ahead of ours before an offence it reports counts as in the future.
OFFENCE_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Notice:
    """A penalty notice as an agency lodges it."""

    notice_number: str
    licence_number: str | None  # the driver; or else
    plate: str | None  # the vehicle, whose registered operator receives it
    offence_code: str
    offence_description: str
    offence_at: datetime
    place: str
    detection: str
    amount_cents: int
    points: int
    due_date: date
    images: tuple[tuple[str, bytes], ...] = ()  # (content type, bytes)

    def fingerprint(self) -> bytes:
        return digest("penalty-notice", repr(self))


class FineService:
    def __init__(
        self, session: Session, *, clock: Clock, demerits: DemeritService, rules: FineRules = rules.NSW
    ) -> None:
        self.session = session
        self.clock = clock
        self.demerits = demerits
        self.rules = rules

    @property
    def today(self) -> date:
        return self.rules.today(self.clock.now())

    def lodge(self, agency_id: uuid.UUID, notice: Notice, *, actor: Actor) -> tuple[Fine, bool]:
        """Lodge a notice; the same notice again is not a second fine. Returns (fine, created).

        Raises InvalidField for an offence after now, NoticeNumberTaken, UnknownLicence or UnknownPlate.
        """
        # A notice is of an offence that happened; one dated ahead would also run every date worked out
        # from it (demerit periods, deadlines) toward the end of the calendar.
        if notice.offence_at > self.clock.now() + OFFENCE_CLOCK_SKEW:
            raise InvalidField("offence_at", "must not be in the future")
        earlier = self._lodged(agency_id, notice)
        if earlier is not None:
            return earlier, False
        recipient = self._recipient(notice)
        try:
            with self.session.begin_nested():  # the same notice lodged twice at once: the second one loses
                fine = self.new_fine(agency_id, recipient, notice)
        except IntegrityError:
            again = self._lodged(agency_id, notice)
            if again is None:
                raise
            return again, False
        self._audit("fine_lodged", fine, actor, notice_number=notice.notice_number)
        self.tell(fine, "fine_issued", "You have a new fine", f"Pay by {long_date(fine.due_date)}.")
        return fine, True

    def _lodged(self, agency_id: uuid.UUID, notice: Notice) -> Fine | None:
        """The fine already lodged with this notice number; raises NoticeNumberTaken if it differs."""
        earlier = self.session.scalars(
            select(Fine).where(Fine.agency_id == agency_id, Fine.notice_number == notice.notice_number)
        ).first()
        if earlier is not None and earlier.lodged_digest != notice.fingerprint():
            raise NoticeNumberTaken(f"Notice {notice.notice_number} was lodged with other details.")
        return earlier

    def of_account(self, account_id: uuid.UUID, *, state: str | None = None) -> list[Fine]:
        query = (
            select(Fine)
            .join(Person, Person.id == Fine.person_id)
            .where(Person.account_id == account_id)
            .order_by(Fine.notice_date.desc(), Fine.notice_number)
        )
        if state is not None:
            query = query.where(Fine.state == state)
        return list(self.session.scalars(query))

    def for_account(self, account_id: uuid.UUID, fine_id: uuid.UUID, *, lock: bool = False) -> Fine:
        # Ownership in the query itself, so that a lock is only ever taken on the caller's own fine.
        query = (
            select(Fine)
            .join(Person, Person.id == Fine.person_id)
            .where(Fine.id == fine_id, Person.account_id == account_id)
        )
        fine = self.session.scalars(query.with_for_update(of=Fine) if lock else query).first()
        if fine is None:
            raise NotFound("No such fine.")
        return fine

    def for_agency(self, agency_id: uuid.UUID, fine_id: uuid.UUID) -> Fine:
        # The agency in the locking query: no agency ever holds a lock on another's fine.
        fine = self.session.scalars(
            select(Fine).where(Fine.id == fine_id, Fine.agency_id == agency_id).with_for_update()
        ).first()
        if fine is None:
            raise NotFound("No such fine.")
        return fine

    def images(self, fine: Fine) -> list[FineImage]:
        return list(
            self.session.scalars(
                select(FineImage).where(FineImage.fine_id == fine.id).order_by(FineImage.position)
            )
        )

    def owed_cents(self, fine: Fine) -> int:
        """The penalty and its fees, less everything already captured towards the fine."""
        fees = sum(int(fee["amount_cents"]) for fee in fine.fees)
        return fine.amount_cents + fees - self._captured_cents(fine)

    def _captured_cents(self, fine: Fine) -> int:
        # Counted from the payments themselves, not from the plan: a missed plan is replaced by a new one,
        # but what was paid under it still counts. A capture refused as undue is not counted: it is refunded.
        paid = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.subject_id == fine.id, Payment.state == "captured"
        )
        return int(self.session.scalar(paid) or 0)

    def actions(self, fine: Fine) -> list[rules.Action]:
        return rules.allowed_actions(_facts(fine), self.today, self.rules)

    def payment_order(self, account_id: uuid.UUID, fine_id: uuid.UUID, amount_cents: int) -> Order:
        """Lock the fine and say what paying it now means: in full, or the next instalment of its plan.
        Raises FineActionRefused, AmountChanged."""
        fine = self.for_account(account_id, fine_id, lock=True)
        self.require(fine, "pay")
        purpose, owed, description = "fine", self.owed_cents(fine), f"Penalty notice {fine.notice_number}"
        if fine.plan is not None and fine.state == FineState.PAYMENT_PLAN:
            number, owed, _ = next_instalment(fine.plan)
            purpose, description = "fine_instalment", f"{description}, instalment {number}"
        if owed != amount_cents:
            raise AmountChanged(f"{owed} cents are owed now.", owed_cents=owed)
        return Order(fine.agency_id, purpose, fine.id, owed, description)

    def request_review(
        self, account_id: uuid.UUID, fine_id: uuid.UUID, *, category: str, text: str, actor: Actor
    ) -> Fine:
        """Raises ReviewAlreadyDecided if the fine was reviewed before, FineActionRefused if its state or the
        review window does not allow one."""
        fine = self.for_account(account_id, fine_id, lock=True)
        if _review_decided(fine):
            raise ReviewAlreadyDecided("A notice is reviewed once, and this one's review has been decided.")
        self.require(fine, "request_review")
        fine.held_from, fine.held_since = fine.state, self.today
        fine.review = {"category": category, "text": text, "requested_on": self.today.isoformat()}
        self.move(fine, FineEvent.REQUEST_REVIEW, actor)
        return fine

    def decide_review(
        self, agency_id: uuid.UUID, fine_id: uuid.UUID, *, decision: str, explanation: str, actor: Actor
    ) -> Fine:
        """withdraw, caution or uphold; the citizen reads ``explanation``. Upholding restarts the clock
        where the review stopped it."""
        fine = self.for_agency(agency_id, fine_id)
        event = {"withdraw": FineEvent.WITHDRAW, "caution": FineEvent.CAUTION, "uphold": FineEvent.UPHOLD}[
            decision
        ]
        if fine.state != FineState.UNDER_REVIEW:
            raise FineActionRefused(f"The fine is {fine.state.replace('_', ' ')}, not under review.")
        if event is FineEvent.UPHOLD and fine.deadline is not None and fine.held_since is not None:
            fine.deadline = rules.resumed_deadline(fine.deadline, fine.held_since, self.today)
        fine.review = {
            **(fine.review or {}),
            "decision": decision,
            "explanation": explanation,
            "decided_on": self.today.isoformat(),
        }
        self.move(fine, event, actor)
        fine.held_from = fine.held_since = None
        if event is FineEvent.UPHOLD:
            self.demerits.record_offence(fine, today=self.today, actor=actor)
        else:  # withdrawn or cautioned: points recorded by an earlier decision no longer count
            self.demerits.forget_offence(fine, actor=actor)
        self.tell(fine, "fine_review_decided", "Your review has been decided", explanation)
        return fine

    def withdraw(self, agency_id: uuid.UUID, fine_id: uuid.UUID, *, explanation: str, actor: Actor) -> Fine:
        """The agency withdraws its notice: nothing is owed, its points no longer count, enforcement ends.
        A fine already paid is withdrawn too; the caller refunds its payment."""
        fine = self.for_agency(agency_id, fine_id)
        self.move(fine, FineEvent.WITHDRAW, actor)
        mark_refunds_due(self.session, fine.id, now=self.clock.now())
        self.demerits.forget_offence(fine, actor=actor)
        self.demerits.sanctions.lift_for_fine(
            fine.id, today=self.today, reason="because the fine was withdrawn", actor=actor
        )
        self.tell(fine, "fine_withdrawn", "Your fine has been withdrawn", explanation)
        return fine

    def move(self, fine: Fine, event: FineEvent, actor: Actor) -> None:
        held = FineState(fine.held_from) if fine.held_from else None
        before = fine.state
        try:
            fine.state = rules.after(FineState(fine.state), event, held_from=held)
        except rules.IllegalTransition as refused:
            raise FineActionRefused(f"{str(refused).capitalize()}.") from None
        fine.updated_at = self.clock.now()
        self._audit("fine_" + event.value, fine, actor, before=before, after=fine.state)
        self.session.flush()

    def require(self, fine: Fine, action: str) -> None:
        """Raises FineActionRefused unless ``action`` is open now, and PaymentInProgress while a payment of
        the fine is under way (it decides first: a review or a nomination must not race a capture)."""
        if action not in {a.name for a in self.actions(fine)}:
            raise FineActionRefused(
                f"The fine is {fine.state.replace('_', ' ')}: {action.replace('_', ' ')} is closed."
            )
        if self.session.scalar(select(in_flight(fine.id))):
            raise PaymentInProgress("A payment of this fine is under way; wait until it is decided.")

    def _recipient(self, notice: Notice) -> Person:
        if notice.licence_number is not None:
            return self.licence_holder(notice.licence_number)
        vehicle = self.session.scalars(select(Vehicle).where(Vehicle.plate == notice.plate)).first()
        if vehicle is None:
            raise UnknownPlate()
        return self.session.get_one(Person, vehicle.operator_id)

    def licence_holder(self, licence_number: str) -> Person:
        holder = licence_holder(self.session, licence_number)
        if holder is None:
            raise UnknownLicence()
        return holder

    def new_fine(self, agency_id: uuid.UUID, person: Person, notice: Notice) -> Fine:
        now = self.clock.now()
        fine = Fine(
            id=new_id(),
            agency_id=agency_id,
            notice_number=notice.notice_number,
            lodged_digest=notice.fingerprint(),
            person_id=person.id,
            offence_code=notice.offence_code,
            offence_description=notice.offence_description,
            offence_at=notice.offence_at,
            place=notice.place,
            detection=notice.detection,
            amount_cents=notice.amount_cents,
            points=notice.points,
            notice_date=self.today,
            due_date=notice.due_date,
            state=FineState.ISSUED,
            deadline=notice.due_date,
            fees=[],
            created_at=now,
            updated_at=now,
        )
        self.session.add(fine)
        for position, (content_type, data) in enumerate(notice.images):
            self.session.add(
                FineImage(
                    id=new_id(), fine_id=fine.id, position=position, content_type=content_type, data=data
                )
            )
        self.session.flush()
        return fine

    def tell(self, fine: Fine, kind: str, title: str, body: str) -> None:
        notify_person(
            self.session,
            person_id=fine.person_id,
            kind=kind,
            title=title,
            body=body,
            reason=f"because of penalty notice {fine.notice_number}: {fine.offence_description}",
            at=self.clock.now(),
            data={"fine_id": str(fine.id)},
        )

    def _audit(self, event: str, fine: Fine, actor: Actor, **details: Any) -> None:
        record(
            self.session,
            event=event,
            actor=actor,
            at=self.clock.now(),
            subject=("fine", str(fine.id)),
            **details,
        )


def _facts(fine: Fine) -> FineFacts:
    return FineFacts(
        state=FineState(fine.state),
        notice_date=fine.notice_date,
        deadline=fine.deadline,
        detection=fine.detection,
        reviewed=_review_decided(fine),
    )


def _review_decided(fine: Fine) -> bool:
    return fine.review is not None and "decision" in fine.review
