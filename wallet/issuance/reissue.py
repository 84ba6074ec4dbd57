"""Re-issuing every credential a compromised issuer key signed.

The key has already left the JWKS, so its credentials no longer verify; each one still valid or suspended
is signed anew with the issuer's active key, for the same device key (its public JWK is on record), with a
new status index and the same status, and queued for its holder's app; the old one is revoked. Work goes in
batches, each its own transaction, and the remaining work is simply what the query still finds: a crash
loses at most the batches in flight, and running the job again carries on.

A batch costs a handful of statements whatever its size: its rows are read and locked in one query, the
new rows, their pending copies and the audit events are inserted in bulk (``wallet.bulk``: COPY on
PostgreSQL), the old rows revoked in one update, and each status list row touched once. On PostgreSQL
several worker processes share the work: rows another worker holds are skipped, and each worker draws
status indices from its own lane (``wallet.issuance.reissue_runner`` runs the batches and the worker
processes).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from wallet.agencies.models import Agency
from wallet.audit.models import AuditEvent
from wallet.audit.service import Actor
from wallet.bulk import insert_rows
from wallet.db import new_id
from wallet.issuance.models import IssuedCredential, PendingCredential
from wallet.issuance.reissue_copies import CopySigner
from wallet.issuance.service import IssuanceService

INSERT_ATTEMPTS = 5
REASON = "issuer key compromised"
# What a new copy needs from the credential it replaces.
_OLD_COLUMNS = (
    IssuedCredential.id,
    IssuedCredential.authorisation_id,
    IssuedCredential.person_id,
    IssuedCredential.credential_type,
    IssuedCredential.companion_of,
    IssuedCredential.holder_key,
    IssuedCredential.holder_jwk,
    IssuedCredential.state,
    IssuedCredential.status_list_id,
)


@dataclass(frozen=True, slots=True)
class Lane:
    """Worker ``number`` of ``of`` working at once: it draws only status indices of its own lane."""

    number: int = 0
    of: int = 1


ALONE = Lane()  # a worker with no other at work


@dataclass(slots=True)
class Position:
    """How far, in id order, a worker's batches have got through the licences and the companions.

    Each batch looks only past it: the rows already re-issued stay in the primary-key order (revoked), and
    walking over them again on every batch would make the job quadratic in its size.
    """

    licence: uuid.UUID | None = None
    companion: uuid.UUID | None = None
    licences_done: bool = False  # none left past ``licence``: the next batches go straight to companions

    @property
    def at_start(self) -> bool:
        return self.licence is None and self.companion is None and not self.licences_done


def _affected(agency: Agency, kid: str) -> Select[Any]:
    return select(IssuedCredential).where(
        IssuedCredential.agency_id == agency.id,
        IssuedCredential.signing_kid == kid,
        IssuedCredential.state != "revoked",
    )


def _due(agency: Agency, kid: str, now: datetime) -> Select[Any]:
    return select(*_OLD_COLUMNS).where(
        IssuedCredential.agency_id == agency.id,
        IssuedCredential.signing_kid == kid,
        IssuedCredential.state != "revoked",
        IssuedCredential.expires_at > now,
    )


def _licence_still_due(kid: str, now: datetime) -> ColumnElement[bool]:
    """The companion's licence is itself still waiting (perhaps in another worker's batch right now)."""
    licence = aliased(IssuedCredential)
    return exists().where(
        licence.id == IssuedCredential.companion_of,
        licence.signing_kid == kid,
        licence.state != "revoked",
        licence.expires_at > now,
    )


def refresh_statistics(session: Session) -> None:
    """Have PostgreSQL count the credentials afresh before a re-issue starts.

    A batch's query finds its rows through the (signing_kid, id) index only when the planner knows how many
    live rows the key has. With statistics from when the table was smaller (a million rows loaded since
    the last ANALYZE, autovacuum not yet round), it read every remaining row of the key and sorted them
    instead: 1.0-1.2 s a batch at a million credentials, against 33 ms after ANALYZE, so the job slowed
    from about 1,700 to 600 credentials a second as it grew. ANALYZE samples the table, so it takes well
    under a second whatever its size.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE issued_credentials"))


