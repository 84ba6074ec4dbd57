"""Bulk inserts: COPY on PostgreSQL, executemany elsewhere, and either way the same rows in the database, the
same JSON, and the same IntegrityError, which a savepoint around the insert rolls back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Text, cast, insert, select
from sqlalchemy.exc import IntegrityError

from tests.factories import statements_sent
from wallet.audit.models import AuditEvent
from wallet.bulk import insert_rows

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
# Text that COPY's own format escapes (tabs, newlines, backslashes), and JSON of every shape.
DETAILS = {
    "reason": "issuer key compromised",
    "note": 'tab\there, line\nbreak, back\\slash, quote " and ünïcödé ✓',
    "counts": [1, 2.5, -3, None, True],
    "nested": {"empty": {}, "list": []},
}


def _event(n: int, **changes) -> dict:
    return {
        "id": uuid.uuid4(),
        "occurred_at": AT + timedelta(seconds=n),
        "event": "credential_revoked",
        "actor_type": "operator",
        "actor_id": None if n % 2 else f"operator-{n}",
        "subject_type": "credential",
        "subject_id": str(uuid.uuid4()),
        "client_address": None,
        "details": DETAILS | {"n": n},
    } | changes


def _read_back(session, ids):
    events = session.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids)))
    return {event.id: {column: getattr(event, column) for column in _event(0)} for event in events}


def test_the_rows_written_are_the_rows_read_back(rt):
    rows = [_event(n) for n in range(50)]
    with statements_sent(rt.db.engine) as sent, rt.db.session() as session, session.begin():
        insert_rows(session, AuditEvent, rows)
    with rt.db.session() as session:
        read = _read_back(session, [row["id"] for row in rows])

    assert read == {row["id"]: row for row in rows}
    if rt.db.engine.dialect.name == "postgresql":
        assert not [statement for statement in sent if "INSERT" in statement]  # it went by COPY


def test_json_is_stored_as_an_insert_stores_it(rt):
    by_copy, by_insert = _event(1), _event(2)
    with rt.db.session() as session, session.begin():
        insert_rows(session, AuditEvent, [by_copy])
        session.execute(insert(AuditEvent), [by_insert])
    with rt.db.session() as session:
        stored = dict(
            session.execute(
                select(AuditEvent.id, cast(AuditEvent.details, Text)).where(
                    AuditEvent.id.in_([by_copy["id"], by_insert["id"]])
                )
            ).all()
        )

    assert stored[by_copy["id"]].replace('"n": 1', '"n": 2') == stored[by_insert["id"]]


def test_a_unique_violation_in_a_savepoint_leaves_the_transaction_usable(rt):
    first = _event(1)
    with rt.db.session() as session, session.begin():
        insert_rows(session, AuditEvent, [first])
        with pytest.raises(IntegrityError), session.begin_nested():
            insert_rows(session, AuditEvent, [_event(2), _event(3, id=first["id"])])
        after = _event(4)
        insert_rows(session, AuditEvent, [after])
    with rt.db.session() as session:
        read = _read_back(session, [first["id"], after["id"]])

    assert read == {first["id"]: first, after["id"]: after}


def test_rows_leaving_out_a_column_with_a_default_are_refused(rt):
    row = _event(1)
    del row["details"]  # the model's default (an empty dict) is applied on our side, which COPY skips
    with rt.db.session() as session, pytest.raises(ValueError, match="details"):
        insert_rows(session, AuditEvent, [row])


def test_no_rows_write_nothing(rt):
    with statements_sent(rt.db.engine) as sent, rt.db.session() as session, session.begin():
        insert_rows(session, AuditEvent, [])

    assert not [statement for statement in sent if "INSERT" in statement or "COPY" in statement]
