"""Replay caches: a KB-JWT seen once inside its freshness window is refused the second time.

Entries expire when the KB-JWT would be stale anyway, so a cache never grows past what one freshness window
brings. Both caches assume a clock that does not run backwards: an entry purged at a later ``now`` is gone
for an earlier one.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from verifier.errors import ReplayCacheError


class ReplayCache(Protocol):
    def check_and_record(self, key: str, *, now: int, expires_at: int) -> bool:
        """Record ``key`` until ``expires_at``; True if it was already recorded and has not expired.

        Raises ReplayCacheError when the cache cannot answer.
        """
        ...


class MemoryReplayCache:
    """A replay cache for one process, safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[str, int] = {}
        self._lock = threading.Lock()

    def check_and_record(self, key: str, *, now: int, expires_at: int) -> bool:
        """See ReplayCache. Never raises."""
        with self._lock:
            self._entries = {k: t for k, t in self._entries.items() if t >= now}
            if key in self._entries:
                return True
            self._entries[key] = expires_at
            return False

    def __len__(self) -> int:
        return len(self._entries)


_SCHEMA = "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID"


class SqliteReplayCache:
    """A replay cache in an SQLite file, shared by every process (every CLI run) that opens the same path.

    Each check is one ``BEGIN IMMEDIATE`` transaction, so two processes checking the same KB-JWT at once
    cannot both see it as new.
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        """Open (creating if needed) the cache file. Raises ReplayCacheError when it cannot be opened."""
        self._path = Path(path)
        self._timeout = timeout
        connection = self._connect()
        try:
            connection.execute(_SCHEMA)
        except sqlite3.Error as e:
            raise ReplayCacheError(f"cannot create the replay cache {self._path}: {e}") from e
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: transactions are written out below, not opened behind our back.
            return sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise ReplayCacheError(f"cannot open the replay cache {self._path}: {e}") from e

    def check_and_record(self, key: str, *, now: int, expires_at: int) -> bool:
        """See ReplayCache. Raises ReplayCacheError when the file cannot be read or written."""
        connection = self._connect()
        try:
            return self._check_and_record(connection, key, now, expires_at)
        except sqlite3.Error as e:
            raise ReplayCacheError(f"the replay cache {self._path} failed: {e}") from e
        finally:
            connection.close()

    @staticmethod
    def _check_and_record(connection: sqlite3.Connection, key: str, now: int, expires_at: int) -> bool:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM seen WHERE expires_at < ?", (now,))
            inserted = connection.execute(
                "INSERT INTO seen (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, expires_at),
            ).rowcount
            connection.execute("COMMIT")
        except sqlite3.Error:
            connection.execute("ROLLBACK")
            raise
        return inserted == 0
