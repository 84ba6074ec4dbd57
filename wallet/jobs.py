"""``credwallet jobs run``: the periodic work, safe to run from cron on several machines at once.

Each job runs in its own transactions and is idempotent: credentials a birthday has changed are marked
once (and their holders told once), expired single-use rows are purged, payments the gateway left open are
asked about again, fines past a deadline take their next step, sanctions start and end on their days, and
due push deliveries are claimed. Rows are taken with locks that concurrent runners skip.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from wallet.devices.service import purge_challenges
from wallet.fines.lifecycle import JOB
from wallet.issuance.events import tell_holder
from wallet.issuance.offers import purge_expired
from wallet.issuance.refresh import mark_birthdays
from wallet.notifications.delivery import DeliveryReport, deliver_pending
from wallet.notifications.push import Pusher, pusher_from_env
from wallet.payments.idempotency import purge_expired as purge_idempotency_keys
from wallet.payments.upkeep import Upkeep
from wallet.runtime import Runtime

DELIVERY_BATCH = 100
FINE_BATCH = 200


@dataclass
class JobReport:
    birthdays: int = 0
    purged: int = 0
    fines_moved: int = 0
    sanctions_started: int = 0
    sanctions_ended: int = 0
    payments_reconciled: int = 0
    refunds: int = 0
    rego_reminders: int = 0
    deliveries: list[DeliveryReport] = field(default_factory=list)

    def summary(self) -> str:
        delivered = sum(r.delivered for r in self.deliveries)
        retrying = sum(r.retrying for r in self.deliveries)
        failed = sum(r.failed for r in self.deliveries)
        return (
            f"credentials marked for a birthday: {self.birthdays}; expired rows purged: {self.purged}; "
            f"fines moved on: {self.fines_moved}; sanctions started: {self.sanctions_started}, "
            f"ended: {self.sanctions_ended}; payments reconciled: {self.payments_reconciled}, "
            f"refunded: {self.refunds}; "
            f"registration reminders: {self.rego_reminders}; "
            f"pushes delivered: {delivered}, retrying: {retrying}, failed: {failed}"
        )


def run_jobs(rt: Runtime, *, pusher: Pusher | None = None) -> JobReport:
    report = JobReport()
    report.birthdays = _birthdays(rt)
    report.purged = _purge(rt)
    upkeep = Upkeep(rt.payments()).run()
    report.payments_reconciled, report.refunds = upkeep.reconciled + upkeep.abandoned, upkeep.refunded
    report.fines_moved = _fines(rt)
    report.sanctions_started, report.sanctions_ended = _sanctions(rt)
    report.rego_reminders = _rego_reminders(rt)
    report.deliveries = _deliver(rt, pusher or pusher_from_env(os.environ))
    return report


def _birthdays(rt: Runtime) -> int:
    with rt.db.session() as session, session.begin():
        now = rt.clock.now()
        marked = mark_birthdays(session, now=now)
        told = {
            (c.person_id, c.credential_type) for c in marked if c.companion_of is None
        }  # companions follow
        for person_id, credential_type in sorted(told, key=str):
            tell_holder(
                session,
                person_id=person_id,
                credential_type=credential_type,
                kind="credential_refresh_due",
                reason="because a birthday changed what it shows",
                at=now,
            )
        return len(marked)


def _purge(rt: Runtime) -> int:
    with rt.db.session() as session, session.begin():
        now = rt.clock.now()
        return (
            purge_expired(session, now=now)
            + purge_challenges(session, now=now)
            + purge_idempotency_keys(session, now=now)
        )


def _fines(rt: Runtime) -> int:
    """Fines past their deadline, a batch per transaction, until none is left."""
    moved = 0
    while True:
        with rt.db.session() as session, session.begin():
            batch = rt.fine_lifecycle(session).advance_due(limit=FINE_BATCH)
        moved += batch
        if batch < FINE_BATCH:
            return moved


def _rego_reminders(rt: Runtime) -> int:
    """Registration reminders, a batch per transaction, through every vehicle near its expiry."""
    total, after = 0, None
    while True:
        with rt.db.session() as session, session.begin():
            sent, after = rt.vehicles(session).send_reminders(after=after)
        total += sent
        if after is None:
            return total


def _sanctions(rt: Runtime) -> tuple[int, int]:
    with rt.db.session() as session, session.begin():
        sanctions = rt.sanctions(session)
        return sanctions.advance(rt.demerits(session).today, actor=JOB)


def _deliver(rt: Runtime, pusher: Pusher) -> list[DeliveryReport]:
    reports = []
    while True:
        with rt.db.session() as session, session.begin():
            report = deliver_pending(session, pusher=pusher, now=rt.clock.now(), limit=DELIVERY_BATCH)
        reports.append(report)
        if report.claimed < DELIVERY_BATCH:
            return reports
