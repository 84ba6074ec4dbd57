"""Driving wrk (Debian's ``wrk`` package) against 127.0.0.1: one bounded run, read back as a LoadRun.

A Python client cannot saturate even the hello world under granian, so the load generator is wrk, a C
program on one thread; bench/wrk_report.lua adds the Authorization header, a request cap and a one-line
JSON summary with latency percentiles.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_report.lua")
INSTALL_HINT = "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu), then run `make bench` again"


@dataclass(frozen=True, slots=True)
class LoadRun:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # HTTP statuses > 399 and socket errors: a run with any is not a measurement
    capped: bool  # the request cap, not the duration, ended it: wrk still divides by the whole duration

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds


def wrk_path() -> str | None:
    return shutil.which("wrk")


def load(
    url: str,
    *,
    seconds: float,
    connections: int,
    max_requests: int,
    authorization: str | None = None,
    bodies: Path | None = None,
) -> LoadRun:
    """One wrk run on one thread against ``url`` (127.0.0.1 only), over at ``seconds`` or ``max_requests``."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"load goes to 127.0.0.1 only, not {url}")
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError(INSTALL_HINT)
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "-s", str(SCRIPT), url]
    command += ["--", str(max_requests), *([str(bodies)] if bodies else [])]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_AUTHORIZATION"}
    if authorization:
        env["BENCH_AUTHORIZATION"] = authorization
    done = subprocess.run(  # noqa: S603 - wrk with our own arguments, no shell
        command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    # wrk's own check of the script takes one request (a body) before the run; the rest may be in flight.
    return _parse(done.stdout, max_requests - connections - 1)


def _parse(output: str, cap: int) -> LoadRun:
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    raw = json.loads(line.removeprefix("BENCH "))
    return LoadRun(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=raw["status_errors"] + raw["socket_errors"],
        capped=raw["requests"] >= cap,
    )
