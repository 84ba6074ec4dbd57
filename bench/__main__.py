"""``python -m bench``: run every benchmark, write bench/results.json, print a table.

``python -m bench load trust`` runs only the benchmarks named (the keys of BENCHMARKS).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    bench_credential_endpoint,
    bench_load,
    bench_mint,
    bench_peers,
    bench_qr,
    bench_reissue,
    bench_statuslist,
    bench_trust,
    bench_verify,
)
from bench.table import outcomes, render

BENCHMARK_SECONDS = 300  # each takes well under a minute; a stuck one must not hold the run
BENCHMARKS = {
    "verify": bench_verify.run,
    "peers": bench_peers.run,
    "mint": bench_mint.run,
    "qr": bench_qr.run,
    "status_list": bench_statuslist.run,
    "trust_bundle": bench_trust.run,
    "reissue": bench_reissue.run,
    "credential_endpoint": bench_credential_endpoint.run,
    "load": bench_load.run,
}


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmarks: {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "load_average": {},
        "results": {},
    }
    for name, run in BENCHMARKS.items():
        if names and name not in names:
            continue
        print(f"running {name} ... (load average {_load():.2f})", file=sys.stderr, flush=True)
        results["load_average"][name] = round(_load(), 2)
        results["results"][name] = _run(name, run)
    Path(__file__).with_name("results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{results['date']}, Python {results['python']}, {results['cores']} cores")
    print(render(results["results"]))
    return 1 if any("failed" in outcome for outcome in outcomes(results["results"])) else 0


class BenchmarkTimeout(Exception):
    pass


def _run(name: str, run: Callable[[], Any]) -> Any:
    """The benchmark's figures; a benchmark that breaks, or outlasts BENCHMARK_SECONDS, is reported as failed
    and the others still run (a timeout unwinds it, so its servers and scratch data are cleaned up)."""
    previous = signal.signal(signal.SIGALRM, _time_up)
    signal.alarm(BENCHMARK_SECONDS)
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - the top of the run: a failure becomes a row and the exit status
        traceback.print_exc()
        return {"figure": name, "failed": f"{e.__class__.__name__}: {e}"}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _time_up(_signum: int, _frame: Any) -> None:
    raise BenchmarkTimeout(f"still running after {BENCHMARK_SECONDS} s")


def _load() -> float:
    """The one-minute load average: the machine is shared, so figures are read beside it."""
    return os.getloadavg()[0]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
