"""Replay caches: a KB-JWT seen once inside its freshness window is refused the second time.

Entries expire when the KB-JWT would be stale for any verifier (``keybinding.MAX_KB_AGE``), so a cache never
grows past what one such window brings. Entries are purged only up to the real clock, even for a check dated
later (``credwallet verify --at``): a check said to be in the future must not empty a cache that checks at
the present still need. A check dated in the past may find entries already purged by the real clock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from verifier.errors import ReplayCacheError


class ReplayCache(Protocol):
    def check_and_record(self, key: str, *, now: int, expires_at: int) -> bool:
        """Record ``key`` until ``expires_at``; True if it was already recorded and has not been purged.

        Raises ReplayCacheError when the cache cannot answer.
        """
        ...


Clock = Callable[[], float]


def _purge_before(now: int, clock: Clock) -> int:
    """The time before which entries may be purged: ``now``, but never later than the real clock."""
    return min(now, int(clock()))


class MemoryReplayCache:
    """A replay cache for one process, safe to share between threads."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        """``clock`` (default: the system clock) bounds purging; see the module."""
        self._entries: dict[str, int] = {}
        self._lock = threading.Lock()
        self._clock = clock or time.time

    def check_and_record(self, key: str, *, now: int, expires_at: int) -> bool:
        """See ReplayCache. Never raises."""
        with self._lock:
            cutoff = _purge_before(now, self._clock)
            self._entries = {k: t for k, t in self._entries.items() if t >= cutoff}
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

    def __init__(self, path: str | Path, *, timeout: float = 5.0, clock: Clock | None = None) -> None:
        """Open (creating if needed) the cache file. Raises ReplayCacheError when it cannot be opened.

        ``clock`` (default: the system clock) bounds purging; see the module.
        """
        self._path = Path(path)
        self._timeout = timeout
        self._clock = clock or time.time
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
        """See ReplayCache. Raises ReplayCacheError when the file cannot be read or written, or when a time
        does not fit in SQLite's 64-bit integers."""
        connection = self._connect()
        try:
            return self._check_and_record(connection, key, _purge_before(now, self._clock), expires_at)
        except sqlite3.Error as e:
            raise ReplayCacheError(f"the replay cache {self._path} failed: {e}") from e
        except OverflowError as e:  # sqlite3 raises it while binding an int beyond 64 bits
            raise ReplayCacheError(f"the replay cache {self._path} cannot store the time {expires_at}") from e
        finally:
            connection.close()

    @staticmethod
    def _check_and_record(connection: sqlite3.Connection, key: str, cutoff: int, expires_at: int) -> bool:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM seen WHERE expires_at < ?", (cutoff,))
            inserted = connection.execute(
                "INSERT INTO seen (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, expires_at),
            ).rowcount
            connection.execute("COMMIT")
        except (sqlite3.Error, OverflowError):
            connection.execute("ROLLBACK")
            raise
        return inserted == 0
