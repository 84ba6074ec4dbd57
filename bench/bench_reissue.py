"""Bulk re-issue after a key compromise, database writes included, as `credwallet keys revoke` runs it.

On PostgreSQL when one answers on 127.0.0.1:5432 (a scratch schema, dropped afterwards): one process, then
one worker process per core sharing the work, each on credentials of its own compromised key, in the same
run; the figure is the whole machine's rate, against the single process's. Without PostgreSQL, one process
on a scratch SQLite file (which takes one writer at a time). Rates count the credentials re-issued after
each worker's first batch, from the first batch's end to the last one's: process start and warm-up left
out.

The machine is shared, so the single process's run also reports the CPU a credential costs, its own and
its PostgreSQL server process's (read from /proc: the server is local): what the whole machine would do
with both cores to itself, whatever else is running.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert

from bench.seed import postgres_schema
from wallet.agencies.models import Agency, Person
from wallet.audit.service import Actor
from wallet.clock import SystemClock
from wallet.config import Settings, load_settings
from wallet.db import new_id
from wallet.demo import LICENCE_CLAIMS
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.reissue import refresh_statistics
from wallet.issuance.reissue_runner import run_batches, run_workers
from wallet.issuance.statuslists import StatusLists
from wallet.migrate import upgrade
from wallet.runtime import Runtime, build_runtime

SINGLE_CREDENTIALS = 4_000
PER_WORKER_CREDENTIALS = 4_000
DEVICES_PER_PERSON = 2  # each person's licence on two phones: one authorisation, two credentials
BATCH = 1_000
TARGET_PER_MACHINE = 3_000
LICENCES_TO_REISSUE = 6_200_000
ACTOR = Actor("operator", "bench")
SEED_CHUNK = 20_000  # credentials seeded per transaction in a scale run
PASSPHRASE = "benchmark-passphrase-0123"  # noqa: S105 - a scratch key store, deleted with the run


class Progress:
    """When each batch ended and how many it handled, to time the runs after their first batch."""

    def __init__(self, batches: list[tuple[float, int]] | None = None) -> None:
        self.batches: list[tuple[float, int]] = batches or []

    def __call__(self, handled: int) -> None:
        self.batches.append((time.perf_counter(), handled))

    def per_second(self, workers: int = 1) -> float:
        """From the end of the first batch to the end of the last, leaving out the first ``workers`` batches
        to end. With several workers, one of them may end a second batch before another ends its first;
        that first batch, begun before the window, is then counted in it, and the rate errs high. The scale
        run's rate over millions of credentials is the sustained one."""
        (first, _), (last, _) = self.batches[0], self.batches[-1]
        return sum(handled for _, handled in self.batches[workers:]) / (last - first)


