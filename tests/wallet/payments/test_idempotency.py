"""Idempotency keys past their 24 hours are forgotten by the jobs, whatever answer their request got,
except while a payment still open depends on one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.wallet.fines.conftest import lodged, pay
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
from wallet.payments.gateway import SandboxGateway
from wallet.payments.idempotency import purge_expired
from wallet.payments.models import IdempotencyKey


def keys(rt) -> list[tuple[str, str]]:
    with rt.db.session() as session:
        return sorted((row.key, row.state) for row in session.scalars(select(IdempotencyKey)))


def test_keys_of_requests_with_no_kept_answer_are_purged_after_their_time(
    client, rt, clock, transport, driver
):
    fine = lodged(client, transport)
    refused = [
        client.post(
            f"/v1/fines/{fine['id']}/payments",
            json={"amount_cents": "not a number"},
            headers={**driver.auth, "Idempotency-Key": f'"bad-{n}"'},
        ).status_code
        for n in range(3)
    ]
    kept = keys(rt)
    clock.advance(days=30)

    run_jobs(rt, pusher=LogPusher())

    assert refused == [422, 422, 422]
    assert kept == [("bad-0", "running"), ("bad-1", "running"), ("bad-2", "running")]
    assert keys(rt) == []


class Killed(BaseException):
    """The process dying mid-request."""


def die(self, **kwargs):
    raise Killed()


def test_an_expired_key_an_open_payment_depends_on_is_kept(client, rt, clock, transport, driver, monkeypatch):
    fine = lodged(client, transport)
    monkeypatch.setattr(SandboxGateway, "charge", die)
    with pytest.raises(Killed):
        pay(client, driver, fine, "key-1")
    clock.advance(days=30)

    with rt.db.session() as session, session.begin():
        purged = purge_expired(session, now=clock.now())

    assert purged == 0
    assert keys(rt) == [("key-1", "running")]  # the jobs decide its payment first, then retire it
