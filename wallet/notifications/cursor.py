"""The opaque cursor of the notification list: a position (created_at, id) in newest-first order.

A cursor only ever selects among the caller's own notifications (every query also filters by account), so
it needs no signature: forging one gains nothing. It is base64url so that clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wallet.notifications.errors import InvalidCursor

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ALPHABET = re.compile(r"[A-Za-z0-9_-]{1,80}")
_PAYLOAD = re.compile(r"(\d{1,17})\.([0-9a-f]{32})")


@dataclass(frozen=True, slots=True)
class Position:
    created_at: datetime
    id: uuid.UUID


def encode_cursor(created_at: datetime, notification_id: uuid.UUID) -> str:
    micros = (created_at - _EPOCH) // _MICROSECOND
    raw = f"{micros}.{notification_id.hex}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names. Raises InvalidCursor for anything ``encode_cursor`` did not make."""
    if not _ALPHABET.fullmatch(cursor):
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None
    match = _PAYLOAD.fullmatch(raw)
    if match is None:
        raise InvalidCursor()
    # At most 17 digits: under 3,200 years past 1970, so always a valid datetime.
    return Position(_EPOCH + int(match[1]) * _MICROSECOND, uuid.UUID(hex=match[2]))
