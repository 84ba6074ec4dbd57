"""Push delivery behind one small interface, with a signed-webhook adapter and a logging one for development.

The webhook adapter hands each message to a relay (ours, or a provider's) that speaks APNs / FCM: a JSON
POST signed with HMAC-SHA256 over the timestamp and the body, the scheme most webhook providers use
(``X-Credwallet-Signature: t=<unix seconds>,v1=<hex>``, MAC over ``"<t>." + body``), so the relay can
refuse forged or replayed calls, and an ``Idempotency-Key`` header, so it can drop a retried duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from wallet.clock import Clock, SystemClock
from wallet.config import ConfigError

log = logging.getLogger(__name__)

URL_VARIABLE = "CREDWALLET_PUSH_WEBHOOK_URL"
SECRET_VARIABLE = "CREDWALLET_PUSH_WEBHOOK_SECRET"  # noqa: S105 (the variable's name, not a secret)
SIGNATURE_HEADER = "X-Credwallet-Signature"
MIN_SECRET_BYTES = 32
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# Worth trying again later: the relay is down or busy, or asked us to slow down.
_RETRYABLE_STATUSES = {408, 425, 429}


class PushFailed(Exception):
    """The push was not accepted. ``retryable``: whether trying the same push again later may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Pusher(Protocol):
    def send(
        self, *, token: str, title: str, body: str, data: Mapping[str, Any], idempotency_key: str
    ) -> None:
        """Hand one message for one device to the push provider. Raises PushFailed, and nothing else."""
        ...


def masked(token: str) -> str:
    """Enough of a push token to tell devices apart in a log, never enough to push to one."""
    return f"...{token[-4:]}" if len(token) >= 16 else "..."


class LogPusher:
    """Development only: logs each message instead of sending it. Nothing reaches any phone."""

    def __init__(self) -> None:
        log.warning(
            "push notifications are only logged, never sent (LogPusher); set %s and %s to send them",
            URL_VARIABLE,
            SECRET_VARIABLE,
        )

    def send(
        self, *, token: str, title: str, body: str, data: Mapping[str, Any], idempotency_key: str
    ) -> None:
        log.info("push %s to device %s: %s: %s", idempotency_key, masked(token), title, body)


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send push tokens somewhere nobody configured (or drop the body, for 302 -> GET);
    # it surfaces as an HTTPError instead, which counts as a permanent failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookPusher:
    """POSTs each message as signed JSON to ``url``. Plain http only to this machine: bodies carry tokens."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0, clock: Clock | None = None) -> None:
        """Raises ValueError for a URL that is not https (or http to loopback) or a secret under 32 bytes."""
        _check_url(url)
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the webhook secret must be at least {MIN_SECRET_BYTES} bytes")
        self.url = url
        self.timeout = timeout
        self._secret = secret.encode()
        self._clock = clock or SystemClock()
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(
        self, *, token: str, title: str, body: str, data: Mapping[str, Any], idempotency_key: str
    ) -> None:
        payload = {"token": token, "title": title, "body": body, "data": dict(data)}
        content = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {**self._headers(content), "Idempotency-Key": idempotency_key}
        # The scheme was checked in __init__: only http(s) URLs ever get here.
        request = urllib.request.Request(self.url, data=content, method="POST", headers=headers)  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.timeout):
                pass
        except urllib.error.HTTPError as e:
            e.close()
            retryable = e.code >= 500 or e.code in _RETRYABLE_STATUSES
            raise PushFailed(f"the push webhook answered {e.code}", retryable=retryable) from None
        except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out, garbled
            unreachable = f"the push webhook is unreachable ({type(e).__name__})"
            raise PushFailed(unreachable, retryable=True) from None

    def _headers(self, content: bytes) -> dict[str, str]:
        timestamp = int(self._clock.now().timestamp())
        return {
            "Content-Type": "application/json",
            "User-Agent": "credwallet-push/1",
            SIGNATURE_HEADER: signature(self._secret, timestamp, content),
        }


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("the webhook URL must be an absolute https URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError("the webhook URL must use https (plain http is allowed only to loopback)")


def pusher_from_env(environ: Mapping[str, str]) -> Pusher:
    """The webhook pusher when CREDWALLET_PUSH_WEBHOOK_URL and _SECRET are set, else the LogPusher.

    Raises ConfigError when only one of them is set, or either is unusable.
    """
    url = environ.get(URL_VARIABLE, "").strip()
    secret = environ.get(SECRET_VARIABLE, "")
    if not url and not secret:
        return LogPusher()
    if not url or not secret:
        raise ConfigError(f"set both {URL_VARIABLE} and {SECRET_VARIABLE}, or neither")
    try:
        return WebhookPusher(url, secret)
    except ValueError as e:
        raise ConfigError(f"{URL_VARIABLE} / {SECRET_VARIABLE}: {e}") from None
