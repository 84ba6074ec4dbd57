"""SQLite as the embedded database: the pragmas every connection needs, BEGIN IMMEDIATE for writers, and a
fair queue for its one write lock (``WriteQueue``)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, create_engine, event

READ_ONLY = "credwallet_read_only"  # an execution option: this connection's transactions only read
SQLITE_BUSY_SECONDS = 5.0  # how long a write waits for another's lock before "database is locked"


def sqlite_engine(url: str) -> Engine:
    """An engine for a SQLite URL: WAL, foreign keys on, and writers queued fairly on a file database."""
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
        hide_parameters=True,
    )
    database = engine.url.database
    event.listen(engine, "connect", _sqlite_on_connect)
    if database and database != ":memory:" and not engine.url.query.get("uri"):
        Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _queue_writers(engine, WriteQueue(f"{database}.write-lock"))
    else:
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL; take it over (the recipe
    # from SQLAlchemy's SQLite notes) and set the pragmas every connection needs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads, then writes after
    # another connection has committed, fails at once with "database is locked" (busy_timeout cannot help
    # it), so concurrent requests would fail instead of waiting their turn. A read-only session never
    # writes, so it begins deferred and reads beside the writer (WAL) instead of queueing for its lock.
    connection.exec_driver_sql("BEGIN" if _read_only(connection) else "BEGIN IMMEDIATE")


def _read_only(connection: Connection) -> bool:
    return bool(connection.get_execution_options().get(READ_ONLY, False))


class WriteQueue:
    """A fair queue for SQLite's one write lock: an OS lock (flock) on a file beside the database, taken
    before BEGIN IMMEDIATE and let go once the transaction has ended.

    SQLite's own wait (busy_timeout) polls, sleeping up to 100 ms between tries, so a waiting writer can
    be passed over by the holder's next transaction again and again: a request could wait a second while
    the lock changed hands a hundred times. The kernel wakes a flock waiter the moment the lock is let go.
    Where the queue cannot help, SQLite's own wait applies as before: a thread that already holds the lock
    on another connection goes straight to BEGIN IMMEDIATE (which then fails after the busy timeout instead
    of deadlocking), and so does a writer that has queued for longer than the busy timeout.
    """

    # The threads of this process holding a queue's lock, by the lock file: two engines may share a file.
    _holders: ClassVar[set[tuple[str, int]]] = set()

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def acquire(self) -> int | None:
        """The lock's file descriptor, held; None when the caller is to rely on SQLite's own wait."""
        if (self.path, threading.get_ident()) in self._holders:
            return None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _Waiter(fd).wait(SQLITE_BUSY_SECONDS):
                return None  # the waiter lets the lock go (and closes the file) when it gets it
        self._holders.add((self.path, threading.get_ident()))
        return fd

    def release(self, fd: int, holder: int) -> None:
        self._holders.discard((self.path, holder))
        os.close(fd)  # closing the file lets the flock go


class _Waiter:
    """A thread blocked in flock for a writer that waits with a timeout (flock itself has none)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.got = threading.Event()
        self.abandoned = False
        self.decided = threading.Lock()  # the waiter's timeout and the thread's success, one at a time
        threading.Thread(target=self._lock, name="sqlite-write-queue", daemon=True).start()

    def _lock(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        with self.decided:
            if self.abandoned:
                os.close(self.fd)
            else:
                self.got.set()

    def wait(self, timeout: float) -> bool:
        if self.got.wait(timeout):
            return True
        with self.decided:
            self.abandoned = not self.got.is_set()
            return not self.abandoned


def _queue_writers(engine: Engine, queue: WriteQueue) -> None:
    """Writers of a SQLite file take ``queue``'s lock before BEGIN IMMEDIATE, and let it go after COMMIT or
    ROLLBACK (the dialect's own, so that it is let go only once SQLite's lock has been) or when the
    connection is closed or invalidated."""
    held: dict[Any, tuple[int, int]] = {}  # by DBAPI connection: the lock's descriptor, the thread

    def begin(connection: Connection) -> None:
        fd = None if _read_only(connection) else queue.acquire()  # readers never queue
        try:
            _sqlite_on_begin(connection)
        except BaseException:
            if fd is not None:
                queue.release(fd, threading.get_ident())
            raise
        if fd is not None:
            held[connection.connection.dbapi_connection] = (fd, threading.get_ident())

    def let_go(dbapi_connection: Any) -> None:
        lock = held.pop(dbapi_connection, None)
        if lock is not None:
            queue.release(*lock)

    def then_let_go(end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ending(proxied: Any) -> None:
            try:
                end(proxied)
            finally:
                let_go(proxied.dbapi_connection)

        return ending

    event.listen(engine, "begin", begin)
    dialect = engine.dialect  # this engine's own: the wrappers reach no other engine
    setattr(dialect, "do_commit", then_let_go(dialect.do_commit))  # noqa: B010 - an instance's method
    setattr(dialect, "do_rollback", then_let_go(dialect.do_rollback))  # noqa: B010
    for closing in ("close", "invalidate"):
        event.listen(engine, closing, lambda dbapi_connection, *_: let_go(dbapi_connection))
