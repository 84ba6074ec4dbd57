"""The citizen's wallet, read across agencies: what they hold, its status, and what the app should do next.

A credential is the citizen's when it is bound to one of their devices, or was issued from an agency record
linked to their account. The app learns here that a credential is due for refresh (its record changed, or
it expires within a few days) and re-runs issuance with its device key; a copy the service re-issued on
its own (after a key compromise) waits here until the app collects it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Row, Select, and_, bindparam, select, union
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from wallet.agencies.models import Agency, Person
from wallet.clock import Clock
from wallet.db import flushed_connection
from wallet.devices.models import Device
from wallet.errors import NotFound
from wallet.issuance.models import IssuedCredential, PendingCredential

REFRESH_BEFORE_EXPIRY = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class DeviceRef:
    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class WalletEntry:
    id: uuid.UUID
    type: str
    issuer: str  # the agency's name
    issuer_id: str  # the agency's slug
    status: str  # valid, suspended, revoked, expired
    issued_at: datetime
    expires_at: datetime
    device: DeviceRef | None
    refresh_due: bool
    refresh_reason: str | None
    pending_copy: bool

    @property
    def display(self) -> dict[str, str]:
        shown = CATALOG[self.type].display
        return {
            "name": shown.name,
            "description": shown.description,
            "background_color": shown.background_color,
            "text_color": shown.text_color,
            "logo": shown.logo,
        }


class WalletService:
    def __init__(self, session: Session, *, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def entries(self, account_id: uuid.UUID) -> list[WalletEntry]:
        # Plain rows through the session's connection: no ORM objects to build, at half the cost.
        rows = flushed_connection(self.session).execute(_WALLET, {"account_id": account_id}).all()
        now = self.clock.now()
        return [_entry(row, now) for row in _without_replaced(rows)]

    def entry(self, account_id: uuid.UUID, credential_id: uuid.UUID) -> WalletEntry:
        """One of the citizen's credentials. Raises NotFound, also for someone else's."""
        found = next((e for e in self.entries(account_id) if e.id == credential_id), None)
        if found is None:
            raise NotFound("No such credential in your wallet.")
        return found

    def collect(self, account_id: uuid.UUID, credential_id: uuid.UUID) -> str:
        """Hand over a copy the service re-issued on its own, once: it is not kept after delivery."""
        self.entry(account_id, credential_id)
        waiting = self.session.scalar(
            select(PendingCredential)
            .where(
                PendingCredential.issued_credential_id == credential_id,
                PendingCredential.delivered_at.is_(None),
            )
            .with_for_update()
        )
        if waiting is None or waiting.credential is None:
            raise NotFound("No copy is waiting for this credential.")
        text = waiting.credential
        waiting.credential, waiting.delivered_at = None, self.clock.now()
        self.session.flush()
        return text


def _wallet_query() -> Select[*tuple[Any, ...]]:
    """The credentials of the account ``:account_id``, newest first, in one statement: those bound to one
    of its devices, and those issued from an agency record linked to it; each with its agency, its device,
    and whether a re-issued copy waits. Both ways in are indexed lookups (holder_key, person_id). Each
    outer join finds at most one row, as devices.thumbprint and pending_credentials.issued_credential_id
    are unique: without that, an entry would show twice."""
    credential = IssuedCredential
    account_id: BindParameter[uuid.UUID] = bindparam("account_id")
    devices = select(Device.thumbprint).where(Device.account_id == account_id)
    records = select(Person.id).where(Person.account_id == account_id)
    # A UNION, not an OR of the two: PostgreSQL scans the whole table for an OR of IN-subqueries.
    held = union(
        select(credential.id).where(credential.holder_key.in_(devices)),
        select(credential.id).where(credential.person_id.in_(records)),
    )
    return (
        select(
            credential.id,
            credential.credential_type,
            credential.state,
            credential.issued_at,
            credential.expires_at,
            credential.refresh_due_since,
            credential.authorisation_id,
            credential.holder_key,
            credential.replaces,
            Agency.name.label("agency_name"),
            Agency.slug.label("agency_slug"),
            Device.id.label("device_id"),
            Device.name.label("device_name"),
            PendingCredential.id.label("pending_id"),
        )
        .join(Agency, Agency.id == credential.agency_id)
        .outerjoin(Device, and_(Device.thumbprint == credential.holder_key, Device.account_id == account_id))
        .outerjoin(
            PendingCredential,
            and_(
                PendingCredential.issued_credential_id == credential.id,
                PendingCredential.delivered_at.is_(None),
            ),
        )
        .where(credential.id.in_(held))
        .order_by(credential.issued_at.desc())
    )


# Built once: every app request runs it, and building it costs more than running it on SQLite.
_WALLET = _wallet_query()


def _entry(row: Row[Any], now: datetime) -> WalletEntry:
    status = "expired" if row.state == "valid" and row.expires_at <= now else row.state
    reason = _refresh_reason(row, now)
    return WalletEntry(
        id=row.id,
        type=row.credential_type,
        issuer=row.agency_name,
        issuer_id=row.agency_slug,
        status=status,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        device=None if row.device_id is None else DeviceRef(row.device_id, row.device_name),
        refresh_due=reason is not None,
        refresh_reason=reason,
        pending_copy=row.pending_id is not None,
    )


def _refresh_reason(row: Row[Any], now: datetime) -> str | None:
    if row.state == "revoked":
        return None
    if row.refresh_due_since is not None:
        return "the record it was issued from has changed"
    if row.expires_at - now <= REFRESH_BEFORE_EXPIRY:
        return "it expires soon"
    return None


def _without_replaced(rows: Sequence[Row[Any]]) -> list[Row[Any]]:
    """Leave out revoked copies that a live copy of the same credential on the same device has replaced, and
    copies a re-issue replaced: the wallet shows what the citizen holds, not its history. A credential the
    agency revoked, with nothing to replace it, still shows."""
    live = {_slot(row) for row in rows if row.state != "revoked"}
    reissued = {row.replaces for row in rows if row.replaces is not None}
    return [r for r in rows if r.id not in reissued and not (r.state == "revoked" and _slot(r) in live)]


def _slot(row: Row[Any]) -> tuple[uuid.UUID, str, str]:
    return (row.authorisation_id, row.credential_type, row.holder_key)
