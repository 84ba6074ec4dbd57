"""Two fines of one driver paid at the same moment, on two machines: their points add up to one suspension.

Two app instances on a database of this module's own, committing for real.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime

import pytest

from tests.conftest import migrated_database
from tests.factories import bearer, log_in
from tests.wallet.fines.conftest import NOTICE, SCOPES, Committed, committed_driver
from wallet.app import create_app
from wallet.clock import FrozenClock
from wallet.demerits.service import DemeritService

# How long a transaction that has recorded its points waits for the other one to have recorded its own
# before it counts the balance. Without a lock both get there (the race, every time); with one, the other
# transaction is blocked before recording and never arrives, so this is only a delay.
MEET_SECONDS = 2


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with migrated_database(tmp_path_factory.mktemp("demerits"), "demerits") as url:
        yield url


def seven_point_fine(client, driver: Committed, n: int) -> dict:
    notice = {
        **NOTICE,
        "notice_number": f"{(driver.unique + n) % 10**10:010d}",
        "licence_number": driver.licence_number,
        "points": 7,
    }
    lodged = client.post("/v1/agency/fines", json=notice, headers=bearer(driver.agency))
    assert lodged.status_code == 201, lodged.json
    return lodged.json  # type: ignore[no-any-return]


def test_two_fines_paid_at_once_over_the_limit_suspend_the_licence(settings, own_database, monkeypatch):
    clock = FrozenClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    machines = [create_app({**settings, "DATABASE_URL": own_database}, clock=clock) for _ in range(2)]
    driver = committed_driver(machines[0], SCOPES)
    fines = [seven_point_fine(machines[0].test_client(), driver, n) for n in range(2)]  # 14 > 13

    meet = threading.Barrier(2, timeout=MEET_SECONDS)
    count_balance = DemeritService._suspend_if_over

    def after_meeting(self, person_id, **kw):
        # Broken: the other transaction is waiting for this one, and counts once this one commits.
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        return count_balance(self, person_id, **kw)

    monkeypatch.setattr(DemeritService, "_suspend_if_over", after_meeting)
    paid: list[int] = []

    def pay(machine, fine, n: int) -> None:
        payment = {"amount_cents": fine["owed_cents"], "card_token": "tok_sandbox_visa"}
        headers = {**bearer(driver.token), "Idempotency-Key": f'"demerits-{driver.unique}-{n}"'}
        response = machine.test_client().post(
            f"/v1/fines/{fine['id']}/payments", json=payment, headers=headers
        )
        paid.append(response.status_code)

    pairs = enumerate(zip(machines, fines, strict=True))
    threads = [threading.Thread(target=pay, args=(m, f, n)) for n, (m, f) in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert paid == [201, 201]
    token = log_in(machines[0].test_client(), driver.email)["access_token"]
    shown = machines[0].test_client().get("/v1/demerits", headers=bearer(token)).json
    [suspension] = shown["sanctions"]
    assert "14 demerit points" in suspension["reason"]
    assert shown["balance"] == 0  # the suspension spent both fines' points
    for machine in machines:
        machine.extensions["credwallet"].db.dispose()
