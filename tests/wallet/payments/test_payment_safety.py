"""Never a double charge, never a lost payment: requests that race, and a request killed mid-payment.

These tests need requests that really commit and really race, so they cannot run inside the rolled-back
test transaction: the app here runs on a database of this module's own (a SQLite file, or a PostgreSQL
schema when CREDWALLET_TEST_DATABASE_URL is set), dropped at the end.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import migrated_database
from tests.factories import bearer
from tests.wallet.fines.conftest import NOTICE, SCOPES, committed_driver
from wallet.app import create_app
from wallet.fines.models import Fine
from wallet.payments.gateway import SandboxGateway
from wallet.payments.idempotency import Idempotency
from wallet.payments.models import Payment, SandboxCharge

RACERS = 8
DEADLINE_SECONDS = 20.0


class Killed(BaseException):
    """The process dying: nothing after it runs (BaseException, so no handler mistakes it for an error)."""


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with migrated_database(tmp_path_factory.mktemp("payments"), "payments") as url:
        yield url


@pytest.fixture
def live(settings, clock, own_database) -> Flask:
    app = create_app({**settings, "DATABASE_URL": own_database}, clock=clock)
    yield app
    app.extensions["credwallet"].db.dispose()


@dataclass
class Owed:
    fine: dict
    token: str  # the citizen's


@pytest.fixture
def owed(live) -> Owed:
    """A fine lodged against a citizen's linked licence, all committed; new numbers for every test."""
    driver = committed_driver(live, SCOPES)
    notice = {
        **NOTICE,
        "notice_number": f"{driver.unique % 10**10:010d}",
        "licence_number": driver.licence_number,
    }
    fine = live.test_client().post("/v1/agency/fines", json=notice, headers=bearer(driver.agency))
    assert fine.status_code == 201, fine.json
    return Owed(fine.json, driver.token)


def pay(app: Flask, owed: Owed, key: str):
    return app.test_client().post(
        f"/v1/fines/{owed.fine['id']}/payments",
        json={"amount_cents": owed.fine["owed_cents"], "card_token": "tok_sandbox_visa"},
        headers={**bearer(owed.token), "Idempotency-Key": f'"{key}"'},
    )


def charged(app: Flask, owed: Owed) -> int:
    """What the card processor charged for this fine, from its own ledger."""
    with app.extensions["credwallet"].db.session() as session:
        payments = select(Payment.id).where(Payment.subject_id == uuid.UUID(owed.fine["id"]))
        refs = [str(p) for p in session.scalars(payments)]
        return session.scalar(
            select(func.count()).select_from(SandboxCharge).where(SandboxCharge.reference.in_(refs))
        )


def fine_state(app: Flask, owed: Owed) -> str:
    with app.extensions["credwallet"].db.session() as session:
        return session.get_one(Fine, uuid.UUID(owed.fine["id"])).state


def race(app: Flask, owed: Owed, keys: list[str]) -> list:
    barrier = threading.Barrier(len(keys))
    responses: list = [None] * len(keys)

    def one(i: int) -> None:
        barrier.wait()
        responses[i] = pay(app, owed, keys[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a request did not finish"
    return responses


def test_identical_requests_at_once_charge_exactly_once(live, owed):
    responses = race(live, owed, ["same-key"] * RACERS)

    outcomes = Counter((r.status_code, (r.json or {}).get("code")) for r in responses)
    assert outcomes[(201, None)] >= 1
    assert set(outcomes) <= {(201, None), (409, "request_in_progress")}
    assert len({r.json["id"] for r in responses if r.status_code == 201}) == 1  # replays of the one payment
    assert charged(live, owed) == 1
    assert fine_state(live, owed) == "paid"


def test_requests_with_different_keys_at_once_still_charge_once(live, owed):
    responses = race(live, owed, [f"key-{i}" for i in range(RACERS)])

    codes = Counter(r.status_code for r in responses)
    assert codes[201] == 1
    assert {(r.json or {}).get("code") for r in responses if r.status_code != 201} <= {
        "payment_in_progress",
        "fine_action_not_allowed",
    }
    assert charged(live, owed) == 1


def test_killed_after_the_charge_the_retry_records_it_without_charging_again(live, owed, clock, monkeypatch):
    real_charge = SandboxGateway.charge

    def charge_then_die(self, **kwargs):
        real_charge(self, **kwargs)
        raise Killed()

    monkeypatch.setattr(SandboxGateway, "charge", charge_then_die)
    monkeypatch.setattr(Idempotency, "release", lambda self, claim: None)  # a dead process releases nothing
    with pytest.raises(Killed):
        pay(live, owed, "key-1")
    assert (charged(live, owed), fine_state(live, owed)) == (1, "issued")  # charged, not yet recorded

    monkeypatch.setattr(SandboxGateway, "charge", real_charge)
    too_soon = pay(live, owed, "key-1")
    assert (too_soon.status_code, too_soon.json["code"]) == (409, "request_in_progress")
    clock.advance(seconds=31)  # past the dead request's lease
    retried = pay(live, owed, "key-1")

    assert (retried.status_code, retried.json["state"]) == (201, "captured")
    assert (charged(live, owed), fine_state(live, owed)) == (1, "paid")


def test_killed_before_the_charge_nothing_is_charged_and_the_retry_pays(live, owed, clock, monkeypatch):
    real_charge = SandboxGateway.charge

    def die(self, **kwargs):
        raise Killed()

    monkeypatch.setattr(SandboxGateway, "charge", die)
    with pytest.raises(Killed):
        pay(live, owed, "key-1")
    assert (charged(live, owed), fine_state(live, owed)) == (0, "issued")

    monkeypatch.setattr(SandboxGateway, "charge", real_charge)
    retried = pay(live, owed, "key-1")  # released: the retry need not wait for the lease

    assert retried.status_code == 201
    assert (charged(live, owed), fine_state(live, owed)) == (1, "paid")
