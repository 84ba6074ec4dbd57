"""Status lists: random, never-reused indices, and the signed Token Status List each issuer publishes.

An index is taken by inserting the credential's row: the (list, index) pair is unique in the database, so
two concurrent issuances can never hold one index; the loser of a race draws again. Rows are never deleted,
so an index is never reused. Lists are kept at most half full, which keeps draws cheap and makes an index say
little about when its credential was issued. The statuses themselves live on the credential rows; a list
token is rebuilt from the few non-valid rows when the list has changed or its token is getting old.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuers.tokens import status_list_token
from keys import SigningKey
from verifier.statuslist import Status, StatusList
from wallet.db import flushed_connection
from wallet.issuance.models import IssuedCredential, StatusListRecord

LIST_SIZE = 131_072  # 2^17 entries, 32 KiB uncompressed at 2 bits
FILL_LIMIT = LIST_SIZE // 2
MAX_DRAWS = 32
TOKEN_TTL = timedelta(minutes=15)  # how long verifiers may cache a list
TOKEN_LIFETIME = timedelta(hours=24)
# The list number column is an Integer: 32 bits on PostgreSQL, 64 on SQLite. A bound value past either
# fails the query rather than matching nothing, so a larger number (from a URL) is not looked up at all.
MAX_LIST_NUMBER = 2**31 - 1
STATE_CODES = {"valid": Status.VALID, "revoked": Status.INVALID, "suspended": Status.SUSPENDED}


@dataclass(frozen=True, slots=True)
class ListSigner:
    key: SigningKey
    issuer: str

    def uri(self, number: int) -> str:
        return f"{self.issuer}/status/{number}"


@dataclass(frozen=True, slots=True)
class Slot:
    """One status index taken for a new credential: the list (its id and public number) and the index."""

    list_id: uuid.UUID
    number: int
    index: int


class StatusLists:
    def __init__(self, session: Session, *, now: Callable[[], datetime]) -> None:
        self.session = session
        self.now = now

    def insert_with_index(self, agency_id: uuid.UUID, credential: Mapping[str, Any]) -> Slot:
        """Insert a new credential's row (``credential``: its columns but the status ones) at a random free
        index of the agency's open list. Returns the slot it took.

        The allocation is not counted here: the caller counts it with ``record_batch``, as late as it can,
        because on PostgreSQL that update locks the list's row (which every issuance at the agency takes)
        until the commit. Raises RuntimeError when no free index turns up after many draws (a list far past
        its fill limit).
        """
        for _ in range(MAX_DRAWS):
            record = self._open_list(agency_id)
            slot = Slot(record.id, record.number, secrets.randbelow(record.size))
            if self._insert_unless_taken(
                {**credential, "status_list_id": slot.list_id, "status_index": slot.index}
            ):
                return slot
        raise RuntimeError("no free status index after repeated draws")

    def _insert_unless_taken(self, row: Mapping[str, Any]) -> bool:
        """Insert ``row`` unless its index is taken, by an older credential or a concurrent request (which it
        then waits for, on PostgreSQL). One statement, where a savepoint around the insert takes three."""
        connection = flushed_connection(self.session)
        dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = dialect_insert(IssuedCredential).values(row)
        inserted = statement.on_conflict_do_nothing(index_elements=["status_list_id", "status_index"])
        # RETURNING rather than the row count, which psycopg does not report for this statement.
        return connection.execute(inserted.returning(IssuedCredential.id)).first() is not None

    def _open_list(self, agency_id: uuid.UUID) -> StatusListRecord:
        current = self.session.scalar(
            select(StatusListRecord)
            .where(StatusListRecord.agency_id == agency_id, StatusListRecord.allocated < FILL_LIMIT)
            .order_by(StatusListRecord.number.desc())
            .limit(1)
        )
        return current or self._new_list(agency_id)

    def _new_list(self, agency_id: uuid.UUID, after: StatusListRecord | None = None) -> StatusListRecord:
        last = self.session.scalar(
            select(func.max(StatusListRecord.number)).where(StatusListRecord.agency_id == agency_id)
        )
        record = StatusListRecord(
            agency_id=agency_id, number=(last or 0) + 1, size=LIST_SIZE, created_at=self.now(), allocated=0
        )
        try:
            with self.session.begin_nested():
                self.session.add(record)
        except IntegrityError:  # a concurrent request opened that number first: use its list
            current = self._open_list(agency_id)
            # A batch that has just filled ``after`` must not be handed it back: its count is not written yet.
            return (
                self._new_list(agency_id, after) if after is not None and current.id == after.id else current
            )
        return record

    def draw(self, agency_id: uuid.UUID, count: int, *, lane: int = 0, lanes: int = 1) -> list[Slot]:
        """``count`` random free indices for a batch of new credentials, opening lists as they fill.

        Nothing is written: the caller inserts the credentials (where the unique (list, index) pair catches
        a concurrent taker, and the batch draws again) and then calls ``record_batch``. Concurrent workers
        of one job pass their ``lane`` of ``lanes``: each draws only indices congruent to its lane and only
        its share of a list's room, so they neither collide nor push a list past its fill limit.
        Raises RuntimeError as ``insert_with_index`` does.
        """
        slots: list[Slot] = []
        record = self._open_list(agency_id)
        while True:
            room = max(0, (FILL_LIMIT - record.allocated) // lanes)
            wanted = min(count - len(slots), room)
            indices = self._free_indices(record, wanted, lane, lanes)
            slots += [Slot(record.id, record.number, index) for index in indices]
            if len(slots) == count:
                return slots
            record = self._new_list(agency_id, after=record)

    def _free_indices(self, record: StatusListRecord, count: int, lane: int, lanes: int) -> list[int]:
        """``count`` distinct random indices of the list, in the lane, that no credential holds."""
        chosen: dict[int, None] = {}  # insertion-ordered: the order of the draws, not of the numbers
        for _ in range(MAX_DRAWS):
            if len(chosen) == count:
                return list(chosen)
            drawn = {
                lane + lanes * secrets.randbelow(record.size // lanes) for _ in range(count - len(chosen))
            }
            drawn -= chosen.keys()
            chosen.update(dict.fromkeys(drawn - self._taken(record.id, drawn)))
        raise RuntimeError("no free status index after repeated draws")

    def _taken(self, list_id: uuid.UUID, indices: set[int]) -> set[int]:
        if not indices:
            return set()
        return set(
            self.session.scalars(
                select(IssuedCredential.status_index).where(
                    IssuedCredential.status_list_id == list_id, IssuedCredential.status_index.in_(indices)
                )
            )
        )

    def record_batch(self, allocated: Mapping[uuid.UUID, int], changed: set[uuid.UUID]) -> None:
        """Count a batch's allocations and note its status changes: one update of each list row.

        In the order of the list ids, so that concurrent batches touching the same lists queue behind
        each other instead of deadlocking.
        """
        rows = [
            {"list_id": list_id, "added": allocated.get(list_id, 0), "bump": int(list_id in changed)}
            for list_id in sorted(allocated.keys() | changed)
        ]
        if rows:
            # On the connection: one statement executed for many rows, not the ORM's update by primary key.
            flushed_connection(self.session).execute(
                update(StatusListRecord)
                .where(StatusListRecord.id == bindparam("list_id"))
                .values(
                    allocated=StatusListRecord.allocated + bindparam("added"),
                    version=StatusListRecord.version + bindparam("bump"),
                ),
                rows,
            )

    def token(self, record: StatusListRecord, signer: ListSigner) -> str:
        """The list's current token, re-signed when the list changed or half its cache time has passed."""
        now = self.now()
        current = _current_token(record, now)
        if current is not None:
            return current
        # Re-signed under the list's row lock, on the version and statuses read under it. Without it, a
        # request that read the statuses before a revocation could write its token over a newer one that
        # shows the revocation, and the row would still claim its token shows the newest version.
        self.session.refresh(record, with_for_update={"key_share": True})
        current = _current_token(record, now)
        if current is not None:  # another request re-signed it while this one waited for the lock
            return current
        token = status_list_token(
            self.statuses(record),
            key=signer.key,
            issuer=signer.issuer,
            uri=signer.uri(record.number),
            now=now,
            ttl=TOKEN_TTL,
            lifetime=TOKEN_LIFETIME,
        )
        record.token, record.token_version, record.token_signed_at = token, record.version, now
        self.session.flush()
        return token

    def statuses(self, record: StatusListRecord) -> StatusList:
        statuses = StatusList(record.size, bits=2)
        rows = self.session.execute(
            select(IssuedCredential.status_index, IssuedCredential.state).where(
                IssuedCredential.status_list_id == record.id, IssuedCredential.state != "valid"
            )
        )
        for index, state in rows:
            statuses[index] = STATE_CODES[state]
        return statuses

    def find(self, agency_id: uuid.UUID, number: int) -> StatusListRecord | None:
        """The agency's list ``number``, or None; also None for a number no list can have."""
        if not 0 <= number <= MAX_LIST_NUMBER:
            return None
        return self.session.scalar(
            select(StatusListRecord).where(
                StatusListRecord.agency_id == agency_id, StatusListRecord.number == number
            )
        )

    def of_agency(self, agency_id: uuid.UUID) -> list[StatusListRecord]:
        return list(
            self.session.scalars(
                select(StatusListRecord)
                .where(StatusListRecord.agency_id == agency_id)
                .order_by(StatusListRecord.number)
            )
        )


def _current_token(record: StatusListRecord, now: datetime) -> str | None:
    """The list's stored token if it shows the list's version and is less than half its cache time old."""
    fresh = record.token_signed_at is not None and now - record.token_signed_at < TOKEN_TTL / 2
    return record.token if record.token_version == record.version and fresh else None
