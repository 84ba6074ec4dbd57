"""Agencies, their OAuth clients (client credentials grant), and their people records.

Client secrets are 256-bit random strings, kept as SHA-256 digests: with that much entropy a slow hash
adds nothing. Every query for agency data is filtered by the calling agency, so one agency can never reach
another's records; a record of another agency is simply not found.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.agencies.errors import (
    AgencyExists,
    InvalidClient,
    InvalidScope,
    PersonExists,
    UnknownAgency,
)
from wallet.agencies.models import Agency, AgencyClient, Person
from wallet.audit.service import Actor, record
from wallet.auth.tokens import AccessTokens
from wallet.clock import Clock
from wallet.digests import digest
from wallet.errors import InvalidField, NotFound

SCOPES = frozenset(
    {
        "people:read",
        "people:write",
        "credentials:issue",
        "credentials:revoke",
        "fines:write",
        "demerits:write",
        "vehicles:write",
        "applications:decide",
    }
)
_DECOY_DIGEST = digest("no such client")
# UTC+14 (Line Islands): the first place where a date begins.
FURTHEST_AHEAD_OF_UTC = timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class ClientToken:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True, slots=True)
class NewClient:
    client: AgencyClient
    secret: str  # shown once, never stored


def parse_scopes(text: str | None) -> frozenset[str]:
    """Space-separated scopes -> a set. Raises InvalidScope for a scope we do not know."""
    scopes = frozenset((text or "").split())
    unknown = scopes - SCOPES
    if unknown:
        raise InvalidScope(f"unknown scope: {' '.join(sorted(unknown))}")
    return scopes


class AgencyService:
    def __init__(
        self, session: Session, *, clock: Clock, tokens: AccessTokens, audience: str, token_ttl: int
    ) -> None:
        self.session = session
        self.clock = clock
        self.tokens = tokens
        self.audience = audience
        self.token_ttl = token_ttl

    def create_agency(self, *, slug: str, name: str) -> Agency:
        """Raises AgencyExists."""
        agency = Agency(slug=slug, name=name, created_at=self.clock.now())
        try:
            with self.session.begin_nested():
                self.session.add(agency)
        except IntegrityError:
            raise AgencyExists() from None
        return agency

    def find_agency(self, slug: str) -> Agency:
        """Raises UnknownAgency."""
        agency = self.session.scalar(select(Agency).where(Agency.slug == slug))
        if agency is None:
            raise UnknownAgency(f"no agency {slug!r}")
        return agency

    def create_client(self, agency: Agency, *, name: str, scopes: Iterable[str], actor: Actor) -> NewClient:
        """Provision a client; the secret in the result is the only copy there will ever be."""
        granted = parse_scopes(" ".join(scopes))
        secret = secrets.token_urlsafe(32)
        client = AgencyClient(
            agency_id=agency.id,
            client_id=f"{agency.slug}-{secrets.token_hex(8)}",
            secret_digest=digest(secret),
            name=name,
            scopes=" ".join(sorted(granted)),
            created_at=self.clock.now(),
        )
        self.session.add(client)
        self.session.flush()
        record(
            self.session,
            event="agency_client_created",
            actor=actor,
            at=client.created_at,
            subject=("agency_client", client.client_id),
            scopes=client.scopes,
        )
        return NewClient(client, secret)

    def authenticate_client(self, client_id: str, secret: str, *, actor: Actor) -> AgencyClient:
        """The enabled client with this id and secret. Raises InvalidClient, and audits the failure."""
        client = self.session.scalar(select(AgencyClient).where(AgencyClient.client_id == client_id))
        expected = client.secret_digest if client else _DECOY_DIGEST
        matches = hmac.compare_digest(expected, digest(secret))
        if client is None or not matches or client.disabled_at is not None:
            record(
                self.session,
                event="agency_client_auth_failed",
                actor=actor,
                at=self.clock.now(),
                subject=("agency_client", client_id[:128]),
            )
            raise InvalidClient()
        return client

    def client_is_active(self, client_id: str) -> bool:
        """Whether the client exists and is not disabled: a disabled client's tokens stop at once."""
        return (
            self.session.scalar(
                select(AgencyClient.id).where(
                    AgencyClient.client_id == client_id, AgencyClient.disabled_at.is_(None)
                )
            )
            is not None
        )

    def issue_token(self, client: AgencyClient, *, requested: str | None, actor: Actor) -> ClientToken:
        """An access token for the requested scopes (all granted ones when none are asked for).

        Raises InvalidScope when asking for a scope the client was not granted.
        """
        granted = frozenset(client.scopes.split())
        scopes = parse_scopes(requested) or granted
        if not scopes <= granted:
            raise InvalidScope(f"not granted: {' '.join(sorted(scopes - granted))}")
        scope = " ".join(sorted(scopes))
        token = self.tokens.mint(
            subject=client.client_id,
            audience=self.audience,
            ttl=self.token_ttl,
            scope=scope,
            agency=str(client.agency_id),
        )
        record(
            self.session,
            event="agency_token_issued",
            actor=actor,
            at=self.clock.now(),
            subject=("agency_client", client.client_id),
            scope=scope,
        )
        return ClientToken(token, self.token_ttl, scope)

    def create_person(
        self,
        agency_id: uuid.UUID,
        *,
        agency_ref: str,
        given_name: str,
        family_name: str,
        birthdate: date,
    ) -> Person:
        """Raises InvalidField for a birthdate after today, PersonExists when the agency already has this
        record number."""
        self._check_birthdate(birthdate)
        person = Person(
            agency_id=agency_id,
            agency_ref=agency_ref,
            given_name=given_name,
            family_name=family_name,
            birthdate=birthdate,
            created_at=self.clock.now(),
        )
        try:
            with self.session.begin_nested():
                self.session.add(person)
        except IntegrityError:
            raise PersonExists() from None
        return person

    def update_person(self, agency_id: uuid.UUID, person_id: uuid.UUID, changes: dict[str, object]) -> Person:
        """Apply validated changes to one of the agency's records. Raises NotFound, or InvalidField for a
        birthdate after today."""
        person = self.get_person(agency_id, person_id)
        if "birthdate" in changes:
            self._check_birthdate(changes["birthdate"])
        for name, value in changes.items():
            setattr(person, name, value)
        self.session.flush()
        return person

    def _check_birthdate(self, birthdate: object) -> None:
        # Today anywhere: a date after the one in the time zone furthest ahead has not come for anyone yet.
        if isinstance(birthdate, date) and birthdate > (self.clock.now() + FURTHEST_AHEAD_OF_UTC).date():
            raise InvalidField("birthdate", "Must not be after today.")

    def get_person(self, agency_id: uuid.UUID, person_id: uuid.UUID) -> Person:
        """The agency's own person record. Raises NotFound, also for another agency's record."""
        person = self.session.scalar(
            select(Person).where(Person.id == person_id, Person.agency_id == agency_id)
        )
        if person is None:
            raise NotFound("No such person record.")
        return person
