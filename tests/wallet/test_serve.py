"""The production server, as the quickstart runs it: `credwallet init --demo`, then `credwallet serve`.

One server for the module, on 127.0.0.1 and a free port, with a data dir of its own; every wait is
bounded and the whole process group is stopped at the end. The requests are the ones `init --demo`
prints, read back from its output.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from wallet.demo import DEMO_EMAIL

CREDWALLET = str(Path(sys.executable).with_name("credwallet"))
STARTUP_SECONDS = 20
# No proxy from the environment may stand between the tests and the local server.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Server:
    base: str
    home: Path
    log: Path
    process: subprocess.Popen[bytes]
    quickstart: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDWALLET_")}
    env.update(
        CREDWALLET_ENV="development",
        CREDWALLET_DATA_DIR=str(home),
        CREDWALLET_ARGON2_TIME_COST="1",
        CREDWALLET_ARGON2_MEMORY_KIB="1024",
        CREDWALLET_ARGON2_PARALLELISM="1",
        **extra,
    )
    return env


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    assert url.startswith("http://127.0.0.1:"), url  # the local test server, nothing else
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with HTTP.open(req, timeout=10) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not gone within 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # Workers left behind by a main process that died: the group is ours alone.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_healthy(base: str, process: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            if request("GET", f"{base}/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within {STARTUP_SECONDS} s:\n{log.read_text()}")


def parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    home = root / "var"
    home.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(home, CREDWALLET_PUBLIC_URL=base)
    init = subprocess.run(
        [CREDWALLET, "init", "--demo"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    log = root / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [CREDWALLET, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(base, process, log)
        yield Server(base, home, log, process, init.stdout)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def printed(server: Server) -> dict[str, Any]:
    """The quickstart's URLs and credentials, as `init --demo` printed them."""
    text = server.quickstart

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, text)
        assert match, f"{pattern!r} not in the quickstart:\n{text}"
        return match

    client = find(r"curl -s -u '([^':]+):([^']+)'\s*\\\n\s*-d grant_type=client_credentials (\S+)")
    return {
        "readyz": find(r"curl -s (\S+/readyz)").group(1),
        "sessions": find(r"-X POST (\S+/v1/sessions) ").group(1),
        "login": json.loads(find(r"-d '(\{[^']*\})'").group(1)),
        "me": find(r"curl -s (\S+/v1/accounts/me) -H \"Authorization: Bearer \$TOKEN\"").group(1),
        "client_id": client.group(1),
        "client_secret": client.group(2),
        "token": client.group(3),
        "docs": find(r"API docs:\s+(\S+/docs)\s").group(1),
        "openapi": find(r"\(OpenAPI: (\S+)\)").group(1),
    }


# -- the quickstart --------------------------------------------------------------------------------


def test_the_printed_urls_point_at_the_server(server, printed):
    for name in ("readyz", "sessions", "me", "token", "docs", "openapi"):
        assert printed[name].startswith(f"{server.base}/"), printed[name]
    transport = json.loads((server.home / "demo-credentials.json").read_text())["transport"]
    assert (printed["client_id"], printed["client_secret"]) == (
        transport["client_id"],
        transport["client_secret"],
    )


def test_readyz(printed):
    response = request("GET", printed["readyz"])

    assert response.status == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}


def test_the_demo_citizen_logs_in_and_opens_the_account(printed):
    session = request(
        "POST",
        printed["sessions"],
        body=json.dumps(printed["login"]).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert session.status == 201, session.body
    token = session.json()["access_token"]

    me = request("GET", printed["me"], headers={"Authorization": f"Bearer {token}"})

    assert me.status == 200, me.body
    assert me.json()["email"] == DEMO_EMAIL
    assert request("GET", printed["me"]).status == 401


def test_the_demo_agency_client_gets_a_token(printed):
    basic = base64.b64encode(f"{printed['client_id']}:{printed['client_secret']}".encode()).decode()

    response = request(
        "POST",
        printed["token"],
        body=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert response.status == 200, response.body
    token = response.json()
    assert token["token_type"].lower() == "bearer"
    assert token["access_token"].count(".") == 2
    assert "people:read" in token["scope"].split()


def test_the_docs_work_offline(server, printed):
    response = request("GET", printed["docs"])

    assert response.status == 200
    assert response.headers.get_content_type() == "text/html"
    html = response.body.decode()
    assets = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    assets += re.findall(r"<link[^>]*\shref=\"([^\"]+)\"", html)
    assert any(a.endswith(".js") for a in assets), html
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", html):
        for url in re.findall(r"https?://[^\s\"'>]+", tag):
            assert urllib.parse.urlsplit(url).hostname == "127.0.0.1", tag
    for asset in assets:
        url = urllib.parse.urljoin(printed["docs"], asset)
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1", asset
        assert request("GET", url).status == 200, url


def test_openapi_is_3_1(printed):
    response = request("GET", printed["openapi"])

    assert response.status == 200
    assert response.json()["openapi"].startswith("3.1")


def test_two_worker_processes_serve(server):
    pattern = re.compile(r"Spawning worker-(\d+) with PID: (\d+)")
    deadline = time.monotonic() + STARTUP_SECONDS
    workers: dict[str, int] = {}
    while time.monotonic() < deadline:
        log = server.log.read_text()
        workers = {n: int(pid) for n, pid in pattern.findall(log)}
        if len(workers) >= 2 and all(f"Started worker-{n}" in log for n in workers):
            break
        time.sleep(0.2)

    assert sorted(workers) == ["1", "2"], server.log.read_text()
    assert server.process.poll() is None
    if Path("/proc/self/stat").exists():
        for pid in workers.values():
            assert parent_pid(pid) == server.process.pid, pid


# -- refusing to start -----------------------------------------------------------------------------


def test_serve_refuses_a_database_that_was_never_migrated(tmp_path):
    home = tmp_path / "var"
    home.mkdir()
    process = subprocess.Popen(
        [CREDWALLET, "serve", "--host", "127.0.0.1", "--port", str(free_port()), "--workers", "1"],
        env=server_env(home),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("`credwallet serve` started on a database that was never migrated")
    finally:
        stop(process)

    assert process.returncode == 2, (out, err)
    assert "credwallet init" in err
    assert "Traceback" not in err
    assert "Listening" not in out + err
