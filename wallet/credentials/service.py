"""The citizen's wallet, read across agencies: what they hold, its status, and what the app should do next.

A credential is the citizen's when it is bound to one of their devices, or was issued from an agency record
linked to their account. The app learns here that a credential is due for refresh (its record changed, or
it expires within a few days) and re-runs issuance with its device key; a copy the service re-issued on
its own (after a key compromise) waits here until the app collects it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from wallet.agencies.models import Agency, Person
from wallet.clock import Clock
from wallet.devices.models import Device
from wallet.errors import NotFound
from wallet.issuance.models import IssuedCredential, PendingCredential

REFRESH_BEFORE_EXPIRY = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class WalletEntry:
    credential: IssuedCredential
    agency: Agency
    device: Device | None
    status: str  # valid, suspended, revoked, expired
    refresh_due: bool
    refresh_reason: str | None
    pending_copy: bool

    @property
    def display(self) -> dict[str, str]:
        shown = CATALOG[self.credential.credential_type].display
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
        devices = {
            d.thumbprint: d
            for d in self.session.scalars(select(Device).where(Device.account_id == account_id))
        }
        rows = self.session.execute(
            select(IssuedCredential, Agency)
            .join(Agency, Agency.id == IssuedCredential.agency_id)
            .outerjoin(Person, Person.id == IssuedCredential.person_id)
            .where(or_(IssuedCredential.holder_key.in_(list(devices)), Person.account_id == account_id))
            .order_by(IssuedCredential.issued_at.desc())
        )
        pending = self._pending_ids()
        current = _without_replaced([(credential, agency) for credential, agency in rows])
        return [self._entry(credential, agency, devices, pending) for credential, agency in current]

    def entry(self, account_id: uuid.UUID, credential_id: uuid.UUID) -> WalletEntry:
        """One of the citizen's credentials. Raises NotFound, also for someone else's."""
        found = next((e for e in self.entries(account_id) if e.credential.id == credential_id), None)
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

    def _pending_ids(self) -> set[uuid.UUID]:
        return set(
            self.session.scalars(
                select(PendingCredential.issued_credential_id).where(PendingCredential.delivered_at.is_(None))
            )
        )

    def _entry(
        self,
        credential: IssuedCredential,
        agency: Agency,
        devices: dict[str, Device],
        pending: set[uuid.UUID],
    ) -> WalletEntry:
        now = self.clock.now()
        status = (
            "expired" if credential.state == "valid" and credential.expires_at <= now else credential.state
        )
        reason = _refresh_reason(credential, now)
        return WalletEntry(
            credential=credential,
            agency=agency,
            device=devices.get(credential.holder_key),
            status=status,
            refresh_due=reason is not None,
            refresh_reason=reason,
            pending_copy=credential.id in pending,
        )


def _refresh_reason(credential: IssuedCredential, now: datetime) -> str | None:
    if credential.state == "revoked":
        return None
    if credential.refresh_due_since is not None:
        return "the record it was issued from has changed"
    if credential.expires_at - now <= REFRESH_BEFORE_EXPIRY:
        return "it expires soon"
    return None


def _without_replaced(rows: list[tuple[IssuedCredential, Agency]]) -> list[tuple[IssuedCredential, Agency]]:
    """Leave out revoked copies that a live copy of the same credential on the same device has replaced, and
    copies a re-issue replaced: the wallet shows what the citizen holds, not its history. A credential the
    agency revoked, with nothing to replace it, still shows."""
    live = {_slot(c) for c, _agency in rows if c.state != "revoked"}
    reissued = {c.replaces for c, _agency in rows if c.replaces is not None}
    return [
        (c, agency)
        for c, agency in rows
        if c.id not in reissued and not (c.state == "revoked" and _slot(c) in live)
    ]


def _slot(credential: IssuedCredential) -> tuple[uuid.UUID, str, str]:
    return (credential.authorisation_id, credential.credential_type, credential.holder_key)
