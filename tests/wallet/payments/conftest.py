"""Payments are tested through fines, the first thing paid for: the fines fixtures, shared."""

from __future__ import annotations

import json

from tests.wallet.fines.conftest import driver, other_driver, transport, transport_client  # noqa: F401
from wallet.payments.webhooks import HEADER, webhook_signature

WEBHOOK = "/v1/payments/webhooks/sandbox"


def send(client, rt, body: dict, *, secret: str | None = None, skew: int = 0):
    """POST ``body`` to the sandbox webhook, signed now (or ``skew`` seconds off) with ``secret``."""
    content = json.dumps(body).encode()
    stamp = int(rt.clock.now().timestamp()) + skew
    signature = webhook_signature(secret or rt.settings.payment_webhook_secret, stamp, content)
    return client.post(WEBHOOK, data=content, content_type="application/json", headers={HEADER: signature})
