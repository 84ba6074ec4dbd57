"""An agency changes a record: new claims for an authorisation, or a person's names and birthdate. What was
issued from it is marked for re-issue (the holder's app fetches a fresh copy) and the holder is told why."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from issuers.sdjwt import prepare_claims
from wallet.agencies.models import Person
from wallet.clock import Clock
from wallet.issuance.errors import ClaimsInvalid
from wallet.issuance.events import tell_holder
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.links.service import record_identifiers


class RecordChanges:
    def __init__(self, session: Session, *, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def replace_claims(self, authorisation: CredentialAuthorisation, claims: dict[str, Any]) -> int:
        """New claims for an authorisation; its credentials are marked for re-issue. Raises ClaimsInvalid.

        Returns how many credentials were marked.
        """
        self._check_claims(authorisation.credential_type, claims)
        authorisation.claims = claims
        record_identifiers(self.session, authorisation.agency_id, authorisation.person_id, claims)
        marked = self._mark_for_refresh(IssuedCredential.authorisation_id == authorisation.id)
        if marked:
            self._tell_refresh(
                authorisation.person_id, authorisation.credential_type, "the agency updated its record"
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
        query = select(CredentialAuthorisation).where(CredentialAuthorisation.person_id == person.id)
        authorisations = self.session.scalars(query).all()
        for authorisation in authorisations:
            claims = {**authorisation.claims, **record}
            # The record may no longer fit a credential issued from it: ClaimsInvalid.
            self._check_claims(authorisation.credential_type, claims)
            authorisation.claims = claims
        marked = self._mark_for_refresh(IssuedCredential.person_id == person.id)
        if marked:  # only a credential already issued needs renewing
            for credential_type in sorted({a.credential_type for a in authorisations}):
                self._tell_refresh(person.id, credential_type, "your details were updated")
        return marked

    def _check_claims(self, credential_type: str, claims: dict[str, Any]) -> None:
        ctype = CATALOG[credential_type]
        try:
            prepare_claims(ctype, claims, ctype.local_date(self.clock.now()))
        except ma.ValidationError as e:
            raise ClaimsInvalid(errors=e.messages) from None

    def _tell_refresh(self, person_id: uuid.UUID, credential_type: str, because: str) -> None:
        tell_holder(
            self.session,
            person_id=person_id,
            credential_type=credential_type,
            kind="credential_refresh_due",
            reason=f"because {because}",
            at=self.clock.now(),
        )

    def _mark_for_refresh(self, which: ColumnElement[bool]) -> int:
        result = self.session.execute(
            update(IssuedCredential)
            .where(which, IssuedCredential.state != "revoked", IssuedCredential.refresh_due_since.is_(None))
            .values(refresh_due_since=self.clock.now())
            .execution_options(synchronize_session=False)
        )
        self.session.flush()
        return int(result.rowcount)  # type: ignore[attr-defined]
