"""The push adapters. WebhookPusher against a real HTTP server on 127.0.0.1, checking what a relay would:
the signature verifies with the shared secret, the idempotency key is there, and answers are classified."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wallet.config import ConfigError
from wallet.notifications.push import LogPusher, PushFailed, WebhookPusher, pusher_from_env

SECRET = "webhook-secret-for-tests-0123456789abcdef"
TOKEN = "fcm-token-abcdefghijklmnopqrstuvwxyz-1234"
MESSAGE = {
    "token": TOKEN,
    "title": "Your Driver Licence is suspended",
    "body": "Your Driver Licence has been suspended because your demerit points reached 13.",
    "data": {"notification_id": "n-1", "kind": "credential_suspended"},
    "idempotency_key": "3f1c0a8e-0000-4000-8000-000000000001",
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Relay:
    """A push relay that records each request and answers with the next of ``statuses`` (then 200)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def relay() -> Iterator[Relay]:
    state = Relay()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", f"{state.url}-elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/push"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def _verifies(header: str, body: bytes, secret: str) -> tuple[bool, int]:
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]), int(fields["t"])


def test_the_relay_receives_a_signed_message_with_its_idempotency_key(relay, clock):
    WebhookPusher(relay.url, SECRET, clock=clock).send(**MESSAGE)

    [request] = relay.received
    assert request.path == "/push"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == MESSAGE["idempotency_key"]
    verified, timestamp = _verifies(request.headers["X-Credwallet-Signature"], request.body, SECRET)
    assert verified
    assert timestamp == int(clock.now().timestamp())
    assert json.loads(request.body) == {k: v for k, v in MESSAGE.items() if k != "idempotency_key"}


def test_the_signature_does_not_verify_with_another_secret_or_body(relay, clock):
    WebhookPusher(relay.url, SECRET, clock=clock).send(**MESSAGE)

    [request] = relay.received
    header = request.headers["X-Credwallet-Signature"]
    assert not _verifies(header, request.body, "another-secret-of-enough-length-000000")[0]
    assert not _verifies(header, request.body.replace(b"13", b"12"), SECRET)[0]


def test_a_retry_carries_the_same_idempotency_key(relay, clock):
    relay.statuses = [503]
    pusher = WebhookPusher(relay.url, SECRET, clock=clock)

    with pytest.raises(PushFailed):
        pusher.send(**MESSAGE)
    pusher.send(**MESSAGE)

    assert [r.headers["Idempotency-Key"] for r in relay.received] == [MESSAGE["idempotency_key"]] * 2


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (429, True),
        (408, True),
        (400, False),
        (401, False),
        (404, False),
    ],
)
def test_server_errors_are_retryable_and_client_errors_are_not(relay, status, retryable):
    relay.statuses = [status]

    with pytest.raises(PushFailed) as failed:
        WebhookPusher(relay.url, SECRET).send(**MESSAGE)

    assert failed.value.retryable is retryable
    assert str(status) in str(failed.value)
    assert TOKEN not in str(failed.value)


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_a_permanent_failure_and_is_not_followed(relay, status):
    relay.statuses = [status]

    with pytest.raises(PushFailed) as failed:
        WebhookPusher(relay.url, SECRET).send(**MESSAGE)

    assert failed.value.retryable is False
    assert [r.path for r in relay.received] == ["/push"]


def test_a_relay_that_never_answers_is_a_retryable_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts the connection; nobody ever reads or answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/push"

        with pytest.raises(PushFailed) as failed:
            WebhookPusher(url, SECRET, timeout=0.2).send(**MESSAGE)

    assert failed.value.retryable is True


def test_a_relay_that_is_down_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there

    with pytest.raises(PushFailed) as failed:
        WebhookPusher(f"http://127.0.0.1:{port}/push", SECRET).send(**MESSAGE)

    assert failed.value.retryable is True


@pytest.mark.parametrize(
    "url",
    [
        "http://push.example.org/hook",
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "https:///no-host",
        "hook",
    ],
)
def test_the_webhook_url_must_be_https_or_loopback(url):
    with pytest.raises(ValueError, match="URL"):
        WebhookPusher(url, SECRET)


def test_the_webhook_secret_must_be_long_enough():
    with pytest.raises(ValueError, match="secret"):
        WebhookPusher("https://push.example.org/hook", "short")


def test_https_urls_are_accepted():
    assert WebhookPusher("https://push.example.org/hook", SECRET).url == "https://push.example.org/hook"


def test_without_configuration_pushes_are_only_logged_and_the_token_is_masked(caplog):
    caplog.set_level(logging.INFO, logger="wallet.notifications.push")

    pusher = pusher_from_env({})
    pusher.send(**MESSAGE)

    assert isinstance(pusher, LogPusher)
    assert "only logged, never sent" in caplog.text
    assert MESSAGE["title"] in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN[-4:] in caplog.text


def test_with_url_and_secret_pushes_go_to_the_webhook(relay):
    pusher = pusher_from_env(
        {"CREDWALLET_PUSH_WEBHOOK_URL": relay.url, "CREDWALLET_PUSH_WEBHOOK_SECRET": SECRET}
    )

    pusher.send(**MESSAGE)

    assert isinstance(pusher, WebhookPusher)
    assert len(relay.received) == 1


@pytest.mark.parametrize(
    "environ",
    [
        {"CREDWALLET_PUSH_WEBHOOK_URL": "https://push.example.org/hook"},
        {"CREDWALLET_PUSH_WEBHOOK_SECRET": SECRET},
        {
            "CREDWALLET_PUSH_WEBHOOK_URL": "http://push.example.org/hook",
            "CREDWALLET_PUSH_WEBHOOK_SECRET": SECRET,
        },
        {
            "CREDWALLET_PUSH_WEBHOOK_URL": "https://push.example.org/hook",
            "CREDWALLET_PUSH_WEBHOOK_SECRET": "x",
        },
    ],
)
def test_half_or_unusable_webhook_configuration_is_refused(environ):
    with pytest.raises(ConfigError, match="CREDWALLET_PUSH_WEBHOOK"):
        pusher_from_env(environ)
