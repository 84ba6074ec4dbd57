"""Concurrent issuance: several app instances, each on its own connections, committing for real.

Each thread is a wallet talking to its own app instance (as several server processes would be): nonce
endpoint, then credential endpoint, each request committing at its end as in production.

Unlike the other tests this one cannot run inside the rolled-back test transaction (the point is that the
requests commit, and race), so its fixture commits its data and deletes it afterwards. Audit events stay:
the database refuses to delete them, by design; they name only ids that no longer exist.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from tests.factories import bearer
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import PRE_AUTHORIZED_GRANT, jwt_payload
from tests.wallet.issuance.reissuing import give_back_status_places
from verifier.statuslist import StatusList
from wallet.agencies.errors import UnknownAgency
from wallet.agencies.models import Agency, Person
from wallet.app import create_app
from wallet.audit.service import Actor
from wallet.errors import AppError
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import (
    CredentialAuthorisation,
    CredentialOffer,
    IssuanceNonce,
    IssuedCredential,
    StatusListRecord,
)
from wallet.issuance.service import issuer_url
from wallet.links.models import PersonIdentifier

THREADS = 4
PER_THREAD = 10
DEADLINE_SECONDS = 10.0


@dataclass
class Committed:
    agency_id: uuid.UUID
    person_id: uuid.UUID
    authorisation_id: uuid.UUID
    issuer: str
    access_token: str
    allocated_before: dict[uuid.UUID, int]


def _snapshot(session, agency_id):
    allocated = dict(
        session.execute(
            select(StatusListRecord.id, StatusListRecord.allocated).where(
                StatusListRecord.agency_id == agency_id
            )
        ).all()
    )
    return allocated, set(session.scalars(select(IssuanceNonce.id)))


@pytest.fixture
def committed(settings, clock):
    """A transport person with a licence authorisation, committed; all of it deleted again afterwards."""
    app = create_app(settings, clock=clock)
    rt = app.extensions["credwallet"]
    rt.keystore.ensure_active("issuer:transport", now=clock.now())
    with rt.db.session() as session:
        agencies = rt.agencies(session)
        try:
            agency, made_agency = agencies.find_agency("transport"), False
        except UnknownAgency:
            agency, made_agency = agencies.create_agency(slug="transport", name="Transport"), True
        allocated_before, nonces_before = _snapshot(session, agency.id)
        person = agencies.create_person(
            agency.id,
            agency_ref=f"CONC-{uuid.uuid4().hex[:12]}",
            given_name="Alex",
            family_name="Citizen",
            birthdate=date(1990, 4, 12),
        )
        issuer = issuer_url(rt.settings.public_url, "transport")
        offer = rt.offers(session).authorise(
            agency,
            person_id=person.id,
            credential_type="driver_licence",
            claims=LICENCE,
            issuer=issuer,
            actor=Actor("operator", "test"),
        )
        session.commit()
        ids = (agency.id, person.id, offer.authorisation.id)
    try:
        redeemed = app.test_client().post(
            "/issuers/transport/token",
            data={
                "grant_type": PRE_AUTHORIZED_GRANT,
                "pre-authorized_code": offer.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
                "tx_code": offer.tx_code,
            },
        )
        assert redeemed.status_code == 200, redeemed.json
        yield Committed(*ids, issuer, redeemed.json["access_token"], allocated_before)
    finally:
        _clean_up(
            rt, *ids, made_agency=made_agency, allocated_before=allocated_before, nonces_before=nonces_before
        )
        rt.db.dispose()


def _clean_up(rt, agency_id, person_id, _authorisation_id, *, made_agency, allocated_before, nonces_before):
    """Everything of the person's (every authorisation: a test may have replaced the first), then the
    status-list places their credentials took."""
    with rt.db.session() as session:
        theirs = select(CredentialAuthorisation.id).where(CredentialAuthorisation.person_id == person_id)
        credentials = IssuedCredential.authorisation_id.in_(theirs)
        used = Counter(session.scalars(select(IssuedCredential.status_list_id).where(credentials)))
        session.execute(delete(IssuedCredential).where(credentials))
        give_back_status_places(session, agency_id, used, set(allocated_before))
        session.execute(delete(CredentialOffer).where(CredentialOffer.authorisation_id.in_(theirs)))
        session.execute(delete(CredentialAuthorisation).where(CredentialAuthorisation.person_id == person_id))
        session.execute(delete(PersonIdentifier).where(PersonIdentifier.person_id == person_id))
        session.execute(delete(Person).where(Person.id == person_id))
        session.execute(delete(IssuanceNonce).where(IssuanceNonce.id.not_in(list(nonces_before))))
        if made_agency:
            session.execute(delete(Agency).where(Agency.id == agency_id))
        session.commit()


def _race(settings, clock, wallet, *args):
    """Run ``wallet(app, start, *args)`` in THREADS threads at once, each on an app instance of its own;
    returns the instances (disposed) once every thread is done."""
    apps = [create_app(settings, clock=clock) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    threads = [threading.Thread(target=wallet, args=(app, start, *args), daemon=True) for app in apps]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), "issuance did not finish in time"
    finally:
        for thread in threads:
            thread.join(DEADLINE_SECONDS)
        for app in apps:
            app.extensions["credwallet"].db.dispose()
    return apps


def _states(app, model, where):
    """How many rows of ``model`` that ``where`` picks are in each state, as committed."""
    with app.extensions["credwallet"].db.session() as session:
        return Counter(session.scalars(select(model.state).where(where)))


def _ask_for_licences(app, start, committed, device_for, now, results, errors):
    """One app instance, as a wallet uses it: a nonce, then a licence request bound to the key
    ``device_for()`` gives; PER_THREAD times."""
    client = app.test_client()
    start.wait()
    for _ in range(PER_THREAD):
        nonce = client.post("/issuers/transport/nonce")
        if nonce.status_code != 200:
            errors.append(f"nonce: {nonce.status_code} {nonce.json}")
            continue
        proof = device_for().proof(issuer=committed.issuer, nonce=nonce.json["c_nonce"], now=now)
        response = client.post(
            "/issuers/transport/credential",
            json={"credential_configuration_id": "driver_licence", "proofs": {"jwt": [proof]}},
            headers=bearer(committed.access_token),
        )
        if response.status_code != 200:
            errors.append(f"credential: {response.status_code} {response.json}")
            continue
        results.extend(entry["credential"] for entry in response.json["credentials"])


def test_concurrent_issuance_never_allocates_one_index_twice(settings, clock, committed):
    results: list[str] = []
    errors: list[str] = []
    now = int(clock.now().timestamp())
    apps = _race(settings, clock, _ask_for_licences, committed, DeviceKey, now, results, errors)
    assert errors == []
    assert len(results) == THREADS * PER_THREAD
    references = [jwt_payload(credential)["status"]["status_list"] for credential in results]
    assert len({(ref["uri"], ref["idx"]) for ref in references}) == THREADS * PER_THREAD
    rt = apps[0].extensions["credwallet"]
    with rt.db.session() as session:
        rows = session.execute(
            select(IssuedCredential.status_list_id, IssuedCredential.status_index).where(
                IssuedCredential.authorisation_id == committed.authorisation_id
            )
        ).all()
        allocated, _ = _snapshot(session, committed.agency_id)
    assert len(rows) == len(set(rows)) == THREADS * PER_THREAD
    taken = Counter(list_id for list_id, _ in rows)
    for list_id, count in taken.items():  # the fill counters saw every allocation, none lost to a race
        assert allocated[list_id] - committed.allocated_before.get(list_id, 0) == count


def test_one_phone_asking_at_once_is_left_with_one_valid_licence(settings, clock, committed):
    # Each issuance retires the phone's older copies; without taking turns, two at once cannot see each
    # other's uncommitted copy, and both stay valid.
    phone, errors = DeviceKey(), []
    now = int(clock.now().timestamp())
    apps = _race(settings, clock, _ask_for_licences, committed, lambda: phone, now, [], errors)
    assert errors == []
    states = _states(
        apps[0], IssuedCredential, IssuedCredential.authorisation_id == committed.authorisation_id
    )
    assert states == {"valid": 1, "revoked": THREADS * PER_THREAD - 1}


def _authorise_again(app, start, committed, errors):
    """An agency's new licence authorisation for the committed person, as its API makes it."""
    rt = app.extensions["credwallet"]
    start.wait()
    with rt.db.session() as session:
        try:
            rt.offers(session).authorise(
                session.get_one(Agency, committed.agency_id),
                person_id=committed.person_id,
                credential_type="driver_licence",
                claims=LICENCE,
                issuer=committed.issuer,
                actor=Actor("operator", "test"),
            )
            session.commit()
        except (AppError, SQLAlchemyError) as e:  # reported, not lost in the thread
            errors.append(repr(e))


