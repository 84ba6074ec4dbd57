"""Re-issue by several workers at once, each on its own connection and committing for real.

Like the other concurrency tests this cannot run inside the rolled-back test transaction, so its fixture
commits credentials signed by a compromised key and deletes them (and their copies) afterwards; audit
events stay, as the database refuses to delete them. On PostgreSQL the workers overlap: SKIP LOCKED hands
each its own rows. On SQLite (no SKIP LOCKED, one writer at a time) they take turns, and the worker
processes run as the CLI allows there: one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select, text, update

from tests.factories import TEST_ACTOR
from tests.samples import LICENCE
from tests.wallet.issuance.reissuing import (
    assert_each_reissued_once,
    give_back_status_places,
    seed_compromised,
)
from wallet.agencies.errors import UnknownAgency
from wallet.agencies.models import Agency, Person
from wallet.app import create_app
from wallet.config import load_settings
from wallet.issuance.models import (
    CredentialAuthorisation,
    IssuedCredential,
    PendingCredential,
    StatusListRecord,
)
from wallet.issuance.reissue import Lane, Position, Reissuer
from wallet.issuance.reissue_runner import run_batches, run_workers

LICENCES = 60  # and as many companions


@dataclass
class Compromised:
    rt: object
    kid: str
    old: list[uuid.UUID]
    overlapping: bool


@pytest.fixture
def compromised(settings, clock):
    app = create_app(settings, clock=clock)
    rt = app.extensions["credwallet"]
    rt.keystore.ensure_active("issuer:transport", now=clock.now())
    kid = f"compromised-{uuid.uuid4().hex}"
    with rt.db.session() as session:
        agencies = rt.agencies(session)
        try:
            agency, made_agency = agencies.find_agency("transport"), False
        except UnknownAgency:
            agency, made_agency = agencies.create_agency(slug="transport", name="Transport"), True
        lists_before = {
            row.id: row.allocated
            for row in session.execute(
                select(StatusListRecord.id, StatusListRecord.allocated).where(
                    StatusListRecord.agency_id == agency.id
                )
            )
        }
        person = agencies.create_person(
            agency.id,
            agency_ref=f"REISSUE-{uuid.uuid4().hex[:12]}",
            given_name="Alex",
            family_name="Citizen",
            birthdate=clock.now().date().replace(year=1990),
        )
        authorisation = CredentialAuthorisation(
            agency_id=agency.id,
            person_id=person.id,
            credential_type="driver_licence",
            claims=LICENCE,
            created_at=clock.now(),
        )
        session.add(authorisation)
        session.flush()
        old = seed_compromised(
            session,
            agency_id=agency.id,
            authorisation_id=authorisation.id,
            person_id=person.id,
            kid=kid,
            licences=LICENCES,
            now=clock.now(),
        )
        session.commit()
        ids = (agency.id, person.id, authorisation.id)
    try:
        yield Compromised(rt, kid, old, rt.db.engine.dialect.name == "postgresql")
    finally:
        _clean_up(rt, *ids, made_agency=made_agency, lists_before=lists_before)
        rt.db.dispose()


def _clean_up(rt, agency_id, person_id, authorisation_id, *, made_agency, lists_before):
    mine = IssuedCredential.authorisation_id == authorisation_id
    with rt.db.session() as session:
        used = Counter(session.scalars(select(IssuedCredential.status_list_id).where(mine)))
        copies = select(IssuedCredential.id).where(mine)
        session.execute(delete(PendingCredential).where(PendingCredential.issued_credential_id.in_(copies)))
        session.execute(update(IssuedCredential).where(mine).values(companion_of=None, replaces=None))
        session.execute(delete(IssuedCredential).where(mine))
        give_back_status_places(session, agency_id, used, set(lists_before))
        session.execute(delete(CredentialAuthorisation).where(CredentialAuthorisation.id == authorisation_id))
        session.execute(delete(Person).where(Person.id == person_id))
        if made_agency:
            session.execute(delete(Agency).where(Agency.id == agency_id))
        session.commit()


def _batch(session, rt, kid, size, lane, position=None):
    agency = rt.agencies(session).find_agency("transport")
    reissuer = Reissuer(rt.issuance(session), lane=lane, position=position)
    return reissuer.batch(agency, kid, size=size, actor=TEST_ACTOR)


def test_two_workers_at_once_reissue_each_credential_exactly_once(compromised):
    rt, kid = compromised.rt, compromised.kid
    first_handled = 0
    with rt.db.session() as first, rt.db.session() as second:
        if compromised.overlapping:
            # Fail rather than hang if the second worker ever waits for the first's rows.
            second.execute(text("SET LOCAL lock_timeout = '10s'"))
            # The first worker's batch is in flight: it has locked its rows (the first step of a batch).
            agency = rt.agencies(first).find_agency("transport")
            Reissuer(rt.issuance(first))._claim(agency, kid, LICENCES // 2, rt.clock.now())
        else:  # SQLite: the second worker would wait for the first's write lock, so they take turns
            first_handled += _batch(first, rt, kid, LICENCES // 2, Lane(0, 2))
            first.commit()
        # The second, in small batches, must skip the rows the first holds as it goes along, and leave alone
        # the companions of licences whose new copies are not committed yet.
        second_handled, position = 0, Position()
        while handled := _batch(second, rt, kid, 7, Lane(1, 2), position):
            second_handled += handled
        second.commit()
        first_handled += _batch(first, rt, kid, LICENCES // 2, Lane(0, 2))
        first.commit()

    rest = run_batches(rt, "transport", kid, size=25, actor=TEST_ACTOR)

    if compromised.overlapping:
        # The other licences and their companions; the first worker's companions waited for its commit.
        assert (first_handled, second_handled, rest) == (LICENCES // 2, LICENCES, LICENCES // 2)
    assert first_handled + second_handled + rest == 2 * LICENCES
    with rt.db.session() as session:
        assert_each_reissued_once(session, compromised.old)


def test_worker_processes_share_the_work_and_miss_nothing(compromised, settings, clock):
    rt, kid = compromised.rt, compromised.kid
    batches = []

    done = run_workers(
        load_settings(settings, {}),
        clock,
        "transport",
        kid,
        workers=2 if compromised.overlapping else 1,
        size=10,
        actor=TEST_ACTOR,
        progress=batches.append,
    )

    assert done == sum(batches) == 2 * LICENCES
    assert run_batches(rt, "transport", kid, size=10, actor=TEST_ACTOR) == 0
    with rt.db.session() as session:
        assert_each_reissued_once(session, compromised.old)
