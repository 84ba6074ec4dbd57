"""SQLite's write queue (wallet.sqlite.WriteQueue): writers queue on a lock file beside the database, which a
write transaction holds from its BEGIN to its end, whatever way it ends; a thread that already holds it, or
a writer that has queued too long, falls back to SQLite's own wait and its "database is locked"."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import wallet.sqlite
from tests.factories import scratch_sqlite
from wallet.db import Database

WAIT = 10.0  # a bound on waiting for another thread, so that a broken queue fails instead of hanging


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A SQLite database of the test's own, with a short busy timeout (a deadlock fails fast)."""
    monkeypatch.setattr(wallet.sqlite, "SQLITE_BUSY_SECONDS", 0.3)
    db = scratch_sqlite(
        tmp_path / "queue.sqlite3",
        "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)",
        "INSERT INTO counter (id, n) VALUES (1, 0)",
    )
    yield db
    db.dispose()


def lock_file(db: Database) -> Path:
    return Path(f"{db.engine.url.database}.write-lock")


def queue_is_held(db: Database) -> bool:
    """Whether some writer holds the queue's lock (tried from a file description of our own)."""
    fd = os.open(lock_file(db), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def eventually(condition) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_transaction_holds_the_queue_until_it_ends(scratch, end):
    with scratch.session() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        assert queue_is_held(scratch)
        getattr(session, end)()
        assert not queue_is_held(scratch)


def test_the_queue_is_let_go_when_the_transaction_ends_in_an_exception(scratch):
    held: list[bool] = []

    def fail_midway() -> None:
        with scratch.session() as session:
            session.execute(text("UPDATE counter SET n = n + 1"))
            held.append(queue_is_held(scratch))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_midway()
    assert held == [True]
    assert not queue_is_held(scratch)
    with scratch.read_session() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 0


def test_a_reader_does_not_queue(scratch):
    with scratch.read_session() as session:
        session.execute(text("SELECT n FROM counter"))
        assert not queue_is_held(scratch)


def test_savepoints_of_a_bound_connection_stay_inside_its_turn(scratch):
    connection = scratch.engine.connect()
    outer = connection.begin()
    scratch.bind(connection)
    assert queue_is_held(scratch)
    with scratch.session() as session:  # a savepoint, not a transaction of its own: no second turn
        session.execute(text("UPDATE counter SET n = n + 1"))
        session.commit()
    assert queue_is_held(scratch)
    outer.rollback()
    connection.close()
    assert not queue_is_held(scratch)


def test_a_waiting_writer_goes_once_the_holder_commits(scratch):
    holder = scratch.session()
    holder.execute(text("UPDATE counter SET n = n + 1"))
    started, done = threading.Event(), threading.Event()

    def waiter():
        with scratch.session() as session:
            started.set()
            session.execute(text("UPDATE counter SET n = n + 10"))
            session.commit()
        done.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert started.wait(WAIT)
    assert not done.wait(0.1)  # queued behind the holder
    holder.commit()
    holder.close()
    thread.join(WAIT)
    assert done.is_set()
    with scratch.read_session() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 11


def test_concurrent_writers_all_complete_and_none_is_lost(scratch, monkeypatch):
    monkeypatch.setattr(wallet.sqlite, "SQLITE_BUSY_SECONDS", 5.0)  # real contention: waits are not failures
    errors: list[BaseException] = []

    def increment(times: int) -> None:
        try:
            for _ in range(times):
                with scratch.session() as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                    session.commit()
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=increment, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert errors == []
    with scratch.read_session() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 100
    assert not queue_is_held(scratch)


def test_a_second_write_connection_in_the_same_thread_fails_instead_of_deadlocking(scratch):
    with scratch.session() as first:
        first.execute(text("UPDATE counter SET n = n + 1"))
        with scratch.session() as second, pytest.raises(OperationalError, match="database is locked"):
            second.execute(text("UPDATE counter SET n = n + 1"))
        first.commit()
    assert not queue_is_held(scratch)


def test_a_writer_that_queued_too_long_gets_sqlites_own_error_and_the_queue_recovers(scratch):
    holder = scratch.session()
    holder.execute(text("UPDATE counter SET n = n + 1"))
    failures: list[BaseException] = []

    def waiter():
        try:
            with scratch.session() as session:
                session.execute(text("UPDATE counter SET n = n + 10"))
        except OperationalError as e:
            failures.append(e)

    thread = threading.Thread(target=waiter)
    thread.start()
    thread.join(WAIT)
    assert [str(e.orig) for e in failures] == ["database is locked"]
    holder.commit()
    holder.close()
    # The abandoned wait takes the lock when the holder lets it go, and lets it go at once.
    assert eventually(lambda: not queue_is_held(scratch))
    with scratch.session() as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        session.commit()
    with scratch.read_session() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 2
