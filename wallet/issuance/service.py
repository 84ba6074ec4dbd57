"""Issuing credentials at the credential endpoint, and changing their status afterwards.

Every proof in a request is checked before anything is written; then each proven key gets its own
credential, with its own random status index. A companion (the proof-of-age credential) is bound to the
licence issued to the same key, and shares its fate: a status change of the licence reaches it too.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG, CredentialType
from issuers.sdjwt import Minted, StatusReference, mint, prepare_claims
from keys import KeyStore, SigningKey
from wallet.agencies.models import Agency, Person
from wallet.audit.service import Actor, record
from wallet.clock import Clock
from wallet.db import flushed_connection, new_id
from wallet.errors import NotFound
from wallet.issuance.errors import (
    CredentialRequestDenied,
    InvalidCredentialRequest,
    InvalidNonce,
    InvalidProof,
    UnknownCredentialConfiguration,
)
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.offers import OfferService, configuration_ids
from wallet.issuance.proofs import ProvenKey, check_proof
from wallet.issuance.statuslists import ListSigner

BATCH_SIZE = 10
CREDENTIAL_LIFETIME = timedelta(days=30)
MIN_COMPANION_LIFETIME = timedelta(seconds=1)


def issuer_url(base_url: str, agency_slug: str) -> str:
    return f"{base_url}/issuers/{agency_slug}"


def issuer_keys(agency_slug: str) -> str:
    return f"issuer:{agency_slug}"


def companion_lifetime(licence_expires_at: datetime, now: datetime) -> timedelta:
    """A companion never outlives its licence: it shares its fate, expiry included."""
    return max(timedelta(0), min(CREDENTIAL_LIFETIME, licence_expires_at - now))


class IssuanceService:
    def __init__(
        self, session: Session, *, clock: Clock, keystore: KeyStore, offers: OfferService, base_url: str
    ) -> None:
        self.session = session
        self.clock = clock
        self.keystore = keystore
        self.offers = offers
        self.base_url = base_url
        self.statuses = offers.statuses  # one set of status changes per session, shared with the offers
        self.lists = self.statuses.lists

    def signer(self, agency: Agency) -> ListSigner:
        return ListSigner(
            self.keystore.active(issuer_keys(agency.slug)), issuer_url(self.base_url, agency.slug)
        )

    def authorisation_for_account(
        self, agency: Agency, account_id: uuid.UUID, configuration_id: str
    ) -> CredentialAuthorisation:
        """The newest active authorisation, at this agency, of a person linked to the account, covering the
        requested configuration. Raises CredentialRequestDenied."""
        candidates = self.session.scalars(
            select(CredentialAuthorisation)
            .join(Person, Person.id == CredentialAuthorisation.person_id)
            .where(
                Person.account_id == account_id,
                CredentialAuthorisation.agency_id == agency.id,
                CredentialAuthorisation.state == "active",
            )
            .order_by(CredentialAuthorisation.created_at.desc())
        )
        for authorisation in candidates:
            if configuration_id in configuration_ids(CATALOG[authorisation.credential_type]):
                return authorisation
        raise CredentialRequestDenied("no record linked to this account authorises that credential")

    def issue(
        self,
        agency: Agency,
        authorisation: CredentialAuthorisation,
        configuration_id: str,
        proofs: list[str],
        *,
        actor: Actor,
        device_keys: frozenset[str] | None = None,
    ) -> list[str]:
        """One credential per proven key. Raises the OpenID4VCI credential errors; writes nothing then.

        ``device_keys``: when the caller is a citizen's app session, the thumbprints of the account's
        registered devices; a credential binds to no other key (a lost phone, once removed, gets nothing).
        """
        # Issuances from one authorisation take turns: each retires the copy the one before it left on the
        # same phone (two at once would otherwise both leave a valid copy), and a withdrawal, suspension
        # or new claims committed meanwhile are seen before anything is signed.
        self.statuses.hold(authorisation.id)
        ctype = self._configuration(agency, authorisation, configuration_id)
        keys = self._proven_keys(proofs, issuer_url(self.base_url, agency.slug))
        if device_keys is not None and any(key.thumbprint not in device_keys for key in keys):
            raise InvalidProof(
                "credentials bind only to a registered device of this account: register it first"
            )
        allocated: Counter[uuid.UUID] = Counter()
        changed: set[uuid.UUID] = set()
        issued = [self._issue_one(agency, authorisation, ctype, k, actor, allocated, changed) for k in keys]
        # Counted last, once for the batch: on PostgreSQL this update holds the list's row, which every
        # issuance at the agency updates, until the commit; after the signing, it is held briefly.
        self.lists.record_batch(allocated, changed)
        return issued

    def _configuration(
        self, agency: Agency, authorisation: CredentialAuthorisation, configuration_id: str
    ) -> CredentialType:
        ctype = CATALOG.get(configuration_id)
        if ctype is None or ctype.agency != agency.slug:
            raise UnknownCredentialConfiguration(f"{configuration_id!r} is not issued here")
        if configuration_id not in configuration_ids(CATALOG[authorisation.credential_type]):
            raise CredentialRequestDenied("the access token does not cover that credential")
        if self.statuses.suspended_from(authorisation):
            raise CredentialRequestDenied("the card is suspended: no new copy until the agency reinstates it")
        if authorisation.state != "active":
            raise CredentialRequestDenied("the authorisation has been withdrawn")
        self._not_expired(authorisation)
        return ctype

    def _not_expired(self, authorisation: CredentialAuthorisation) -> None:
        """A card past its expiry date (on the agency's calendar) gets no new credential: it would be born
        expired. The agency renews the card (new claims) first."""
        expiry = authorisation.claims.get("expiry_date")
        today = CATALOG[authorisation.credential_type].local_date(self.clock.now())
        if expiry is not None and date.fromisoformat(str(expiry)) < today:
            raise CredentialRequestDenied(f"the card expired on {expiry}; it must be renewed first")

    def _proven_keys(self, proofs: list[str], issuer: str) -> list[ProvenKey]:
        if not proofs:
            raise InvalidProof("send at least one key proof in proofs.jwt")
        if len(proofs) > BATCH_SIZE:
            raise InvalidCredentialRequest(f"at most {BATCH_SIZE} proofs in one request")
        keys = [check_proof(proof, issuer=issuer, now=self.clock.now()) for proof in proofs]
        if len({key.thumbprint for key in keys}) != len(keys):
            raise InvalidProof("each proof must be for a different key")
        for nonce in {key.nonce for key in keys}:
            if not self.offers.spend_nonce(nonce):
                raise InvalidNonce()
        return keys

    def _issue_one(
        self,
        agency: Agency,
        authorisation: CredentialAuthorisation,
        ctype: CredentialType,
        key: ProvenKey,
        actor: Actor,
        allocated: Counter[uuid.UUID],
        changed: set[uuid.UUID],
    ) -> str:
        """Insert the credential's record at a free status index, sign it, retire the device's older copies;
        add the index taken to ``allocated`` and the lists of the retired copies to ``changed``. In Core
        statements: the ORM's unit of work cost more than the signing."""
        now = self.clock.now()
        parent = self._parent(authorisation, ctype, key, now)
        lifetime = CREDENTIAL_LIFETIME if parent is None else companion_lifetime(parent.expires_at, now)
        signing_key = self.keystore.active(issuer_keys(agency.slug))
        row: dict[str, Any] = {
            "id": new_id(),
            "agency_id": agency.id,
            "authorisation_id": authorisation.id,
            "person_id": authorisation.person_id,
            "credential_type": ctype.id,
            "companion_of": parent.id if parent else None,
            "holder_key": key.thumbprint,
            "holder_jwk": key.jwk,
            "signing_kid": signing_key.kid,
            "state": "valid",
            "issued_at": now,
            # What the token's exp will say (whole seconds), unless the card expires first.
            "expires_at": datetime.fromtimestamp(int(now.timestamp()) + int(lifetime.total_seconds()), UTC),
        }
        slot = self.lists.insert_with_index(agency.id, row)
        minted = self.sign(
            agency,
            ctype,
            prepare_claims(ctype, authorisation.claims, ctype.local_date(now)),
            key.jwk,
            key=signing_key,
            status=StatusReference(self.signer(agency).uri(slot.number), slot.index),
            now=now,
            lifetime=lifetime,
        )
        expires_at = datetime.fromtimestamp(minted.expires_at, UTC)
        if expires_at != row["expires_at"]:
            where = IssuedCredential.id == row["id"]
            flushed_connection(self.session).execute(
                update(IssuedCredential).where(where).values(expires_at=expires_at)
            )
        allocated[slot.list_id] += 1
        changed |= self.statuses.supersede(row, actor=actor)
        subject = ("credential", str(row["id"]))
        record(
            self.session,
            event="credential_issued",
            actor=actor,
            at=now,
            subject=subject,
            credential_type=ctype.id,
        )
        return minted.sd_jwt

    def sign(
        self,
        agency: Agency,
        ctype: CredentialType,
        claims: dict[str, Any],
        holder_jwk: dict[str, Any],
        *,
        key: SigningKey,
        status: StatusReference,
        now: datetime,
        lifetime: timedelta,
    ) -> Minted:
        """Mint one of the agency's SD-JWT VCs over prepared ``claims``; the one place issuance signs."""
        return mint(
            ctype,
            claims,
            key=key,
            issuer=issuer_url(self.base_url, agency.slug),
            vct=ctype.vct(self.base_url),
            holder_jwk=holder_jwk,
            status=status,
            now=now,
            lifetime=lifetime,
        )

    def _parent(
        self, authorisation: CredentialAuthorisation, ctype: CredentialType, key: ProvenKey, now: datetime
    ) -> Row[uuid.UUID, datetime] | None:
        """A companion's licence (its id and expiry): the newest valid one issued to the same key that has
        a second or more to run. Raises CredentialRequestDenied when there is none."""
        if ctype.id == authorisation.credential_type:
            return None
        parent = self.session.execute(
            select(IssuedCredential.id, IssuedCredential.expires_at)
            .where(
                IssuedCredential.authorisation_id == authorisation.id,
                IssuedCredential.credential_type == authorisation.credential_type,
                IssuedCredential.holder_key == key.thumbprint,
                IssuedCredential.state == "valid",
                # The companion expires with it, and token times are whole seconds: with less than a
                # second left it would be signed already expired (exp == iat).
                IssuedCredential.expires_at >= now + MIN_COMPANION_LIFETIME,
            )
            .order_by(IssuedCredential.issued_at.desc())
            .limit(1)
        ).first()
        if parent is None:
            raise CredentialRequestDenied(f"request the {authorisation.credential_type} for this key first")
        return parent

    def authorisation(self, agency: Agency, authorisation_id: uuid.UUID) -> CredentialAuthorisation:
        """One of the agency's authorisations. Raises NotFound, also for another agency's."""
        authorisation = self.session.get(CredentialAuthorisation, authorisation_id)
        if authorisation is None or authorisation.agency_id != agency.id:
            raise NotFound("No such authorisation.")
        return authorisation

    def credential(self, agency: Agency, credential_id: uuid.UUID) -> IssuedCredential:
        """One of the agency's issued credentials. Raises NotFound, also for another agency's."""
        credential = self.session.get(IssuedCredential, credential_id)
        if credential is None or credential.agency_id != agency.id:
            raise NotFound("No such credential.")
        return credential

    def credentials_of(
        self, agency: Agency, person_id: uuid.UUID, credential_type: str | None = None
    ) -> list[IssuedCredential]:
        query = select(IssuedCredential).where(
            IssuedCredential.agency_id == agency.id, IssuedCredential.person_id == person_id
        )
        if credential_type:
            query = query.where(IssuedCredential.credential_type == credential_type)
        return list(self.session.scalars(query.order_by(IssuedCredential.issued_at)))
