"""``GET /v1/credentials`` (bearer-token check, database read, schema dump) on the production server, as
``credwallet serve`` runs it (granian, 2 workers), against a Flask JSON hello world on the same server and
worker count, loaded by wrk in the same run and in alternation.

Target: at least half the hello world's requests/s, with p99 <= 25 ms at that load. Everything runs on
127.0.0.1, in a temporary directory, and every load run ends by itself (a duration and a request cap).
Without wrk the figure is reported as not measured, with how to install it.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.seed import citizen_token, collect_credentials, demo_server, postgres_schema
from bench.serving import LoopbackTransport, Running, free_port, plain_env, serving
from bench.wrk import INSTALL_HINT, LoadRun, load, wrk_path

WORKERS = 2
CONNECTIONS = 8  # four per worker: enough to keep both busy, few enough that p99 is not queueing alone
SECONDS = 4.0
WARM_UP_SECONDS = 1.0
REPETITIONS = 3
MAX_REQUESTS = 250_000  # per run: about three times what the hello world serves in SECONDS on 2 cores
TARGET_RATIO = 0.5
TARGET_P99_MS = 25.0
FIGURE = "GET /v1/credentials req/s, granian 2 workers, wrk"
TARGET = f">= {TARGET_RATIO}; p99 <= {TARGET_P99_MS:g} ms"


@dataclass(frozen=True, slots=True)
class Seeded:
    url: str  # GET /v1/credentials on the running server
    authorization: str
    issued: int
    shown: int


def run() -> list[dict[str, Any]]:
    """The figure on SQLite (what ``credwallet serve`` uses by default) and, when one answers, PostgreSQL."""
    if wrk_path() is None:
        return [_not_measured()]
    with tempfile.TemporaryDirectory(prefix="credwallet-bench-") as tmp, contextlib.ExitStack() as stack:
        home = Path(tmp)
        servers = {"SQLite": stack.enter_context(_seeded(home / "sqlite", None))}
        postgres = stack.enter_context(postgres_schema())
        if postgres:
            servers["PostgreSQL"] = stack.enter_context(_seeded(home / "postgresql", postgres))
        hello = stack.enter_context(_hello(home))
        targets: dict[str, tuple[str, str | None]] = {"hello": (f"{hello.base}/", None)}
        targets |= {name: (s.url, s.authorization) for name, s in servers.items()}
        runs = _alternate(targets)
    return [_outcome(runs, name, seeded) for name, seeded in servers.items()]


@contextlib.contextmanager
def _seeded(home: Path, database_url: str | None) -> Iterator[Seeded]:
    """The product's server with the demo citizen holding a licence and proof-of-age on two phones."""
    home.mkdir()
    with demo_server(home, workers=WORKERS, database_url=database_url) as (server, env):
        issued = collect_credentials(env)
        authorization = f"Bearer {citizen_token(server.base)}"
        url = f"{server.base}/v1/credentials"
        yield Seeded(url, authorization, issued, _wallet_size(url, authorization))


def _hello(home: Path) -> contextlib.AbstractContextManager[Running]:
    port = free_port()
    command = [sys.executable, "-m", "bench.hello_app", str(port), str(WORKERS)]
    return serving(command, port=port, env=plain_env(), log=home / "hello.log")


def _wallet_size(url: str, authorization: str) -> int:
    """How many entries the wallet shows: the load must read real credentials, not an empty list."""
    reply = LoopbackTransport().request("GET", url, headers={"Authorization": authorization})
    if reply.status != 200 or not reply.body:
        raise RuntimeError(f"the seeded wallet is not served: {reply.status} {reply.body}")
    return len(reply.body)


def _alternate(targets: dict[str, tuple[str, str | None]]) -> dict[str, list[LoadRun]]:
    """Warm each server, then load them in turn, so both see the same machine."""
    for url, authorization in targets.values():
        _load(url, authorization, WARM_UP_SECONDS)
    runs: dict[str, list[LoadRun]] = {name: [] for name in targets}
    for _ in range(REPETITIONS):
        for name, (url, authorization) in targets.items():
            runs[name].append(_load(url, authorization, SECONDS))
    return runs


def _load(url: str, authorization: str | None, seconds: float) -> LoadRun:
    done = load(
        url,
        seconds=seconds,
        connections=CONNECTIONS,
        max_requests=MAX_REQUESTS,
        authorization=authorization,
    )
    if done.errors:
        raise RuntimeError(f"{done.errors} failed requests to {url}: the run measures nothing")
    if done.capped:
        raise RuntimeError(f"the request cap ended a run to {url} early: raise MAX_REQUESTS")
    return done


def _rates(runs: list[LoadRun]) -> dict[str, float]:
    rates = [r.per_s for r in runs]
    return {
        "median_per_s": round(statistics.median(rates), 1),
        "min_per_s": round(min(rates), 1),
        "max_per_s": round(max(rates), 1),
    }


def _latency(runs: list[LoadRun]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
        "p99_max_ms": round(max(r.p99_ms for r in runs), 2),
    }


def _outcome(runs: dict[str, list[LoadRun]], database: str, seeded: Seeded) -> dict[str, Any]:
    ours, hello = _rates(runs[database]), _rates(runs["hello"])
    ratio = ours["median_per_s"] / hello["median_per_s"]
    latency = _latency(runs[database])
    return {
        "figure": f"{FIGURE}, {database}",
        "ours": ours,
        "baseline": {"what": "Flask JSON hello world, same server and workers", **hello},
        **latency,
        "baseline_latency": _latency(runs["hello"]),
        "ratio": round(ratio, 3),
        "target": TARGET,
        "met": ratio >= TARGET_RATIO and latency["p99_ms"] <= TARGET_P99_MS,
        "setup": {
            "workers": WORKERS,
            "connections": CONNECTIONS,
            "seconds_per_run": SECONDS,
            "repetitions": REPETITIONS,
            "database": database,
            "credentials_issued": seeded.issued,
            "wallet_entries": seeded.shown,
        },
    }


def _not_measured() -> dict[str, Any]:
    return {
        "figure": FIGURE,
        "ours": None,
        "baseline": {"what": "Flask JSON hello world, same server and workers"},
        "ratio": None,
        "target": TARGET,
        "met": None,
        "not_measured": INSTALL_HINT,
    }
