"""Authorising a credential and offering it over OpenID4VCI's pre-authorized code flow.

The pre-authorized code (256 bits) and the 6-digit transaction code are kept as digests only; the code is
single use and short lived; a transaction code may be mistyped a few times, after which the offer is dead.
Nonces (``c_nonce``) are single use and short lived too.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import marshmallow as ma
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG, CredentialType
from issuers.sdjwt import prepare_claims
from wallet.agencies.models import Agency, Person
from wallet.audit.service import Actor
from wallet.auth.tokens import AccessTokens
from wallet.clock import Clock
from wallet.db import use_once
from wallet.digests import digest
from wallet.errors import NotFound
from wallet.issuance.errors import (
    AuthorisationSuspended,
    AuthorisationWithdrawn,
    ClaimsInvalid,
    InvalidGrant,
    InvalidGrantKept,
    InvalidTokenRequest,
    UnknownCredentialType,
)
from wallet.issuance.events import tell_holder
from wallet.issuance.models import CredentialAuthorisation, CredentialOffer, IssuanceNonce
from wallet.issuance.status import StatusChanges
from wallet.links.service import record_identifiers

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_LIFETIME = timedelta(minutes=15)
NONCE_LIFETIME = timedelta(minutes=5)
ISSUANCE_TOKEN_TTL = 300
TX_CODE_DIGITS = 6
MAX_TX_CODE_FAILURES = 5


@dataclass(frozen=True, slots=True)
class Offer:
    authorisation: CredentialAuthorisation
    offer: dict[str, Any]
    uri: str
    tx_code: str  # given to the person by another channel (read out at the counter, sent by SMS)


def configuration_ids(ctype: CredentialType) -> list[str]:
    """What one authorisation lets its holder request: the type, and its companion if it has one."""
    return [ctype.id, ctype.companion] if ctype.companion else [ctype.id]


class OfferService:
    def __init__(
        self, session: Session, *, clock: Clock, tokens: AccessTokens, statuses: StatusChanges
    ) -> None:
        self.session = session
        self.clock = clock
        self.tokens = tokens
        self.statuses = statuses

    def authorise(
        self,
        agency: Agency,
        *,
        person_id: uuid.UUID,
        credential_type: str,
        claims: dict[str, Any],
        issuer: str,
        actor: Actor,
        announce: bool = True,
    ) -> Offer:
        """Authorise a credential for one of the agency's people and make its offer. It replaces the
        person's authorisation of that type in force, whose credentials are revoked.

        ``announce=False`` for a caller that tells the citizen itself (an approved application).

        Raises NotFound (not the agency's person), UnknownCredentialType, ClaimsInvalid,
        AuthorisationSuspended (the one in force is suspended).
        """
        # Locked first (see the lock order in wallet.issuance.status): two authorisations at once for
        # one person take turns, so the second replaces the first rather than standing beside it.
        person = self.session.get(
            Person, person_id, with_for_update={"key_share": True}, populate_existing=True
        )
        if person is None or person.agency_id != agency.id:
            raise NotFound("No such person record.")
        ctype = CATALOG.get(credential_type)
        if ctype is None or ctype.agency != agency.slug or not ctype.takes_claims:
            raise UnknownCredentialType(f"{agency.slug} does not issue {credential_type!r}")
        try:
            prepare_claims(ctype, claims, ctype.local_date(self.clock.now()))
        except ma.ValidationError as e:
            raise ClaimsInvalid(errors=e.messages) from None
        self.statuses.replace_authorisation(agency.id, person.id, ctype.id, actor=actor)
        authorisation = CredentialAuthorisation(
            agency_id=agency.id,
            person_id=person.id,
            credential_type=ctype.id,
            claims=claims,
            created_at=self.clock.now(),
        )
        self.session.add(authorisation)
        self.session.flush()
        record_identifiers(self.session, agency.id, person.id, claims)
        # Offered to the citizen's app too when their account is linked: it collects the credential with
        # its own session, no code needed.
        if announce:
            tell_holder(
                self.session,
                person_id=person.id,
                credential_type=ctype.id,
                kind="credential_issued",
                reason=f"by {agency.name}",
                at=self.clock.now(),
            )
        return self._offer(authorisation, ctype, issuer)

    def offer_again(self, authorisation: CredentialAuthorisation, *, issuer: str) -> Offer:
        """A new offer of an authorisation in force, for another phone of the holder's: unlike a new
        authorisation, it leaves what was issued as it is. Raises AuthorisationWithdrawn,
        AuthorisationSuspended (it, or a card issued from it, is suspended)."""
        authorisation = self.statuses.hold(authorisation.id)
        if authorisation.state == "withdrawn":
            raise AuthorisationWithdrawn()
        if self.statuses.suspended_from(authorisation):
            raise AuthorisationSuspended()
        return self._offer(authorisation, CATALOG[authorisation.credential_type], issuer)

    def _offer(self, authorisation: CredentialAuthorisation, ctype: CredentialType, issuer: str) -> Offer:
        code = secrets.token_urlsafe(32)
        tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_DIGITS))
        now = self.clock.now()
        self.session.add(
            CredentialOffer(
                authorisation_id=authorisation.id,
                code_digest=digest(code),
                tx_code_digest=digest(code, tx_code),
                created_at=now,
                expires_at=now + OFFER_LIFETIME,
            )
        )
        offer = {
            "credential_issuer": issuer,
            "credential_configuration_ids": configuration_ids(ctype),
            "grants": {
                PRE_AUTHORIZED_GRANT: {
                    "pre-authorized_code": code,
                    "tx_code": {
                        "input_mode": "numeric",
                        "length": TX_CODE_DIGITS,
                        "description": "The code the service centre gave you",
                    },
                }
            },
        }
        uri = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer, separators=(",", ":")))
        return Offer(authorisation, offer, uri, tx_code)

    def redeem(self, agency: Agency, *, code: str, tx_code: str | None, issuer: str) -> tuple[str, int]:
        """Trade a pre-authorized code and its transaction code for a credential endpoint access token.

        Raises InvalidTokenRequest (no transaction code) or InvalidGrant (anything else wrong).
        """
        if not tx_code:
            raise InvalidTokenRequest("this offer needs its transaction code (tx_code)")
        # Locked: concurrent guesses at one offer's transaction code must each be counted.
        offer = self.session.scalar(
            select(CredentialOffer).where(CredentialOffer.code_digest == digest(code)).with_for_update()
        )
        authorisation = self.session.get(CredentialAuthorisation, offer.authorisation_id) if offer else None
        if offer is None or authorisation is None or authorisation.agency_id != agency.id:
            raise InvalidGrant()
        if authorisation.state != "active":
            raise InvalidGrant("the authorisation behind this offer has been withdrawn or suspended")
        now = self.clock.now()
        if (
            offer.used_at is not None
            or offer.expires_at <= now
            or offer.failed_attempts >= MAX_TX_CODE_FAILURES
        ):
            raise InvalidGrant()
        if not secrets.compare_digest(offer.tx_code_digest, digest(code, tx_code)):
            offer.failed_attempts += 1
            raise InvalidGrantKept()
        if not self._spend(offer):
            raise InvalidGrant()
        ctype = CATALOG[authorisation.credential_type]
        token = self.tokens.mint(
            subject=str(authorisation.id),
            audience=issuer,
            ttl=ISSUANCE_TOKEN_TTL,
            authorisation=str(authorisation.id),
            credential_configuration_ids=configuration_ids(ctype),
        )
        return token, ISSUANCE_TOKEN_TTL

    def _spend(self, offer: CredentialOffer) -> bool:
        """Mark the code used: of two requests racing with one code, only one wins."""
        return use_once(
            self.session, CredentialOffer.used_at, CredentialOffer.id == offer.id, at=self.clock.now()
        )

    def new_nonce(self) -> str:
        nonce = secrets.token_urlsafe(24)
        self.session.add(IssuanceNonce(digest=digest(nonce), expires_at=self.clock.now() + NONCE_LIFETIME))
        self.session.flush()
        return nonce

    def spend_nonce(self, nonce: str) -> bool:
        """Use up a nonce; False if it is unknown, used or expired."""
        now = self.clock.now()
        return use_once(
            self.session,
            IssuanceNonce.used_at,
            IssuanceNonce.digest == digest(nonce),
            IssuanceNonce.expires_at > now,
            at=now,
        )


def purge_expired(session: Session, *, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Delete nonces and unredeemed offers that expired more than ``keep`` ago: they can never be used,
    and the nonce endpoint is open to anyone. Returns how many rows went."""
    cutoff = now - keep
    nonces = session.execute(delete(IssuanceNonce).where(IssuanceNonce.expires_at < cutoff))
    offers = session.execute(
        delete(CredentialOffer).where(CredentialOffer.expires_at < cutoff, CredentialOffer.used_at.is_(None))
    )
    return int(nonces.rowcount + offers.rowcount)  # type: ignore[attr-defined]
