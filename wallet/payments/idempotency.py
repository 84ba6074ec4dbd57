"""Idempotency keys for money-moving requests (the IETF httpapi Idempotency-Key draft).

A key is claimed in a transaction of its own, committed before any work starts, so that a second request
with the same key sees it at once: same request still running → 409; same key, another request → 422;
finished → the first response again. A running claim holds a lease; if its request died (the process was
killed mid-payment), a retry after the lease takes the claim over and completes the work, which is safe
because each step behind it is idempotent too.

Published policy: a key is a quoted string of 1 to 255 visible ASCII characters, scoped to the account that
sent it, and kept for 24 hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.db import new_id
from wallet.payments.errors import IdempotencyKeyReused, RequestInProgress
from wallet.payments.models import IdempotencyKey, Payment
from wallet.payments.service import OPEN_STATES

LEASE = timedelta(seconds=30)
KEPT_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Claim:
    id: uuid.UUID
    lease: uuid.UUID
    replay: tuple[int, dict[str, Any]] | None  # the stored (status, body) of a finished request


class Idempotency:
    def __init__(self, sessions: Callable[[], Session], *, now: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.now = now

    def claim(self, account_id: uuid.UUID, key: str, fingerprint: bytes) -> Claim:
        """Claim ``key`` for this request. Raises RequestInProgress, IdempotencyKeyReused."""
        for _ in range(2):  # a key purged between the two steps is simply new again
            try:
                return self._insert(account_id, key, fingerprint)
            except IntegrityError:
                claim = self._existing(account_id, key, fingerprint)
                if claim is not None:
                    return claim
        raise RequestInProgress("This Idempotency-Key is changing hands; retry shortly.")

    def finish(self, claim: Claim, status: int, body: dict[str, Any]) -> None:
        """Keep the answer for retries, if this request still holds the claim (a retry that took it over
        keeps its own answer instead)."""
        with self.sessions() as session, session.begin():
            row = self._held(session, claim)
            if row is not None:
                row.state, row.response_status, row.response_body = "done", status, body

    def release(self, claim: Claim) -> None:
        """Let a retry in at once: the request ended without an answer worth keeping."""
        with self.sessions() as session, session.begin():
            row = self._held(session, claim)
            if row is not None:
                row.locked_until = self.now()

    @staticmethod
    def _held(session: Session, claim: Claim) -> IdempotencyKey | None:
        row = session.get(IdempotencyKey, claim.id, with_for_update=True, populate_existing=True)
        return row if row is not None and row.state == "running" and row.lease == claim.lease else None

    def _insert(self, account_id: uuid.UUID, key: str, fingerprint: bytes) -> Claim:
        now = self.now()
        with self.sessions() as session, session.begin():
            row = IdempotencyKey(
                id=new_id(),
                account_id=account_id,
                key=key,
                fingerprint=fingerprint,
                state="running",
                locked_until=now + LEASE,
                lease=uuid.uuid4(),
                created_at=now,
                expires_at=now + KEPT_FOR,
            )
            session.add(row)
            session.flush()
            return Claim(row.id, row.lease, None)

    def _existing(self, account_id: uuid.UUID, key: str, fingerprint: bytes) -> Claim | None:
        now = self.now()
        with self.sessions() as session, session.begin():
            row = session.scalars(
                select(IdempotencyKey)
                .where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
                .with_for_update()
            ).first()
            if row is None:
                return None
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was sent with another request; use a new key for a new request."
                )
            if row.state == "done":
                return Claim(row.id, row.lease, (row.response_status or 200, row.response_body or {}))
            if row.locked_until > now:
                raise RequestInProgress(
                    "The first request with this Idempotency-Key is still being processed; retry shortly.",
                    headers={"Retry-After": str(max(1, int((row.locked_until - now).total_seconds())))},
                )
            row.locked_until, row.lease = now + LEASE, uuid.uuid4()  # its request died: this retry goes on
            return Claim(row.id, row.lease, None)


def retire(session: Session, key_id: uuid.UUID, *, now: datetime) -> bool:
    """Forget a key no request holds, in the caller's transaction, so that no retry can use it again (a
    request with it is new). False, and the key kept, while a request holds its lease."""
    row = session.get(IdempotencyKey, key_id, with_for_update=True, populate_existing=True)
    if row is None:
        return True
    if row.state == "running" and row.locked_until > now:
        return False
    _forget(session, [row])
    return True


def purge_expired(session: Session, *, now: datetime) -> int:
    """Forget keys past their 24 hours: finished ones, and running ones no request holds (it died, or
    ended with no answer worth keeping: a 422, a 409, a 5xx), unless an open payment still depends on
    one (the jobs settle that payment first). Keys a request is taking over now are skipped."""
    open_payment = exists().where(Payment.idempotency_id == IdempotencyKey.id, Payment.state.in_(OPEN_STATES))
    unheld = and_(IdempotencyKey.state == "running", IdempotencyKey.locked_until <= now, ~open_payment)
    rows = session.scalars(
        select(IdempotencyKey)
        .where(IdempotencyKey.expires_at < now, or_(IdempotencyKey.state == "done", unheld))
        .with_for_update(skip_locked=True)
    ).all()
    _forget(session, rows)
    return len(rows)


def _forget(session: Session, rows: Sequence[IdempotencyKey]) -> None:
    session.execute(
        update(Payment)
        .where(Payment.idempotency_id.in_([row.id for row in rows]))
        .values(idempotency_id=None)
        .execution_options(synchronize_session=False)
    )
    for row in rows:
        session.delete(row)
    session.flush()
