"""Granting the card of an approved application.

The applicant gets (or keeps) a record at the issuing agency, linked to their account, and a credential
authorisation for the card. Their app then collects the card at the agency's credential endpoint with its
own session, so no offer code has to reach them: the offer that ``authorise`` makes is simply never shown.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet.agencies.models import Agency, Person
from wallet.agencies.service import AgencyService
from wallet.applications.models import Application
from wallet.applications.rules import anniversary, confirmed_birthdate
from wallet.audit.service import Actor
from wallet.issuance.offers import OfferService
from wallet.issuance.service import issuer_url
from wallet.links.models import PersonIdentifier

CARD_NUMBER_DIGITS = 12  # within the card schema's 4 to 16, and short enough to read out over the phone
CARD_NUMBER_TRIES = 5


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose name and birthdate go on the card."""

    given_name: str
    family_name: str
    birthdate: date


def holder_of(person: Person) -> Holder:
    return Holder(person.given_name, person.family_name, person.birthdate)


def card_claims(holder: Holder, number: str, issued: date, years: int) -> dict[str, Any]:
    return {
        "given_name": holder.given_name,
        "family_name": holder.family_name,
        "birthdate": holder.birthdate.isoformat(),
        "card_number": number,
        "issue_date": issued.isoformat(),
        "expiry_date": anniversary(issued, years).isoformat(),
    }


class CardDesk:
    def __init__(
        self, session: Session, *, agencies: AgencyService, offers: OfferService, base_url: str
    ) -> None:
        self.session = session
        self.agencies = agencies
        self.offers = offers
        self.base_url = base_url

    def record_at(self, agency: Agency, account_id: uuid.UUID) -> Person | None:
        """The agency's newest record already linked to the account, if it has one."""
        return self.session.scalars(
            select(Person)
            .where(Person.agency_id == agency.id, Person.account_id == account_id)
            .order_by(Person.created_at.desc())
            .limit(1)
        ).first()

    def suspended(self, agency: Agency, account_id: uuid.UUID, slot: Iterable[str]) -> bool:
        """Whether the account's record at the agency holds a suspended card of any type of ``slot``: a new
        one would replace it, and so lift the suspension."""
        person = self.record_at(agency, account_id)
        statuses = self.offers.statuses
        return person is not None and any(statuses.suspended(agency.id, person.id, t) for t in slot)

    def confirmed_record(self, account_id: uuid.UUID, today: date) -> Person | None:
        """The oldest record linked to the account, if all its linked records agree on a birthdate that is
        not after ``today``."""
        records = list(
            self.session.scalars(
                select(Person).where(Person.account_id == account_id).order_by(Person.created_at, Person.id)
            )
        )
        return records[0] if confirmed_birthdate([r.birthdate for r in records], today) else None

    def open_record(self, agency: Agency, application: Application, holder: Holder) -> Person:
        """A new record at the agency for the applicant, linked to their account."""
        person = self.agencies.create_person(
            agency.id,
            agency_ref=f"application-{application.id}",  # unique, and says where the record came from
            given_name=holder.given_name,
            family_name=holder.family_name,
            birthdate=holder.birthdate,
        )
        person.account_id = application.account_id
        self.session.flush()
        return person

    def grant(
        self,
        application: Application,
        agency: Agency,
        person: Person,
        *,
        card_type: str,
        slot: Iterable[str],
        issued: date,
        years: int,
        actor: Actor,
    ) -> None:
        """Authorise ``card_type`` for ``person`` in place of any card of ``slot`` (the types of which a
        person holds one) in force; the application keeps the card and its authorisation.

        Raises ClaimsInvalid when the record does not fit the card (a name longer than the card takes),
        AuthorisationSuspended when a card of the slot is suspended.
        """
        number = self._new_card_number(agency)
        offer = self.offers.authorise(
            agency,
            person_id=person.id,
            credential_type=card_type,
            claims=card_claims(holder_of(person), number, issued, years),
            issuer=issuer_url(self.base_url, agency.slug),
            actor=actor,
            announce=False,  # the decision's own notification says the card is ready
        )
        # After ``authorise``, which locks the person first (the lock order of wallet.issuance.status), and
        # replaced as it replaces one of its own type: a Seniors Card and a Senior Savers Card never both.
        for other in set(slot) - {card_type}:
            self.offers.statuses.replace_authorisation(agency.id, person.id, other, actor=actor)
        application.card_type = card_type
        application.card_number = number
        application.authorisation_id = offer.authorisation.id

    def _new_card_number(self, agency: Agency) -> str:
        # Random, so that a number says nothing about how many cards exist. Checked against the numbers the
        # agency has given out itself (its person identifiers) as well as ours: a few million cards in 10^12
        # numbers make a collision likely over the years. The unique constraint is the backstop for races.
        for _ in range(CARD_NUMBER_TRIES):
            number = f"{secrets.randbelow(10**CARD_NUMBER_DIGITS):0{CARD_NUMBER_DIGITS}d}"
            if not self._card_number_taken(agency, number):
                return number
        raise RuntimeError("no free card number after several tries")

    def _card_number_taken(self, agency: Agency, number: str) -> bool:
        given = select(PersonIdentifier.id).where(
            PersonIdentifier.agency_id == agency.id,
            PersonIdentifier.kind == "card_number",
            PersonIdentifier.value == number,
        )
        ours = select(Application.id).where(Application.card_number == number)
        return self.session.scalar(given.union_all(ours).limit(1)) is not None