class Reissuer:
    def __init__(
        self, issuance: IssuanceService, *, lane: Lane = ALONE, position: Position | None = None
    ) -> None:
        self.issuance = issuance
        self.session = issuance.session
        self.lane = lane
        self.position = position or Position()

    def remaining(self, agency: Agency, kid: str) -> int:
        subquery = (
            _affected(agency, kid).where(IssuedCredential.expires_at > self.issuance.clock.now()).subquery()
        )
        return int(self.session.scalar(select(func.count()).select_from(subquery)) or 0)

    def batch(self, agency: Agency, kid: str, *, size: int, actor: Actor) -> int:
        """Re-issue up to ``size`` credentials signed by ``kid``, past this reissuer's position; returns how
        many were handled. Each old credential is revoked in the same transaction that records its new copy.

        Alone, a worker is done when a batch handles none. Beside others it may have passed rows they held
        (or companions of licences they held): ``run_batches`` then goes over the rows once more.
        """
        now = self.issuance.clock.now()
        old = self._claim(agency, kid, size, now)
        if not old:
            return 0
        copies = self._record_copies(agency, [row for row in old if row.holder_jwk is not None], now)
        self._retire(old, actor, now)
        changed = {row.status_list_id for row in old}
        changed |= {copy["status_list_id"] for copy in copies if copy["state"] != "valid"}
        self.issuance.lists.record_batch(Counter(copy["status_list_id"] for copy in copies), changed)
        self.session.flush()
        return len(old)

    def _claim(self, agency: Agency, kid: str, size: int, now: datetime) -> list[Row[Any]]:
        """Lock the batch's rows, skipping rows another worker holds. Licences go first; a companion only
        once its licence has its new copy or is in this batch, so that the companion's copy can point at it.
        """
        due = _due(agency, kid, now)
        licences = [] if self.position.licences_done else self._licences(due, size)
        if len(licences) == size:
            return licences
        self.position.licences_done = True
        ready = or_(
            IssuedCredential.companion_of.in_([row.id for row in licences]), ~_licence_still_due(kid, now)
        )
        query = due.where(IssuedCredential.companion_of.is_not(None), ready)
        companions = self._locked(query, size - len(licences), self.position.companion)
        self.position.companion = companions[-1].id if companions else self.position.companion
        return licences + companions

    def _licences(self, due: Select[Any], size: int) -> list[Row[Any]]:
        licences = self._locked(
            due.where(IssuedCredential.companion_of.is_(None)), size, self.position.licence
        )
        self.position.licence = licences[-1].id if licences else self.position.licence
        return licences

    def _locked(self, query: Select[Any], limit: int, after: uuid.UUID | None) -> list[Row[Any]]:
        if after is not None:
            query = query.where(IssuedCredential.id > after)
        # NO KEY UPDATE: rows may still be referenced meanwhile (a new companion pointing at its licence).
        locked = query.order_by(IssuedCredential.id).limit(limit)
        return list(self.session.execute(locked.with_for_update(skip_locked=True, key_share=True)))

    def _record_copies(self, agency: Agency, live: list[Row[Any]], now: datetime) -> list[dict[str, Any]]:
        """Sign and insert the new copies, and queue them for their holders' apps."""
        if not live:
            return []
        for _ in range(INSERT_ATTEMPTS):
            copies, pending = self._sign_copies(agency, live, now)
            try:
                with self.session.begin_nested():
                    insert_rows(self.session, IssuedCredential, copies)
            except IntegrityError:  # a request issuing meanwhile took one of the drawn indices: draw again
                continue
            insert_rows(self.session, PendingCredential, pending)
            return copies
        raise RuntimeError("status indices kept being taken while re-issuing a batch")

    def _sign_copies(
        self, agency: Agency, live: list[Row[Any]], now: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        slots = self.issuance.lists.draw(agency.id, len(live), lane=self.lane.number, lanes=self.lane.of)
        signing = CopySigner(self.issuance, agency, live, now)
        copies = [signing.copy(row, slot) for row, slot in zip(live, slots, strict=True)]
        pending = [
            {"id": new_id(), "issued_credential_id": copy["id"], "credential": sd_jwt, "created_at": now}
            for copy, sd_jwt in zip(copies, signing.sd_jwts, strict=True)
        ]
        return copies, pending

    def _retire(self, old: list[Row[Any]], actor: Actor, now: datetime) -> None:
        """Revoke the old copies; one issued before device keys were recorded asks its app to fetch anew."""
        self._update([row.id for row in old], state="revoked")
        self._update([row.id for row in old if row.holder_jwk is None], refresh_due_since=now)
        # The events ``audit.record`` would add one by one (a fifth of a batch's time as ORM objects),
        # inserted in one go; their only detail is the fixed reason.
        events = [_revoked_event(row.id, actor, now) for row in old]
        insert_rows(self.session, AuditEvent, events)

    def _update(self, ids: list[uuid.UUID], **values: Any) -> None:
        if ids:
            self.session.execute(
                update(IssuedCredential)
                .where(IssuedCredential.id.in_(ids))
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def _revoked_event(credential_id: uuid.UUID, actor: Actor, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "occurred_at": now,
        "event": "credential_revoked",
        "actor_type": actor.type,
        "actor_id": actor.id,
        "subject_type": "credential",
        "subject_id": str(credential_id),
        "client_address": actor.address,
        "details": {"reason": REASON},
    }
