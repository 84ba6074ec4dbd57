"""Servers for the load benchmarks: started on 127.0.0.1 and a free port, each in a process group of its
own, waited for with a bound, and stopped (the group, SIGTERM then SIGKILL) whatever happens."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallet.holder.transport import Reply, UrllibTransport

REPOSITORY = Path(__file__).resolve().parent.parent
CREDWALLET = str(Path(sys.executable).with_name("credwallet"))
STARTUP_SECONDS = 30
# Nothing from the environment (a proxy) may stand between the benchmark and its local servers.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class Running:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plain_env() -> dict[str, str]:
    """This environment without any credwallet setting, and with bench/ importable (it is not installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDWALLET_")}
    env["PYTHONPATH"] = str(REPOSITORY)
    return env


def server_env(data_dir: Path, base: str) -> dict[str, str]:
    """The environment ``make run`` gives the server, with its state in ``data_dir``."""
    return plain_env() | {
        "CREDWALLET_ENV": "development",
        "CREDWALLET_DATA_DIR": str(data_dir),
        "CREDWALLET_PUBLIC_URL": base,
    }


@contextlib.contextmanager
def serving(command: Sequence[str], *, port: int, env: Mapping[str, str], log: Path) -> Iterator[Running]:
    """Run ``command`` (a server listening on ``port``) until the block ends."""
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
            list(command),
            env=dict(env),
            cwd=REPOSITORY,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Running(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(running)
        yield running
    finally:
        _stop(process)


def _wait_until_up(running: Running) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{running.log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            if get(f"{running.base}/healthz").status < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS} s:\n{running.log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # workers orphaned by a main process that died
        os.killpg(process.pid, signal.SIGKILL)


def get(url: str, headers: Mapping[str, str] | None = None) -> Reply:
    return LoopbackTransport().request("GET", url, headers=headers)


class LoopbackTransport:
    """The holder's HTTP (wallet.holder.transport), refusing anything but 127.0.0.1 and any proxy."""

    def __init__(self) -> None:
        self._http = UrllibTransport(timeout=30, opener=_LOOPBACK)

    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"the benchmark talks to 127.0.0.1 only, not {url}")
        return self._http.request(method, url, form=form, json_body=json_body, headers=headers)
