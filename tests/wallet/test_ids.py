"""Primary keys are UUIDv7: rows one process makes one after another get keys in that order, in Python and as
stored, and the time in a key is never ahead of the clock."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select

from wallet.agencies.models import Agency
from wallet.db import new_id


def test_a_new_id_is_a_plain_version_7_uuid():
    made = new_id()

    assert type(made) is uuid.UUID
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_ids_made_one_after_another_sort_in_the_order_they_were_made():
    made = [new_id() for _ in range(10_000)]

    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_the_time_in_an_id_keeps_to_the_clock_however_fast_ids_are_made():
    # Thousands of ids a millisecond (a re-issue makes three a credential) must not push their time ahead:
    # a generator that adds a millisecond for each id it makes within one was 100 s ahead after these.
    for _ in range(100_000):
        last = new_id()
    milliseconds = last.int >> 80

    assert milliseconds <= time.time_ns() // 1_000_000


def test_rows_added_one_after_another_come_back_in_that_order_by_id(rt):
    with rt.db.session() as session:
        agencies = [
            Agency(slug=f"ordered-{n}", name=f"Agency {n}", created_at=rt.clock.now()) for n in range(50)
        ]
        for agency in agencies:  # one flush each: ids come from the column default, row by row
            session.add(agency)
            session.flush()
        stored = session.scalars(
            select(Agency.slug).where(Agency.slug.like("ordered-%")).order_by(Agency.id)
        ).all()

    assert stored == [agency.slug for agency in agencies]
