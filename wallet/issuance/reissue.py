"""Re-issuing every credential a compromised issuer key signed.

The key has already left the JWKS, so its credentials no longer verify; each one still valid or suspended
is signed anew with the issuer's active key, for the same device key (its public JWK is on record), with a
new status index and the same status, and queued for its holder's app; the old one is revoked. Work goes in
small batches, each its own transaction, and the remaining work is simply what the query still finds: a
crash loses at most the batch in flight, and running the job again carries on.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select

from issuers.catalog import CATALOG
from wallet.agencies.models import Agency
from wallet.audit.service import Actor, record
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential, PendingCredential
from wallet.issuance.service import IssuanceService


def _affected(agency: Agency, kid: str) -> Select[IssuedCredential]:
    return select(IssuedCredential).where(
        IssuedCredential.agency_id == agency.id,
        IssuedCredential.signing_kid == kid,
        IssuedCredential.state != "revoked",
    )


class Reissuer:
    def __init__(self, issuance: IssuanceService) -> None:
        self.issuance = issuance
        self.session = issuance.session

    def remaining(self, agency: Agency, kid: str) -> int:
        subquery = (
            _affected(agency, kid).where(IssuedCredential.expires_at > self.issuance.clock.now()).subquery()
        )
        return int(self.session.scalar(select(func.count()).select_from(subquery)) or 0)

    def batch(self, agency: Agency, kid: str, *, size: int, actor: Actor) -> int:
        """Re-issue up to ``size`` credentials signed by ``kid``; returns how many were handled.

        Licences go before their companions, so a companion's new copy can point at its licence's.
        Rows are locked and skipped when locked, so two runs at once share the work (PostgreSQL).
        """
        now = self.issuance.clock.now()
        rows = list(
            self.session.scalars(
                _affected(agency, kid)
                .where(IssuedCredential.expires_at > now)
                .order_by(IssuedCredential.companion_of.is_not(None), IssuedCredential.id)
                .limit(size)
                .with_for_update(skip_locked=True)
            )
        )
        for old in rows:
            self._replace(agency, old, actor)
        replaced = [old.id for old in rows]
        new_lists = self.session.scalars(
            select(IssuedCredential.status_list_id).where(IssuedCredential.replaces.in_(replaced))
        )
        # Both: the old entries now say revoked, and a new copy of a suspended credential says suspended.
        self.issuance.lists.mark_changed({old.status_list_id for old in rows} | set(new_lists))
        self.session.flush()
        return len(rows)

    def _replace(self, agency: Agency, old: IssuedCredential, actor: Actor) -> None:
        if old.holder_jwk is None:  # issued before device keys were recorded: the app must ask again
            old.refresh_due_since = self.issuance.clock.now()
        else:
            self._reissue(agency, old, old.holder_jwk)
        old.state = "revoked"
        record(
            self.session,
            event="credential_revoked",
            actor=actor,
            at=self.issuance.clock.now(),
            subject=("credential", str(old.id)),
            reason="issuer key compromised",
        )

    def _reissue(self, agency: Agency, old: IssuedCredential, holder_jwk: dict[str, str]) -> None:
        authorisation = self.session.get_one(CredentialAuthorisation, old.authorisation_id)
        new = IssuedCredential(
            agency_id=old.agency_id,
            authorisation_id=old.authorisation_id,
            person_id=old.person_id,
            credential_type=old.credential_type,
            companion_of=self._new_parent(old),
            holder_key=old.holder_key,
            holder_jwk=holder_jwk,
            state=old.state,
            replaces=old.id,
        )
        sd_jwt = self.issuance.sign_and_record(
            agency, authorisation, CATALOG[old.credential_type], new, holder_jwk
        )
        self.session.add(
            PendingCredential(issued_credential_id=new.id, credential=sd_jwt, created_at=new.issued_at)
        )

    def _new_parent(self, old: IssuedCredential) -> uuid.UUID | None:
        if old.companion_of is None:
            return None
        replacement = self.session.scalar(
            select(IssuedCredential.id).where(IssuedCredential.replaces == old.companion_of)
        )
        return replacement or old.companion_of