def test_authorisations_at_once_leave_the_person_one_in_force(settings, clock, committed):
    # Each replaces the one in force; without taking turns, two that both replaced the first (or found
    # none) would each stand, and the person would hold two licences.
    errors: list[str] = []

    apps = _race(settings, clock, _authorise_again, committed, errors)

    assert errors == []
    states = _states(
        apps[0], CredentialAuthorisation, CredentialAuthorisation.person_id == committed.person_id
    )
    assert states == {"active": 1, "withdrawn": THREADS}


def _issue_licence(app, committed, now):
    """One licence for a new phone, through the credential endpoint; returns its status list and index."""
    client = app.test_client()
    nonce = client.post("/issuers/transport/nonce").json["c_nonce"]
    response = client.post(
        "/issuers/transport/credential",
        json={
            "credential_configuration_id": "driver_licence",
            "proofs": {"jwt": [DeviceKey().proof(issuer=committed.issuer, nonce=nonce, now=now)]},
        },
        headers=bearer(committed.access_token),
    )
    assert response.status_code == 200, response.json
    reference = jwt_payload(response.json["credentials"][0]["credential"])["status"]["status_list"]
    return int(reference["uri"].rsplit("/", 1)[1]), reference["idx"]


def _revoke_then_fetch_list(rt, committed, number, index, errors):
    """Another request revokes the credential at ``index`` and commits; then a third re-signs the list."""
    try:
        with rt.db.session() as session:
            issuance = rt.issuance(session)
            record = issuance.lists.find(committed.agency_id, number)
            credential = session.scalar(
                select(IssuedCredential).where(
                    IssuedCredential.status_list_id == record.id, IssuedCredential.status_index == index
                )
            )
            issuance.statuses.change_one(credential, "revoked", reason="stolen", actor=Actor("operator", "t"))
            session.commit()
        with rt.db.session() as session:
            issuance = rt.issuance(session)
            agency = session.get_one(Agency, committed.agency_id)
            issuance.lists.token(issuance.lists.find(committed.agency_id, number), issuance.signer(agency))
            session.commit()
    except (AppError, SQLAlchemyError) as e:  # reported, not lost in the thread
        errors.append(repr(e))


