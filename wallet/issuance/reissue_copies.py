"""The new copies of one re-issue batch: signed with the issuer's active key, for the same device keys, each
with its new status index; what the copies share (the key, the authorisations' claims, the licences their
companions point at) is read once per batch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from issuers.catalog import CATALOG
from issuers.sdjwt import StatusReference, prepare_claims
from wallet.agencies.models import Agency
from wallet.db import new_id
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.service import CREDENTIAL_LIFETIME, IssuanceService, companion_lifetime, issuer_keys
from wallet.issuance.statuslists import Slot


@dataclass(frozen=True, slots=True)
class Parent:
    """The licence a companion's new copy points at, and when that licence expires."""

    id: uuid.UUID
    expires_at: datetime


class CopySigner:
    """The signing of one batch's copies: what they share (key, authorisations, claims) read once."""

    def __init__(
        self, issuance: IssuanceService, agency: Agency, live: list[Row[Any]], now: datetime
    ) -> None:
        self.issuance = issuance
        self.session = issuance.session
        self.agency = agency
        self.now = now
        self.key = self.issuance.keystore.active(issuer_keys(agency.slug))
        self.signer = self.issuance.signer(agency)
        self.records = self._claims_on_record(live)
        in_batch = {row.id for row in live}
        self.parents = self._parents(
            [row for row in live if row.companion_of is not None and row.companion_of not in in_batch]
        )
        self.claims: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
        self.sd_jwts: list[str] = []

    def copy(self, old: Row[Any], slot: Slot) -> dict[str, Any]:
        """The new record replacing ``old``; its SD-JWT VC goes to ``sd_jwts``."""
        ctype = CATALOG[old.credential_type]
        parent = self.parents[old.companion_of] if old.companion_of else None
        lifetime = companion_lifetime(parent.expires_at, self.now) if parent else CREDENTIAL_LIFETIME
        minted = self.issuance.sign(
            self.agency,
            ctype,
            self._claims(old),
            old.holder_jwk,
            key=self.key,
            status=StatusReference(self.signer.uri(slot.number), slot.index),
            now=self.now,
            lifetime=lifetime,
        )
        copy_id = new_id()
        expires_at = datetime.fromtimestamp(minted.expires_at, self.now.tzinfo)
        self.parents[old.id] = Parent(copy_id, expires_at)  # for its companions later in the batch
        self.sd_jwts.append(minted.sd_jwt)
        return {
            "id": copy_id,
            "agency_id": self.agency.id,
            "authorisation_id": old.authorisation_id,
            "person_id": old.person_id,
            "credential_type": old.credential_type,
            "companion_of": parent.id if parent else None,
            "status_list_id": slot.list_id,
            "status_index": slot.index,
            "holder_key": old.holder_key,
            "holder_jwk": old.holder_jwk,
            "replaces": old.id,
            "signing_kid": self.key.kid,
            "state": old.state,
            "issued_at": self.now,
            "expires_at": expires_at,
        }

    def _claims(self, old: Row[Any]) -> dict[str, Any]:
        """The claims of the old copy's authorisation, prepared once per batch for every copy sharing it."""
        key = (old.authorisation_id, old.credential_type)
        if key not in self.claims:
            ctype = CATALOG[old.credential_type]
            self.claims[key] = prepare_claims(
                ctype, self.records[old.authorisation_id], ctype.local_date(self.now)
            )
        return self.claims[key]

    def _parents(self, companions: Sequence[Row[Any]]) -> dict[uuid.UUID, Parent]:
        """For each old licence the companions point at: its new copy if it has one, else itself."""
        licence_ids = {row.companion_of for row in companions}
        if not licence_ids:
            return {}
        found = {
            replaced: Parent(licence_id, expires_at)
            for replaced, licence_id, expires_at in self.session.execute(
                select(IssuedCredential.replaces, IssuedCredential.id, IssuedCredential.expires_at).where(
                    IssuedCredential.replaces.in_(licence_ids)
                )
            )
            if replaced is not None
        }
        unreplaced = licence_ids - found.keys()
        if unreplaced:
            found |= {
                licence_id: Parent(licence_id, expires_at)
                for licence_id, expires_at in self.session.execute(
                    select(IssuedCredential.id, IssuedCredential.expires_at).where(
                        IssuedCredential.id.in_(unreplaced)
                    )
                )
            }
        return found

    def _claims_on_record(self, rows: Sequence[Row[Any]]) -> dict[uuid.UUID, dict[str, Any]]:
        """The claims of the authorisations the rows were issued from, by authorisation id."""
        ids = {row.authorisation_id for row in rows}
        query = select(CredentialAuthorisation.id, CredentialAuthorisation.claims)
        return {
            row.id: row.claims
            for row in self.session.execute(query.where(CredentialAuthorisation.id.in_(ids)))
        }
