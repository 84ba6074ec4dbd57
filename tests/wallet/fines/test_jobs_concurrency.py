"""`credwallet jobs run` from cron on several machines at once: every fine takes each step exactly once.

Two app instances (two machines) on a database of this module's own, committing for real.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import migrated_database
from tests.factories import bearer, log_in
from tests.wallet.fines.conftest import NOTICE, SCOPES, committed_driver
from wallet.app import create_app
from wallet.audit.models import AuditEvent
from wallet.clock import FrozenClock
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher

FINES = 12


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with migrated_database(tmp_path_factory.mktemp("jobs"), "jobs") as url:
        yield url


def test_two_runners_at_once_remind_each_fine_once(settings, own_database, monkeypatch):
    monkeypatch.setattr("wallet.jobs.FINE_BATCH", 5)  # 12 fines: each runner goes through several batches
    clock = FrozenClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    machines = [create_app({**settings, "DATABASE_URL": own_database}, clock=clock) for _ in range(2)]
    rt, client = machines[0].extensions["credwallet"], machines[0].test_client()
    driver = committed_driver(machines[0], SCOPES)
    ids = []
    for n in range(FINES):
        notice = {
            **NOTICE,
            "notice_number": f"{(driver.unique + n) % 10**10:010d}",
            "licence_number": driver.licence_number,
        }
        ids.append(client.post("/v1/agency/fines", json=notice, headers=bearer(driver.agency)).json["id"])

    clock.advance(days=30)  # past every due date
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run(machine) -> None:
        barrier.wait()
        try:
            run_jobs(machine.extensions["credwallet"], pusher=LogPusher())
        except Exception as error:  # noqa: BLE001 - a thread cannot raise into the test: reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(m,)) for m in machines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    with rt.db.session() as session:
        reminded = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.event == "fine_remind", AuditEvent.subject_id.in_(ids))
        )
    assert reminded == FINES
    fresh = log_in(client, driver.email)["access_token"]
    fines = client.get("/v1/fines", headers=bearer(fresh))
    assert {f["state"] for f in fines.json} == {"reminder"}
    for machine in machines:
        machine.extensions["credwallet"].db.dispose()
