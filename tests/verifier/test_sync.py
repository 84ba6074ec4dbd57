"""``sync_bundle`` against a stub HTTP server on 127.0.0.1: what is stored, what is refused, what is kept.

The stub serves whatever bundle a test chooses (minted by the issuing side's ``trust_bundle``, as the service
does), honours If-None-Match like ``GET /v1/trust-bundle``, and records the ETag each request sent.
"""

from __future__ import annotations

import contextlib
import json
import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from socketserver import BaseServer
from typing import Any

import pytest

from issuers.tokens import TrustContents, TrustedIssuer, trust_bundle
from keys import SigningKey
from tests.verifier.helpers import ISS, NOW, STATUS_URI, VCT, World
from verifier.sync import (
    ANCHOR_FILE,
    BUNDLE_FILE,
    STATE_FILE,
    sync_bundle,
)

DAY = 86400
TRUST_ISS = "https://wallet.example.gov"


@contextlib.contextmanager
def serving(server: BaseServer) -> Iterator[None]:
    """Run ``server`` in a thread for the ``with`` block; it is always shut down and its socket closed."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a port just bound and released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/trust-bundle"


@dataclass
class Stub:
    url: str = ""
    body: bytes = b""
    etag: str | None = None
    status: int = 200
    sent_etags: list[str | None] = field(default_factory=list)

    def serve(self, body: str | bytes, *, etag: str | None = None, status: int = 200) -> None:
        self.body = body.encode() if isinstance(body, str) else body
        self.etag, self.status = etag, status


class _StubServer(HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = Stub(f"http://127.0.0.1:{self.server_port}/v1/trust-bundle")


class _Handler(BaseHTTPRequestHandler):
    server: _StubServer

    def do_GET(self) -> None:
        stub = self.server.stub
        sent = self.headers.get("If-None-Match")
        stub.sent_etags.append(sent)
        if stub.etag is not None and sent == stub.etag:
            self.send_response(304)
            self.send_header("ETag", stub.etag)
            self.end_headers()
            return
        self.send_response(stub.status)
        self.send_header("Content-Type", "application/jwt")
        self.send_header("Content-Length", str(len(stub.body)))
        if stub.etag is not None:
            self.send_header("ETag", stub.etag)
        self.end_headers()
        self.wfile.write(stub.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on what was requested, not on a log."""


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = _StubServer()
    with serving(server):
        yield server.stub


@pytest.fixture(scope="module")
def anchor_key() -> SigningKey:
    return SigningKey.generate("trust-anchor")


@pytest.fixture
def anchor(anchor_key: SigningKey, tmp_path: Path) -> Path:
    path = tmp_path / "pinned-anchor.json"
    path.write_text(json.dumps({"keys": [anchor_key.public_jwk()]}) + "\n")
    return path


@pytest.fixture
def device(tmp_path: Path) -> Path:
    return tmp_path / "device"


def contents(world: World) -> TrustContents:
    issuer = TrustedIssuer(ISS, "Licences Office", {"keys": [world.issuer.jwk]}, [VCT])
    return TrustContents([issuer], {STATUS_URI: world.status_token()})


def mint(
    world: World, key: SigningKey, *, iat: int = NOW - 60, days: int = 7, trusted: TrustContents | None = None
) -> str:
    """A signed bundle as the service makes it, issued at ``iat``, of ``trusted`` (default: ``contents``)."""
    issued = datetime.fromtimestamp(iat, UTC)
    trusted = trusted or contents(world)
    return trust_bundle(trusted, key=key, issuer=TRUST_ISS, now=issued, lifetime=timedelta(days=days))


def sync(stub: Stub, anchor: Path, device: Path, *, now: int = NOW, url: str | None = None):
    return sync_bundle(url or stub.url, anchor_path=anchor, store_dir=device, now=now)


def stored_files(device: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(device.iterdir())}


# --- a good bundle is stored ---------------------------------------------------------------------------


def test_the_first_sync_stores_the_bundle_and_the_anchor(world, stub, anchor, anchor_key, device):
    token = mint(world, anchor_key)
    stub.serve(token, etag='"v1"')

    result = sync(stub, anchor, device)

    assert result.outcome == "updated"
    assert result.bundle.iat == NOW - 60
    assert result.age == 60
    assert (device / BUNDLE_FILE).read_text() == token + "\n"
    assert (device / ANCHOR_FILE).read_bytes() == anchor.read_bytes()
    assert stub.sent_etags == [None]
    assert dict(result.rejected_status_lists) == {}


def test_the_files_are_private_to_the_device_user(world, stub, anchor, anchor_key, device):
    stub.serve(mint(world, anchor_key), etag='"v1"')

    sync(stub, anchor, device)

    assert stat.S_IMODE(device.stat().st_mode) == 0o700
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in device.iterdir()}
    assert modes == {BUNDLE_FILE: 0o600, ANCHOR_FILE: 0o600, STATE_FILE: 0o600}


def test_the_second_sync_sends_the_etag_and_keeps_the_bundle_on_304(world, stub, anchor, anchor_key, device):
    stub.serve(mint(world, anchor_key), etag='"v1"')
    sync(stub, anchor, device)
    before = stored_files(device)

    result = sync(stub, anchor, device, now=NOW + 3600)

    assert stub.sent_etags == [None, '"v1"']
    assert result.outcome == "unchanged"
    assert result.age == 3660
    assert stored_files(device) == before


def test_a_newer_bundle_replaces_the_stored_one(world, stub, anchor, anchor_key, device):
    stub.serve(mint(world, anchor_key), etag='"v1"')
    sync(stub, anchor, device)
    newer = mint(world, anchor_key, iat=NOW + 600)
    stub.serve(newer, etag='"v2"')

    result = sync(stub, anchor, device, now=NOW + 700)

    assert result.outcome == "updated"
    assert (device / BUNDLE_FILE).read_text() == newer + "\n"
    assert stub.sent_etags == [None, '"v1"']


def test_past_half_its_lifetime_the_bundle_is_downloaded_again(world, stub, anchor, anchor_key, device):
    # The ETag covers the contents only: a 304 would leave the device with a bundle running out.
    stub.serve(mint(world, anchor_key), etag='"v1"')
    sync(stub, anchor, device)
    renewed = mint(world, anchor_key, iat=NOW + 4 * DAY)

    stub.serve(renewed, etag='"v1"')
    result = sync(stub, anchor, device, now=NOW + 4 * DAY)

    assert stub.sent_etags == [None, None]
    assert result.outcome == "updated"
    assert (device / BUNDLE_FILE).read_text() == renewed + "\n"


def test_a_damaged_state_file_only_costs_a_full_download(world, stub, anchor, anchor_key, device):
    token = mint(world, anchor_key)
    stub.serve(token, etag='"v1"')
    sync(stub, anchor, device)
    (device / STATE_FILE).write_text("{not json")

    result = sync(stub, anchor, device)

    assert stub.sent_etags == [None, None]
    assert result.outcome == "unchanged"  # the same bundle came back
    assert (device / BUNDLE_FILE).read_text() == token + "\n"
