"""The read-only session that GET requests use: it never writes, and on SQLite it does not wait for the
write lock."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text, update

from tests.factories import citizen, scratch_sqlite
from wallet.accounts.models import Account
from wallet.db import ReadOnlyViolation


@pytest.fixture
def scratch(tmp_path):
    """A SQLite database of the test's own, its sessions not joined to the test's transaction."""
    db = scratch_sqlite(
        tmp_path / "scratch.sqlite3",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO notes (body) VALUES ('first')",
    )
    yield db
    db.dispose()


def test_a_read_only_session_refuses_an_orm_write(rt, client):
    citizen(client)
    with rt.db.read_session() as session:
        account = session.scalars(select(Account)).first()
        account.display_name = "changed"

        with pytest.raises(ReadOnlyViolation):
            session.flush()


def test_a_read_only_session_refuses_a_bulk_write(rt):
    with rt.db.read_session() as session, pytest.raises(ReadOnlyViolation):
        session.execute(update(Account).where(Account.id == uuid.uuid4()).values(display_name="x"))


def test_on_sqlite_a_reader_does_not_wait_for_a_writer(scratch):
    with scratch.session() as writer:
        writer.execute(text("UPDATE notes SET body = 'second'"))  # holds the write lock (BEGIN IMMEDIATE)

        with scratch.read_session() as reader:
            # Deferred, under WAL: it reads the last committed state at once instead of timing out.
            assert reader.execute(text("SELECT body FROM notes")).scalar_one() == "first"
        writer.commit()


def test_a_get_request_reads_and_a_post_still_writes(client):
    tokens = citizen(client)  # POSTs: registration and log-in write

    me = client.get("/v1/accounts/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert me.status_code == 200