class ServerCpu:
    """CPU seconds used by the PostgreSQL server processes behind an engine's connections."""

    def __init__(self, engine: Engine) -> None:
        self.backends: set[int] = set()
        event.listen(engine, "checkout", self._checked_out)

    def _checked_out(self, connection: Any, _record: Any, _proxy: Any) -> None:
        self.backends.add(connection.info.backend_pid)

    def seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.backends)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _seed(rt: Runtime, agency_id: uuid.UUID, kid: str, credentials: int) -> None:
    """``credentials`` licences signed by ``kid``, for distinct people, ``DEVICES_PER_PERSON`` each, with
    ids as the product makes them (``new_id``), so that the table is in id order as one filled by issuance."""
    now = rt.clock.now()
    devices = [DeviceKey().jwk for _ in range(50)]
    people = [new_id() for _ in range(credentials // DEVICES_PER_PERSON)]
    with rt.db.session() as session, session.begin():
        session.execute(insert(Person), [_person(agency_id, person, now) for person in people])
        session.execute(insert(CredentialAuthorisation), [_authorisation(agency_id, p, now) for p in people])
        lists = StatusLists(session, now=rt.clock.now)
        slots = lists.draw(agency_id, credentials)
        rows = [
            _licence(agency_id, people[n // DEVICES_PER_PERSON], devices[n % len(devices)], kid, now)
            | {"status_list_id": slot.list_id, "status_index": slot.index}
            for n, slot in enumerate(slots)
        ]
        session.execute(insert(IssuedCredential), rows)
        lists.record_batch(Counter(slot.list_id for slot in slots), set())


def _refresh_statistics(rt: Runtime) -> None:
    """As `credwallet keys revoke` does before it starts: the seeding has just grown the table."""
    with rt.db.session() as session, session.begin():
        refresh_statistics(session)


def _person(agency_id: uuid.UUID, person_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": person_id,
        "agency_id": agency_id,
        "agency_ref": person_id.hex,
        "given_name": "Alex",
        "family_name": "Citizen",
        "birthdate": date(1990, 4, 12),
        "created_at": now,
    }


def _authorisation(agency_id: uuid.UUID, person_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": person_id,  # one per person: reusing the person's id keeps the seeding simple
        "agency_id": agency_id,
        "person_id": person_id,
        "credential_type": "driver_licence",
        "claims": LICENCE_CLAIMS,
        "created_at": now,
    }


def _licence(
    agency_id: uuid.UUID, person_id: uuid.UUID, jwk: dict[str, str], kid: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "agency_id": agency_id,
        "authorisation_id": person_id,
        "person_id": person_id,
        "credential_type": "driver_licence",
        "holder_key": uuid.uuid4().hex,
        "holder_jwk": jwk,
        "signing_kid": kid,
        "state": "valid",
        "issued_at": now,
        "expires_at": now + timedelta(days=30),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as postgres:
        url = postgres or f"sqlite:///{tmp}/bench.sqlite3"
        return _measure(url, Path(tmp), "PostgreSQL" if postgres else "SQLite")


def _measure(url: str, data_dir: Path, backend: str) -> dict[str, Any]:
    settings = _settings(url, data_dir)
    rt = build_runtime(settings, SystemClock())
    upgrade(rt.db.engine)
    workers = (os.cpu_count() or 1) if backend == "PostgreSQL" else 1
    single_kid, shared_kid = _compromised_keys(rt)
    with rt.db.session() as session, session.begin():
        agency = Agency(slug="transport", name="Transport Agency", created_at=rt.clock.now())
        session.add(agency)
    _seed(rt, agency.id, single_kid, SINGLE_CREDENTIALS)
    _refresh_statistics(rt)
    single, server = Progress(), ServerCpu(rt.db.engine) if backend == "PostgreSQL" else None
    cpu_before = time.process_time(), server.seconds() if server else 0.0
    done = run_batches(rt, "transport", single_kid, size=BATCH, actor=ACTOR, progress=single)
    cpu = time.process_time() - cpu_before[0], (server.seconds() if server else 0.0) - cpu_before[1]
    machine = single
    if workers > 1:
        _seed(rt, agency.id, shared_kid, PER_WORKER_CREDENTIALS * workers)
        _refresh_statistics(rt)
        machine = Progress()
        run_workers(
            settings,
            rt.clock,
            "transport",
            shared_kid,
            workers=workers,
            size=BATCH,
            actor=ACTOR,
            progress=machine,
        )
    rt.db.dispose()
    cpu_per_credential = (cpu[0] / done, cpu[1] / done)
    return _outcome(backend, workers, single.per_second(), machine.per_second(workers)) | _cpu_figures(
        cpu_per_credential
    )


def scale(credentials: int) -> dict[str, Any]:
    """Re-issue ``credentials`` licences on PostgreSQL with a worker per core, and compare the rate over the
    job's first tenth with its last: whether it slows as the tables grow towards the 6.2 million of the
    target. Not part of ``make bench`` (a million takes several minutes): ``python -m bench.bench_reissue
    --scale 1000000``.
    """
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as postgres:
        if postgres is None:
            raise SystemExit("the scale run needs PostgreSQL on 127.0.0.1:5432")
        settings = _settings(postgres, Path(tmp))
        rt = build_runtime(settings, SystemClock())
        upgrade(rt.db.engine)
        kid, _ = _compromised_keys(rt)
        with rt.db.session() as session, session.begin():
            agency = Agency(slug="transport", name="Transport Agency", created_at=rt.clock.now())
            session.add(agency)
        started = time.perf_counter()
        for start in range(0, credentials, SEED_CHUNK):
            _seed(rt, agency.id, kid, min(SEED_CHUNK, credentials - start))
        seeded = time.perf_counter() - started
        progress, workers = Progress(), os.cpu_count() or 1
        _refresh_statistics(rt)
        run_workers(
            settings, rt.clock, "transport", kid, workers=workers, size=BATCH, actor=ACTOR, progress=progress
        )
        rt.db.dispose()
    tenth = max(1, len(progress.batches) // 10)  # in batches; a tenth's rate needs two batch ends at least
    return {
        "credentials": credentials,
        "workers": workers,
        "seeded_in_s": round(seeded, 1),
        # The first tenth from the end of the workers' first batches, as per_second counts the whole job.
        "first_tenth_per_s": round(Progress(progress.batches[: tenth + workers]).per_second(workers), 1),
        "last_tenth_per_s": round(Progress(progress.batches[-tenth - 1 :]).per_second(), 1),
        "whole_job_per_s": round(progress.per_second(workers), 1),
    }


def _settings(url: str, data_dir: Path) -> Settings:
    values = {
        "ENV": "development",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "KEY_PASSPHRASE": PASSPHRASE,
    }
    return load_settings(values, {})


def _compromised_keys(rt: Runtime) -> tuple[str, str]:
    """Two withdrawn issuer keys, one per run, and a third left active to sign the new copies."""
    first = rt.keystore.ensure_active("issuer:transport", now=datetime.now(UTC)).kid
    second = rt.keystore.revoke("issuer:transport", first, now=datetime.now(UTC)).kid
    rt.keystore.revoke("issuer:transport", second, now=datetime.now(UTC))
    return first, second


def _cpu_figures(per_credential: tuple[float, float]) -> dict[str, Any]:
    client, server = per_credential
    whole_machine = (os.cpu_count() or 1) / (client + server)
    return {
        "cpu_us_per_credential": {"process": round(client * 1e6), "database_server": round(server * 1e6)},
        "per_s_with_every_core": round(whole_machine, 1),
        "projected_minutes_for_6_2m_with_every_core": round(LICENCES_TO_REISSUE / whole_machine / 60, 1),
    }


def _outcome(backend: str, workers: int, single: float, machine: float) -> dict[str, Any]:
    return {
        "figure": f"bulk re-issue incl. database writes ({backend}), {workers} worker process(es)",
        "ours": {
            "median_per_s": round(machine, 1),
            "min_per_s": round(machine, 1),
            "max_per_s": round(machine, 1),
        },
        "baseline": {"what": "one process, same run", "median_per_s": round(single, 1)},
        "workers": workers,
        "batch": BATCH,
        "ratio": round(machine / single, 3),
        "target": f">= {TARGET_PER_MACHINE}/s",
        "target_ratio": round(machine / TARGET_PER_MACHINE, 3),
        "met": machine >= TARGET_PER_MACHINE,
        "projected_minutes_for_6_2m": round(LICENCES_TO_REISSUE / machine / 60, 1),
    }


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=scale.__doc__)
    parser.add_argument("--scale", type=int, required=True, metavar="CREDENTIALS")
    print(json.dumps(scale(parser.parse_args().scale), indent=1))
