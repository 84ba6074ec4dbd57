"""Re-issue in batches: a batch costs a few statements whatever its size, companions find their licence's new
copy across batches, and concurrent workers draw status indices from lanes of their own."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests.factories import TEST_ACTOR, statements_sent
from tests.wallet.issuance.reissuing import assert_each_reissued_once, seed_compromised
from wallet.issuance import statuslists
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.reissue import Reissuer, refresh_statistics
from wallet.issuance.reissue_runner import BATCH_ATTEMPTS, run_batches
from wallet.issuance.statuslists import FILL_LIMIT, Slot, StatusLists

KID = "compromised-key-of-the-tests"


@pytest.fixture
def compromised(rt, offer, person_id):
    """Seed credentials signed by KID for the offer's person: ``compromised(n)`` gives n licences, each with
    its companion, and returns all their ids."""

    def seed(licences: int) -> list[uuid.UUID]:
        with rt.db.session() as session:
            authorisation = session.scalars(
                select(CredentialAuthorisation).where(
                    CredentialAuthorisation.person_id == uuid.UUID(person_id)
                )
            ).one()
            ids = seed_compromised(
                session,
                agency_id=authorisation.agency_id,
                authorisation_id=authorisation.id,
                person_id=authorisation.person_id,
                kid=KID,
                licences=licences,
                now=rt.clock.now(),
            )
            session.commit()
        return ids

    return seed


def _batch(rt, size):
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        handled = Reissuer(rt.issuance(session)).batch(agency, KID, size=size, actor=TEST_ACTOR)
        session.commit()
    return handled


def _statements(rt, size):
    """How many statements one batch of ``size`` sends to the database, and how many it handled."""
    with statements_sent(rt.db.engine) as sent:
        handled = _batch(rt, size)
    return len(sent), handled


def test_a_batch_costs_a_few_statements_whatever_its_size(rt, compromised):
    compromised(40)

    small, handled_small = _statements(rt, 30)  # thirty licences
    large, handled_large = _statements(rt, 50)  # ten licences and forty companions

    assert (handled_small, handled_large) == (30, 50)
    # Ten statements a credential before batching; now under twenty for a whole batch (another round of
    # index draws when a draw hits a taken index, the companions' own query and their licences' copies).
    assert small <= 16
    assert large <= 20


def test_every_credential_is_reissued_once_across_batches(rt, compromised):
    old = compromised(7)

    handled = [_batch(rt, 4) for _ in range(5)]

    assert handled == [4, 4, 4, 2, 0]
    with rt.db.session() as session:
        assert_each_reissued_once(session, old)


def test_a_companion_left_to_a_later_batch_points_at_its_licences_new_copy(rt, compromised):
    licence_id, companion_id = compromised(1)

    assert [_batch(rt, 1), _batch(rt, 1)] == [1, 1]

    with rt.db.session() as session:
        copies = {
            c.replaces: c
            for c in session.scalars(
                select(IssuedCredential).where(IssuedCredential.replaces.in_([licence_id, companion_id]))
            )
        }
    assert copies[companion_id].companion_of == copies[licence_id].id
    assert copies[companion_id].expires_at <= copies[licence_id].expires_at


def test_workers_draw_indices_in_lanes_of_their_own(rt, transport_agency):
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        lists = StatusLists(session, now=rt.clock.now)
        lanes = [lists.draw(agency.id, 500, lane=lane, lanes=3) for lane in range(3)]

    for lane, slots in enumerate(lanes):
        assert {slot.index % 3 for slot in slots} == {lane}
        assert len({slot.index for slot in slots}) == 500
    assert len({(slot.list_id, slot.index) for slots in lanes for slot in slots}) == 1500


def test_a_drawn_index_is_never_one_already_taken(rt, compromised, monkeypatch):
    old = compromised(3)
    with rt.db.session() as session:
        taken = session.execute(
            select(IssuedCredential.status_list_id, IssuedCredential.status_index).where(
                IssuedCredential.id.in_(old)
            )
        ).all()
        agency = rt.agencies(session).find_agency("transport")
        lists = StatusLists(session, now=rt.clock.now)
        # The first draws hit every taken index: only the check against the table keeps them out.
        draws = iter([index for _, index in taken] + list(range(10_000, 10_100)))
        with monkeypatch.context() as patch:
            patch.setattr(statuslists.secrets, "randbelow", lambda _: next(draws))
            drawn = lists.draw(agency.id, 6)

    assert {slot.list_id for slot in drawn} == {list_id for list_id, _ in taken}
    assert not {slot.index for slot in drawn} & {index for _, index in taken}
    assert len({slot.index for slot in drawn}) == 6


def test_a_batch_whose_drawn_index_was_taken_meanwhile_draws_again(rt, compromised, monkeypatch):
    old = compromised(2)
    with rt.db.session() as session:
        taken = session.execute(
            select(IssuedCredential.status_list_id, IssuedCredential.status_index).where(
                IssuedCredential.id == old[0]
            )
        ).one()
    real_draw, draws = StatusLists.draw, []

    def draw_once_into_a_taken_index(lists, *args, **kwargs):
        # As if a request issuing at the same moment had taken the first index drawn: the insert fails on
        # the unique (list, index) pair, its savepoint is rolled back, and the batch draws again.
        slots = real_draw(lists, *args, **kwargs)
        draws.append(slots)
        if len(draws) == 1:
            slots[0] = Slot(taken.status_list_id, slots[0].number, taken.status_index)
        return slots

    monkeypatch.setattr(StatusLists, "draw", draw_once_into_a_taken_index)

    assert _batch(rt, 4) == 4

    assert len(draws) == 2
    with rt.db.session() as session:
        assert_each_reissued_once(session, old)


def test_a_lane_takes_only_its_share_of_a_lists_room(rt, compromised):
    compromised(1)
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        lists = StatusLists(session, now=rt.clock.now)
        open_list = lists._open_list(agency.id)
        open_list.allocated = FILL_LIMIT - 10  # ten places left: five for each of two lanes
        session.flush()
        slots = lists.draw(agency.id, 6, lane=1, lanes=2)

    assert [slot.list_id for slot in slots].count(open_list.id) == 5
    assert slots[-1].list_id != open_list.id  # the rest goes to a new list


def test_a_worker_stops_when_a_pass_from_the_start_finds_nothing(rt, compromised):
    old = compromised(7)
    batches = []

    done = run_batches(rt, "transport", KID, size=4, actor=TEST_ACTOR, progress=batches.append)

    assert done == sum(batches) == 14
    assert run_batches(rt, "transport", KID, size=4, actor=TEST_ACTOR) == 0
    with rt.db.session() as session:
        assert_each_reissued_once(session, old)


class _ServerError(Exception):
    """What a driver raises for an error the server reports: its SQLSTATE with it."""

    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _breaking(monkeypatch, sqlstate, *, failures):
    """Make batches 2 to 1 + ``failures`` do all their work and then fail with ``sqlstate``, as when the
    server breaks a transaction off at its commit; returns where each batch began."""
    real, began = Reissuer.batch, []

    def batch(self, agency, kid, *, size, actor):
        began.append(self.position.licence)
        handled = real(self, agency, kid, size=size, actor=actor)
        if 2 <= len(began) <= 1 + failures:
            raise OperationalError("COMMIT", {}, _ServerError(sqlstate))
        return handled

    monkeypatch.setattr(Reissuer, "batch", batch)
    return began


def test_a_batch_broken_off_by_a_deadlock_runs_again_from_where_it_began(rt, compromised, monkeypatch):
    old = compromised(7)
    began = _breaking(monkeypatch, "40P01", failures=1)

    done = run_batches(rt, "transport", KID, size=4, actor=TEST_ACTOR)

    assert done == 14
    assert began[1] == began[2]  # the broken batch's writes and its move of the position both undone
    with rt.db.session() as session:
        assert_each_reissued_once(session, old)


def test_a_batch_that_keeps_conflicting_stops_the_job(rt, compromised, monkeypatch):
    old = compromised(7)
    began = _breaking(monkeypatch, "40001", failures=BATCH_ATTEMPTS)

    with pytest.raises(OperationalError):
        run_batches(rt, "transport", KID, size=4, actor=TEST_ACTOR)

    assert len(began) == 1 + BATCH_ATTEMPTS
    with rt.db.session() as session:  # the first batch stands; running the job again does the rest
        reissued = session.scalars(
            select(IssuedCredential.replaces).where(IssuedCredential.replaces.in_(old))
        ).all()
    assert len(reissued) == 4


def test_an_error_that_is_no_conflict_is_not_retried(rt, compromised, monkeypatch):
    compromised(7)
    began = _breaking(monkeypatch, "23505", failures=1)

    with pytest.raises(OperationalError):
        run_batches(rt, "transport", KID, size=4, actor=TEST_ACTOR)

    assert len(began) == 2


def test_the_job_counts_the_credentials_afresh_before_it_starts_on_postgresql(rt, compromised):
    # Stale statistics made PostgreSQL read and sort every remaining row of the key for each batch.
    compromised(7)
    with rt.db.session() as session:
        with statements_sent(rt.db.engine) as sent:
            refresh_statistics(session)
        postgresql = session.get_bind().dialect.name == "postgresql"
        counted = postgresql and session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'issued_credentials'::regclass")
        )
    analyzed = [statement for statement in sent if statement.startswith("ANALYZE")]
    assert analyzed == (["ANALYZE issued_credentials"] if postgresql else [])
    assert counted is False or counted >= 14  # seven licences and their companions
