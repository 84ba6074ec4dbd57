"""Issuing credentials at the credential endpoint, and changing their status afterwards.

Every proof in a request is checked before anything is written; then each proven key gets its own
credential, with its own random status index. A companion (the proof-of-age credential) is bound to the
licence issued to the same key, and shares its fate: a status change of the licence reaches it too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG, CredentialType
from issuers.sdjwt import Minted, StatusReference, mint, prepare_claims
from keys import KeyStore, SigningKey
from wallet.agencies.models import Agency, Person
from wallet.audit.service import Actor, record
from wallet.clock import Clock
from wallet.errors import NotFound
from wallet.issuance.errors import (
    ClaimsInvalid,
    CredentialRequestDenied,
    InvalidCredentialRequest,
    InvalidNonce,
    InvalidProof,
    UnknownCredentialConfiguration,
)
from wallet.issuance.events import tell_holder
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.offers import OfferService, configuration_ids
from wallet.issuance.proofs import ProvenKey, check_proof
from wallet.issuance.status import StatusChanges
from wallet.issuance.statuslists import ListSigner, StatusLists
from wallet.links.service import record_identifiers

BATCH_SIZE = 10
CREDENTIAL_LIFETIME = timedelta(days=30)


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
        self.lists = StatusLists(session, now=clock.now)
        self.statuses = StatusChanges(session, now=clock.now, lists=self.lists)

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
        ctype = self._configuration(agency, authorisation, configuration_id)
        keys = self._proven_keys(proofs, issuer_url(self.base_url, agency.slug))
        if device_keys is not None and any(key.thumbprint not in device_keys for key in keys):
            raise InvalidProof(
                "credentials bind only to a registered device of this account: register it first"
            )
        return [self._issue_one(agency, authorisation, ctype, key, actor) for key in keys]

    def _configuration(
        self, agency: Agency, authorisation: CredentialAuthorisation, configuration_id: str
    ) -> CredentialType:
        ctype = CATALOG.get(configuration_id)
        if ctype is None or ctype.agency != agency.slug:
            raise UnknownCredentialConfiguration(f"{configuration_id!r} is not issued here")
        if configuration_id not in configuration_ids(CATALOG[authorisation.credential_type]):
            raise CredentialRequestDenied("the access token does not cover that credential")
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
    ) -> str:
        credential = IssuedCredential(
            agency_id=agency.id,
            authorisation_id=authorisation.id,
            person_id=authorisation.person_id,
            credential_type=ctype.id,
            companion_of=self._parent(authorisation, ctype, key),
            holder_key=key.thumbprint,
            holder_jwk=key.jwk,
        )
        sd_jwt = self.sign_and_record(agency, authorisation, ctype, credential, key.jwk)
        self.statuses.supersede(credential, actor=actor)
        record(
            self.session,
            event="credential_issued",
            actor=actor,
            at=credential.issued_at,
            subject=("credential", str(credential.id)),
            credential_type=ctype.id,
        )
        return sd_jwt

    def sign_and_record(
        self,
        agency: Agency,
        authorisation: CredentialAuthorisation,
        ctype: CredentialType,
        credential: IssuedCredential,
        holder_jwk: dict[str, Any],
    ) -> str:
        """Give ``credential`` (a new record) a status index, sign it with the issuer's active key, and
        complete its record. Returns the SD-JWT VC."""
        now = self.clock.now()
        signing_key = self.keystore.active(issuer_keys(agency.slug))
        credential.signing_kid = signing_key.kid
        credential.issued_at = now
        credential.expires_at = now + CREDENTIAL_LIFETIME
        status_list = self.lists.insert_with_index(agency.id, credential)
        minted = self.sign(
            agency,
            ctype,
            prepare_claims(ctype, authorisation.claims, ctype.local_date(now)),
            holder_jwk,
            key=signing_key,
            status=StatusReference(self.signer(agency).uri(status_list.number), credential.status_index),
            now=now,
            lifetime=self._lifetime(credential, now),
        )
        credential.expires_at = datetime.fromtimestamp(minted.expires_at, now.tzinfo)
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

    def _lifetime(self, credential: IssuedCredential, now: datetime) -> timedelta:
        """A companion never outlives its licence: it shares its fate, expiry included."""
        if credential.companion_of is None:
            return CREDENTIAL_LIFETIME
        parent = self.session.get_one(IssuedCredential, credential.companion_of)
        return companion_lifetime(parent.expires_at, now)

    def _parent(
        self, authorisation: CredentialAuthorisation, ctype: CredentialType, key: ProvenKey
    ) -> uuid.UUID | None:
        if ctype.id == authorisation.credential_type:
            return None
        parent = self.session.scalar(
            select(IssuedCredential.id)
            .where(
                IssuedCredential.authorisation_id == authorisation.id,
                IssuedCredential.credential_type == authorisation.credential_type,
                IssuedCredential.holder_key == key.thumbprint,
                IssuedCredential.state == "valid",
            )
            .order_by(IssuedCredential.issued_at.desc())
            .limit(1)
        )
        if parent is None:
            raise CredentialRequestDenied(f"request the {authorisation.credential_type} for this key first")
        return parent

    def authorisation(self, agency: Agency, authorisation_id: uuid.UUID) -> CredentialAuthorisation:
        """One of the agency's authorisations. Raises NotFound, also for another agency's."""
        authorisation = self.session.get(CredentialAuthorisation, authorisation_id)
        if authorisation is None or authorisation.agency_id != agency.id:
            raise NotFound("No such authorisation.")
        return authorisation

    def replace_claims(self, authorisation: CredentialAuthorisation, claims: dict[str, Any]) -> int:
        """New claims for an authorisation; its credentials are marked for re-issue. Raises ClaimsInvalid.

        Returns how many credentials were marked.
        """
        ctype = CATALOG[authorisation.credential_type]
        try:
            prepare_claims(ctype, claims, ctype.local_date(self.clock.now()))
        except ma.ValidationError as e:
            raise ClaimsInvalid(errors=e.messages) from None
        authorisation.claims = claims
        record_identifiers(self.session, authorisation.agency_id, authorisation.person_id, claims)
        marked = self._mark_for_refresh(IssuedCredential.authorisation_id == authorisation.id)
        if marked:
            tell_holder(
                self.session,
                person_id=authorisation.person_id,
                credential_type=authorisation.credential_type,
                kind="credential_refresh_due",
                reason="because the agency updated its record",
                at=self.clock.now(),
            )
        return marked

    def person_changed(self, person: Person) -> int:
        """Carry a person record's names and birthdate into their authorisations, and mark what was issued
        from them for re-issue. Returns how many credentials were marked."""
        record = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birthdate": person.birthdate.isoformat(),
        }
        authorisations = list(
            self.session.scalars(
                select(CredentialAuthorisation).where(CredentialAuthorisation.person_id == person.id)
            )
        )
        for authorisation in authorisations:
            claims = {**authorisation.claims, **record}
            ctype = CATALOG[authorisation.credential_type]
            try:
                prepare_claims(ctype, claims, ctype.local_date(self.clock.now()))
            except ma.ValidationError as e:  # the record no longer fits a credential issued from it
                raise ClaimsInvalid(errors=e.messages) from None
            authorisation.claims = claims
        marked = self._mark_for_refresh(IssuedCredential.person_id == person.id)
        if marked:  # only a credential already issued needs renewing
            for credential_type in sorted({a.credential_type for a in authorisations}):
                tell_holder(
                    self.session,
                    person_id=person.id,
                    credential_type=credential_type,
                    kind="credential_refresh_due",
                    reason="because your details were updated",
                    at=self.clock.now(),
                )
        return marked

    def _mark_for_refresh(self, which: ColumnElement[bool]) -> int:
        result = self.session.execute(
            update(IssuedCredential)
            .where(which, IssuedCredential.state != "revoked", IssuedCredential.refresh_due_since.is_(None))
            .values(refresh_due_since=self.clock.now())
            .execution_options(synchronize_session=False)
        )
        self.session.flush()
        return int(result.rowcount)  # type: ignore[attr-defined]

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
