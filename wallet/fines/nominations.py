"""Nominating the driver: the notice, and the demerit points that come with it, move to another licence
holder, who gets a fresh period to deal with it. Only for offences where no officer identified the driver."""

from __future__ import annotations

import uuid

from wallet.agencies.models import Person
from wallet.audit.service import Actor
from wallet.fines.errors import NotNominable, StatutoryDeclarationRequired
from wallet.fines.models import Fine
from wallet.fines.rules import FineEvent
from wallet.fines.service import FineService, Notice
from wallet.wording import long_date


class Nominations:
    def __init__(self, fines: FineService) -> None:
        self.fines = fines

    def nominate(
        self, account_id: uuid.UUID, fine_id: uuid.UUID, *, licence_number: str, declared: bool, actor: Actor
    ) -> Fine:
        """Name the driver: the notice (and its points) moves to them, with a fresh period to deal with it."""
        if not declared:
            raise StatutoryDeclarationRequired()
        fine = self.fines.for_account(account_id, fine_id, lock=True)
        if fine.nominated_from_id is not None:  # or the notice could go round for ever
            raise NotNominable("This notice was nominated to you: it cannot be nominated again.")
        if fine.detection not in self.fines.rules.nominable_detections:
            raise NotNominable("The officer identified the driver when the offence happened.")
        self.fines.require(fine, "nominate")
        nominee = self.fines.licence_holder(licence_number)
        if nominee.id == fine.person_id:
            raise NotNominable("Nominate another driver, not yourself.")
        self.fines.move(fine, FineEvent.NOMINATE, actor)
        fine.nominee_person_id = nominee.id
        # Points an upheld review recorded were the nominator's only while the notice was theirs.
        self.fines.demerits.forget_offence(fine, actor=actor)
        moved = self._nominee_fine(fine, nominee)
        self.fines.tell(
            moved,
            "fine_issued",
            "You have been nominated as the driver",
            f"Pay by {long_date(moved.due_date)}.",
        )
        return fine

    def _nominee_fine(self, fine: Fine, nominee: Person) -> Fine:
        images = tuple((image.content_type, image.data) for image in self.fines.images(fine))
        notice = Notice(
            notice_number=f"{fine.notice_number}-N",
            licence_number=None,
            plate=None,
            offence_code=fine.offence_code,
            offence_description=fine.offence_description,
            offence_at=fine.offence_at,
            place=fine.place,
            detection=fine.detection,
            amount_cents=fine.amount_cents,
            points=fine.points,
            due_date=self.fines.today + self.fines.rules.nominee_period,
            images=images,
        )
        moved = self.fines.new_fine(fine.agency_id, nominee, notice)
        moved.nominated_from_id = fine.id
        self.fines.session.flush()
        return moved
