"""``@idempotent``: the HTTP side of Idempotency-Key for money-moving operations.

Placed under the citizen guard and above ``arguments``/``response``, so that it sees who called and keeps
the finished response (success or problem) exactly as it was sent, to send again to a retry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask import Response, g, request

from wallet.auth.guards import current_citizen
from wallet.db import request_session
from wallet.digests import digest
from wallet.errors import PROBLEM_JSON, AppError, app_error_response
from wallet.payments.errors import IdempotencyKeyMissing, PaymentDeclined
from wallet.payments.idempotency import Idempotency
from wallet.payments.models import Payment
from wallet.runtime import runtime

HEADER = "Idempotency-Key"
# An RFC 8941 String: printable ASCII in double quotes, with \" and \\ escaped; at most 255 characters.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]){1,255})"')
HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "description": 'A quoted string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"; kept 24 hours',
    "schema": {"type": "string"},
}


def idempotency_key() -> str:
    raw = request.headers.get(HEADER)
    if raw is None:
        raise IdempotencyKeyMissing()
    match = _SF_STRING.fullmatch(raw.strip())
    if match is None:
        raise IdempotencyKeyMissing(
            'The Idempotency-Key must be a quoted string of 1 to 255 visible ASCII characters, e.g. "a1b2".'
        )
    return re.sub(r"\\(.)", r"\1", match.group(1))


def _fingerprint() -> bytes:
    body = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        canonical = body.hex()
    return digest("idempotency", request.method, request.path, canonical)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        rt = runtime()
        # The request's own transaction holds only the guard's reads. End it: the operation runs in
        # transactions of its own, and on SQLite an open one would hold the write lock they wait for.
        request_session().commit()
        store = Idempotency(rt.db.session, now=rt.clock.now)
        claim = store.claim(current_citizen().account_id, idempotency_key(), _fingerprint())
        if claim.replay is not None:
            return _replayed(claim.replay)
        try:
            response = view(*args, claim=claim, **kwargs)
        except AppError as error:
            response = app_error_response(error)
            # The answer is final and kept (for retries) by the operation's own transactions; the
            # request's session holds nothing to undo, so it ends like a success would.
            g.commit_despite_error = True
        except BaseException:
            store.release(claim)  # no answer to keep: a retry may go ahead at once
            raise
        if response.status_code == 409 or response.status_code >= 500:
            store.release(claim)  # in progress elsewhere, or unavailable: the same request may succeed later
        else:
            store.finish(claim, response.status_code, response.get_json())
        return cast(Response, response)

    return wrapper


def payment_reply(payment: Payment) -> tuple[Payment, int]:
    """A money-moving POST's answer: 201 when captured, 202 while undecided; a decline is 402."""
    if payment.state == "failed":
        raise PaymentDeclined(f"The card was declined ({payment.failure_code}); try another card.")
    return payment, 201 if payment.state == "captured" else 202


def _replayed(replay: tuple[int, dict[str, Any]]) -> Response:
    status, body = replay
    mimetype = PROBLEM_JSON if status >= 400 else "application/json"
    response = Response(json.dumps(body), status=status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response
