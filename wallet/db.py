"""The one way to get a database session.

A request gets one session (``request_session``), which the app commits once, at the boundary, after the
view has returned; services only ``flush``. SQLite (WAL, foreign keys on) is the embedded default,
PostgreSQL the scaled one; both go through the same models and the same Alembic migrations.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from flask import current_app, g, request
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    MetaData,
    TypeDecorator,
    Uuid,
    create_engine,
    event,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

READ_ONLY = "credwallet_read_only"  # an execution option: this connection's transactions only read
SAFE_METHODS = ("GET", "HEAD")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone, so it is restored on the way out)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
    }


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        event.listen(self._read_sessions, "before_flush", _refuse_flush)
        event.listen(self._read_sessions, "do_orm_execute", _refuse_statement)
        self.joined: Connection | None = None

    def session(self) -> Session:
        return self._sessions()

    def read_session(self) -> Session:
        """A session that only reads, for GET requests. On SQLite it begins a deferred transaction, so
        reads do not queue behind writers for the write lock; a write through it is a programming error."""
        session = self._read_sessions()
        session.info[READ_ONLY] = True
        return session

    def bind(self, connection: Connection) -> None:
        """Run every session inside ``connection``'s open transaction, committing to savepoints.

        Tests use it to roll back everything a test did; a script can use it to make a batch atomic.
        """
        for sessions in (self._sessions, self._read_sessions):
            sessions.configure(bind=connection, join_transaction_mode="create_savepoint")
        self.joined = connection

    def ping(self) -> None:
        with self.session() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


SQLITE_BUSY_SECONDS = 5.0  # how long a write waits for another's lock before "database is locked"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
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
    # hide_parameters: a logged database error must not carry the values it was given (hashes, claims).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


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
        if _read_only(connection):
            connection.exec_driver_sql("BEGIN")
            return
        fd = queue.acquire()
        if fd is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.release(fd, threading.get_ident())
            raise
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


class ReadOnlyViolation(RuntimeError):
    """Something tried to write through a read-only (GET request) session: a programming error."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("a read-only session was asked to write (a GET request must not change data)")


def _refuse_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyViolation("a read-only session was asked to write (a GET request must not change data)")


def request_session(*, writes: bool = False) -> Session:
    """The session of the current request, opened on first use and committed by the app at the end.

    A GET or HEAD request gets a read-only one, unless its view says it ``writes`` (a cache kept in the
    database, such as a re-signed status list): the read-only session, which has only read, is then
    closed and replaced."""
    db: Database = current_app.extensions["credwallet"].db
    current: Session | None = g.get("db_session")
    if current is not None and writes and current.info.get(READ_ONLY):
        current.close()
        current = None
    if current is None:
        current = db.read_session() if request.method in SAFE_METHODS and not writes else db.session()
        g.db_session = current
    session: Session = g.db_session
    return session


def use_once(session: Session, used_at: Any, *where: Any, at: datetime) -> bool:
    """Set ``used_at`` (a model's column) to ``at`` on the row ``where`` picks, if it is still unset.

    One conditional UPDATE: of two requests racing for one single-use thing (a code, a nonce, a refresh
    token, a challenge), exactly one gets True.
    """
    result = session.execute(
        update(used_at.class_)
        .where(used_at.is_(None), *where)
        .values({used_at.key: at})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