def test_a_list_token_signed_before_a_revocation_never_replaces_a_newer_one(settings, clock, committed):
    # A re-signing request reads the statuses; a revocation commits and another request re-signs the list
    # with it; the first then wrote its token (without the revocation) over that one, and the row still
    # said its token showed the newest version. Re-signing under the list's row lock makes the revocation
    # wait for the first request instead (that wait times out the join below), so it is never lost.
    app = create_app(settings, clock=clock)
    rt = app.extensions["credwallet"]
    number, index = _issue_licence(app, committed, int(clock.now().timestamp()))
    assert app.test_client().get(f"/issuers/transport/status/{number}").status_code == 200
    clock.advance(minutes=8)  # past half the token's ttl: the next request re-signs it
    errors: list[str] = []
    racer = threading.Thread(target=_revoke_then_fetch_list, args=(rt, committed, number, index, errors))
    try:
        with rt.db.session() as session:
            issuance = rt.issuance(session)
            read_statuses = issuance.lists.statuses

            def statuses_then_race(record):
                statuses = read_statuses(record)
                racer.start()
                racer.join(1.0)
                return statuses

            issuance.lists.statuses = statuses_then_race
            agency = session.get_one(Agency, committed.agency_id)
            issuance.lists.token(issuance.lists.find(committed.agency_id, number), issuance.signer(agency))
            session.commit()
        racer.join(DEADLINE_SECONDS)
        assert not racer.is_alive()
        assert errors == []

        with rt.db.session() as session:
            record = rt.issuance(session).lists.find(committed.agency_id, number)
            assert record.token_version == record.version
        served = app.test_client().get(f"/issuers/transport/status/{number}").get_data(as_text=True)
        assert StatusList.decode(jwt_payload(served)["status_list"])[index] == 1
    finally:
        if racer.ident is not None:  # started
            racer.join(DEADLINE_SECONDS)
        rt.db.dispose()
