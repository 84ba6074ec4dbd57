"""The one way to get a database session.

A request gets one session (``request_session``), which the app commits once, at the boundary, after the
view has returned; services only ``flush``. SQLite (``wallet.sqlite``) is the embedded default, PostgreSQL
the scaled one; both go through the same models and the same Alembic migrations.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
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
from uuid_utils.compat import uuid7

from wallet.sqlite import READ_ONLY, sqlite_engine

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


def new_id() -> uuid.UUID:
    """A new primary key: a UUIDv7 (RFC 9562), which starts with the time in milliseconds.

    Within a process, ids made one after another are in that order (a counter orders those of one
    millisecond, and the time in them never runs ahead of the clock); so an insert lands at the right edge of
    the primary-key index, and a walk in id order (the re-issue's batches) reads the table in the order it
    was written. Random UUIDv4 keys sent nearly every row to index and heap pages of their own. Ids name rows
    and are never secrets, nor a source of them: nothing random is drawn from an id.
    """
    return uuid7()


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=new_id)


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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return sqlite_engine(url)
    # hide_parameters: a logged database error must not carry the values it was given (hashes, claims).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class ReadOnlyViolation(RuntimeError):
    """Something tried to write through a read-only (GET request) session: a programming error."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("a read-only session was asked to write (a GET request must not change data)")


def _refuse_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyViolation("a read-only session was asked to write (a GET request must not change data)")


def flushed_connection(session: Session) -> Connection:
    """The session's connection, for Core statements run on it directly (no ORM bookkeeping), once the
    session's pending changes are flushed to it: the connection sees only what was flushed, and only
    session.execute flushes by itself. With nothing pending the flush costs nothing."""
    session.flush()
    return session.connection()


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
