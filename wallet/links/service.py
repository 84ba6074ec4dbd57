"""Linking a citizen's account to agency records: by the licence and card numbers printed on their card
(as the NSW app does), or by a one-time code the agency hands them.

Attempts are limited per account, and every failure gets the same answer.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from limits import RateLimitItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from wallet.agencies.models import Agency, Person
from wallet.audit.service import Actor, record
from wallet.clock import Clock
from wallet.db import use_once
from wallet.digests import digest
from wallet.errors import NotFound
from wallet.links.errors import IdentifierInUse, NoMatchingRecord
from wallet.links.models import LinkCode, PersonIdentifier
from wallet.ratelimit import RateLimiter

IDENTIFIER_CLAIMS = ("licence_number", "card_number")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over a counter or a phone
CODE_LENGTH = 10
CODE_LIFETIME = timedelta(days=7)


def _code_digest(code: str) -> bytes:
    return digest(code.strip().upper())  # read out or typed: case and spaces do not matter


def record_identifiers(
    session: Session, agency_id: uuid.UUID, person_id: uuid.UUID, claims: Mapping[str, Any]
) -> None:
    """Note the numbers a credential's claims carry, so the person can later link by them.

    Raises IdentifierInUse when one already belongs to another person of the agency.
    """
    for kind in IDENTIFIER_CLAIMS:
        value = claims.get(kind)
        if not isinstance(value, str):
            continue
        owner = _owner(session, agency_id, kind, value)
        if owner is None:
            try:
                with session.begin_nested():
                    session.add(
                        PersonIdentifier(agency_id=agency_id, person_id=person_id, kind=kind, value=value)
                    )
            except IntegrityError:  # taken by a concurrent request just now
                owner = _owner(session, agency_id, kind, value)
        if owner not in (None, person_id):
            raise IdentifierInUse(f"{kind} {value} belongs to another record")


def _owner(session: Session, agency_id: uuid.UUID, kind: str, value: str) -> uuid.UUID | None:
    return session.scalar(
        select(PersonIdentifier.person_id).where(
            PersonIdentifier.agency_id == agency_id,
            PersonIdentifier.kind == kind,
            PersonIdentifier.value == value,
        )
    )


def licence_holder(session: Session, licence_number: str) -> Person | None:
    """The one person record that carries this licence number, whichever agency keeps it; None if none
    (or, which the unique identifiers should prevent, more than one) does."""
    holders = session.scalars(
        select(Person)
        .join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
        .where(PersonIdentifier.kind == "licence_number", PersonIdentifier.value == licence_number)
    ).all()
    return holders[0] if len(holders) == 1 else None


class LinkService:
    def __init__(
        self, session: Session, *, clock: Clock, limiter: RateLimiter, rules: Sequence[RateLimitItem]
    ) -> None:
        self.session = session
        self.clock = clock
        self.limiter = limiter
        self.rules = rules

    def by_card(
        self, account_id: uuid.UUID, *, licence_number: str, card_number: str, actor: Actor
    ) -> Person:
        """Raises RateLimited or NoMatchingRecord."""
        self._throttle(account_id)
        licence, card = aliased(PersonIdentifier), aliased(PersonIdentifier)
        person_id = self.session.scalar(
            select(licence.person_id)
            .join(card, (card.person_id == licence.person_id) & (card.agency_id == licence.agency_id))
            .where(
                licence.kind == "licence_number",
                licence.value == licence_number.strip(),
                card.kind == "card_number",
                card.value == card_number.strip(),
            )
        )
        return self._link(account_id, person_id, actor)

    def by_code(self, account_id: uuid.UUID, *, agency: str, code: str, actor: Actor) -> Person:
        """Raises RateLimited or NoMatchingRecord."""
        self._throttle(account_id)
        link_code = self.session.scalar(
            select(LinkCode)
            .join(Agency, Agency.id == LinkCode.agency_id)
            .where(Agency.slug == agency, LinkCode.code_digest == _code_digest(code))
        )
        if link_code is None or not self._spend(link_code):
            raise NoMatchingRecord()
        return self._link(account_id, link_code.person_id, actor)

    def _throttle(self, account_id: uuid.UUID) -> None:
        refusal = "Too many attempts to link a record; try again later."
        self.limiter.take(self.rules, "link-account", str(account_id), refusal=refusal)

    def _spend(self, link_code: LinkCode) -> bool:
        now = self.clock.now()
        return use_once(
            self.session, LinkCode.used_at, LinkCode.id == link_code.id, LinkCode.expires_at > now, at=now
        )

    def _link(self, account_id: uuid.UUID, person_id: uuid.UUID | None, actor: Actor) -> Person:
        person = self.session.get(Person, person_id) if person_id else None
        if person is None or person.account_id not in (None, account_id):
            raise NoMatchingRecord()
        person.account_id = account_id
        record(
            self.session,
            event="record_linked",
            actor=actor,
            at=self.clock.now(),
            subject=("person", str(person.id)),
            agency_id=str(person.agency_id),
        )
        self.session.flush()
        return person

    def issue_code(self, agency_id: uuid.UUID, person_id: uuid.UUID) -> tuple[str, datetime]:
        """A one-time code for one of the agency's people (shown once). Raises NotFound for another's."""
        person = self.session.get(Person, person_id)
        if person is None or person.agency_id != agency_id:
            raise NotFound("No such person record.")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires_at = self.clock.now() + CODE_LIFETIME
        self.session.add(
            LinkCode(
                agency_id=agency_id,
                person_id=person_id,
                code_digest=_code_digest(code),
                created_at=self.clock.now(),
                expires_at=expires_at,
            )
        )
        self.session.flush()
        return code, expires_at

    def linked(self, account_id: uuid.UUID) -> list[tuple[Person, Agency]]:
        rows = self.session.execute(
            select(Person, Agency)
            .join(Agency, Agency.id == Person.agency_id)
            .where(Person.account_id == account_id)
        )
        return [(person, agency) for person, agency in rows]
