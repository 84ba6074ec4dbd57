"""Alembic migrations: they build the models' schema exactly, go down and up again, guard the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, delete, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from wallet.audit.models import AuditEvent
from wallet.audit.service import Actor, record
from wallet.db import make_engine
from wallet.migrate import alembic_config, is_current, upgrade
from wallet.models import Base

MODEL_TABLES = set(Base.metadata.tables)
SQLITE_TRIGGERS = {"audit_events_no_update", "audit_events_no_delete"}


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return {row[0] for row in rows}


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Engine]:
    """An empty SQLite database of the test's own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite3'}")
    yield engine
    engine.dispose()


def test_the_migrations_build_exactly_the_models_schema(database_url):
    engine = make_engine(database_url)
    try:
        assert is_current(engine)
        assert schema_diff(engine) == []
    finally:
        engine.dispose()


def test_is_current_is_false_on_an_empty_database_and_true_after_upgrade(scratch):
    assert is_current(scratch) is False

    upgrade(scratch)

    assert is_current(scratch) is True


def test_upgrade_downgrade_to_base_and_upgrade_again(scratch):
    upgrade(scratch)
    assert set(inspect(scratch).get_table_names()) >= MODEL_TABLES
    assert triggers(scratch) == SQLITE_TRIGGERS

    with scratch.begin() as connection:
        command.downgrade(alembic_config(connection), "base")

    assert is_current(scratch) is False
    assert set(inspect(scratch).get_table_names()) - {"alembic_version"} == set()
    assert triggers(scratch) == set()
    # The comparison sees a missing schema, so an empty diff above means something.
    added = {diff[1].name for diff in schema_diff(scratch) if diff[0] == "add_table"}
    assert added == MODEL_TABLES

    upgrade(scratch)

    assert is_current(scratch) is True
    assert schema_diff(scratch) == []
    assert triggers(scratch) == SQLITE_TRIGGERS


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_the_audit_log(rt, clock, change):
    with rt.db.session() as session:
        entry = record(
            session,
            event="test_event",
            actor=Actor("operator", "tests"),
            at=clock.now(),
            subject=("thing", "1"),
        )
        session.flush()  # inserting is allowed
        statement = (
            update(AuditEvent).where(AuditEvent.id == entry.id).values(event="tampered")
            if change == "update"
            else delete(AuditEvent).where(AuditEvent.id == entry.id)
        )

        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(statement, execution_options={"synchronize_session": False})

        session.expire_all()
        assert session.scalar(select(AuditEvent.event).where(AuditEvent.id == entry.id)) == "test_event"
        assert (
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id == entry.id)) == 1
        )
