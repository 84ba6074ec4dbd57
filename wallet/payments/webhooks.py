"""Signed gateway webhooks: the processor tells us later how a pending charge ended.

The signature is HMAC-SHA256 over "<unix time>.<body>" with the shared webhook secret, sent as
``Sandbox-Signature: t=<unix time>,v1=<hex>``. A webhook older or newer than five minutes is refused, so a
captured one cannot be replayed later; applying one twice changes nothing (a decided payment stays as it is).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from wallet.payments.errors import WebhookRejected

HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300
_HEADER = re.compile(r"t=(\d{1,12}),v1=([0-9a-f]{64})")


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def check_webhook(secret: str, header: str | None, body: bytes, *, now: datetime) -> None:
    """Raises WebhookRejected unless ``header`` signs ``body`` with ``secret`` within the tolerance."""
    match = _HEADER.fullmatch((header or "").strip())
    if match is None:
        raise WebhookRejected(f"Send {HEADER}: t=<unix time>,v1=<hex HMAC-SHA256>.")
    timestamp = int(match.group(1))
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected("The webhook's timestamp is outside the five minutes allowed.")
    expected = webhook_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected, match.group(0)):
        raise WebhookRejected()
