"""Credentials signed by a compromised key, put straight into the database, and what a re-issue owes them."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from keys import jwk_thumbprint
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import IssuedCredential, PendingCredential, StatusListRecord
from wallet.issuance.statuslists import StatusLists


def seed_compromised(
    session: Session,
    *,
    agency_id: uuid.UUID,
    authorisation_id: uuid.UUID,
    person_id: uuid.UUID,
    kid: str,
    licences: int,
    now: datetime,
) -> list[uuid.UUID]:
    """``licences`` licences signed by ``kid``, each on its own device with its proof-of-age companion.

    Returns the ids of all of them, licences and companions.
    """
    lists = StatusLists(session, now=lambda: now)
    slots = lists.draw(agency_id, 2 * licences)
    rows: list[dict[str, Any]] = []
    for _ in range(licences):
        jwk = DeviceKey().jwk
        licence = _row(agency_id, authorisation_id, person_id, kid, jwk, now, "driver_licence", None)
        rows += [
            licence,
            _row(agency_id, authorisation_id, person_id, kid, jwk, now, "proof_of_age", licence),
        ]
    for row, slot in zip(rows, slots, strict=True):
        row |= {"status_list_id": slot.list_id, "status_index": slot.index}
    session.execute(insert(IssuedCredential), rows)
    lists.record_batch(Counter(slot.list_id for slot in slots), set())
    return [row["id"] for row in rows]


def _row(agency_id, authorisation_id, person_id, kid, jwk, now, credential_type, licence):
    return {
        "id": uuid.uuid4(),
        "agency_id": agency_id,
        "authorisation_id": authorisation_id,
        "person_id": person_id,
        "credential_type": credential_type,
        "companion_of": licence["id"] if licence else None,
        "holder_key": jwk_thumbprint(jwk),
        "holder_jwk": jwk,
        "signing_kid": kid,
        "state": "valid",
        "issued_at": now,
        "expires_at": now + timedelta(days=30),
    }


def assert_each_reissued_once(session: Session, old_ids: list[uuid.UUID]) -> list[IssuedCredential]:
    """Every old credential revoked, with exactly one new copy queued for its app and one audit event;
    a companion's copy points at its licence's copy. Returns the new copies."""
    old = {c.id: c for c in session.scalars(select(IssuedCredential).where(IssuedCredential.id.in_(old_ids)))}
    new = list(session.scalars(select(IssuedCredential).where(IssuedCredential.replaces.in_(old_ids))))
    assert {c.state for c in old.values()} == {"revoked"}
    assert sorted(str(c.replaces) for c in new) == sorted(str(i) for i in old_ids)  # none missed, none twice
    copy_of = {c.replaces: c for c in new}
    for copy in new:
        licence = old[copy.replaces].companion_of
        assert copy.companion_of == (copy_of[licence].id if licence else None)
        assert copy.holder_jwk == old[copy.replaces].holder_jwk
    pending = Counter(
        session.scalars(
            select(PendingCredential.issued_credential_id).where(
                PendingCredential.issued_credential_id.in_([c.id for c in new]),
                PendingCredential.credential.is_not(None),
            )
        )
    )
    assert pending == Counter(c.id for c in new)
    audited = Counter(
        session.scalars(
            select(AuditEvent.subject_id).where(
                AuditEvent.event == "credential_revoked",
                AuditEvent.subject_id.in_([str(i) for i in old_ids]),
            )
        )
    )
    assert audited == Counter(str(i) for i in old_ids)
    return new


def give_back_status_places(
    session: Session, agency_id: uuid.UUID, used: Counter[uuid.UUID], lists_before: set[uuid.UUID]
) -> None:
    """After a test against a shared database: the places its credentials took in lists that were there
    before are counted free again, and the lists it opened are deleted."""
    for list_id, taken in used.items():
        if list_id in lists_before:
            session.execute(
                update(StatusListRecord)
                .where(StatusListRecord.id == list_id)
                .values(allocated=StatusListRecord.allocated - taken)
            )
    session.execute(
        delete(StatusListRecord).where(
            StatusListRecord.agency_id == agency_id, StatusListRecord.id.not_in(list(lists_before))
        )
    )
