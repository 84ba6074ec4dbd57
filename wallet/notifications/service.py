"""Notifications: written by every domain through ``notify``, read and marked read by the citizen.

``notify`` only adds rows to the caller's session: the notification and a pending push per device. The
caller's transaction commits them with the change they report, or rolls them back with it (the outbox
pattern), and the delivery runner (``wallet.notifications.delivery``) pushes them afterwards.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from wallet.agencies.models import Person
from wallet.db import new_id
from wallet.devices.models import Device
from wallet.notifications.cursor import Position, decode_cursor, encode_cursor
from wallet.notifications.errors import NotificationInvalid, NotificationNotFound
from wallet.notifications.models import Notification, NotificationDelivery

TITLE_MAX = 200
BODY_MAX = 2000
REASON_MAX = 500
DATA_MAX_BYTES = 2048
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class NotificationPage:
    notifications: list[Notification]
    next_cursor: str | None  # None on the last page


def notify(
    session: Session,
    *,
    account_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    reason: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> Notification:
    """Add a notification for ``account_id`` to the caller's transaction, with a pending push for each of
    the account's devices that has a push token. ``reason`` says why it happened; it is required.

    Raises NotificationInvalid (and adds nothing) when a text is empty or too long, ValueError when
    ``kind`` or ``data`` is malformed (a programming error).
    """
    texts = _checked_texts(kind=kind, title=title, body=body, reason=reason, data=data)
    notification = Notification(
        id=new_id(), account_id=account_id, data=dict(data or {}), created_at=at, **texts
    )
    session.add(notification)
    for device_id in session.scalars(_push_devices(account_id)):
        session.add(
            NotificationDelivery(
                notification_id=notification.id,
                device_id=device_id,
                state="pending",
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
        )
    session.flush()
    return notification


def notify_person(
    session: Session,
    *,
    person_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    reason: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """``notify`` the account linked to an agency's person record; None when no account is linked yet.

    Checks the message even then, so a bad one fails the same way whether or not the person has linked.
    Raises what ``notify`` raises, and ValueError for an unknown person.
    """
    _checked_texts(kind=kind, title=title, body=body, reason=reason, data=data)
    person = session.get(Person, person_id)
    if person is None:
        raise ValueError(f"no person record {person_id}")
    if person.account_id is None:
        return None
    return notify(
        session,
        account_id=person.account_id,
        kind=kind,
        title=title,
        body=body,
        reason=reason,
        at=at,
        data=data,
    )


def list_notifications(
    session: Session,
    *,
    account_id: uuid.UUID,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    unread_only: bool = False,
) -> NotificationPage:
    """One page of the account's notifications, newest first, after ``cursor`` (from a previous page).

    Keyset pagination: notifications that arrive meanwhile sort before the cursor, so paging on never
    repeats or skips one. Raises InvalidCursor, and ValueError for a limit outside 1..MAX_LIMIT.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}")
    query = select(Notification).where(Notification.account_id == account_id)
    if cursor is not None:
        query = query.where(_older_than(decode_cursor(cursor)))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    newest_first = (Notification.created_at.desc(), Notification.id.desc())
    rows = list(session.scalars(query.order_by(*newest_first).limit(limit + 1)))
    page = rows[:limit]
    more = len(rows) > limit
    return NotificationPage(page, cursor_of(page[-1]) if more else None)


def cursor_of(notification: Notification) -> str:
    return encode_cursor(notification.created_at, notification.id)


def mark_read(
    session: Session, *, account_id: uuid.UUID, notification_id: uuid.UUID, at: datetime
) -> Notification:
    """Mark one of the account's notifications read (keeping the first time if it already was).

    Raises NotificationNotFound, also for another account's notification.
    """
    notification = session.get(Notification, notification_id)
    if notification is None or notification.account_id != account_id:
        raise NotificationNotFound()
    if notification.read_at is None:
        notification.read_at = at
        session.flush()
    return notification


def mark_all_read(session: Session, *, account_id: uuid.UUID, at: datetime, cursor: str | None = None) -> int:
    """Mark read the account's unread notifications up to now, or up to ``cursor``: the notification it
    names and every older one, so that ones arriving after the app last looked stay unread.

    Returns how many were marked. Raises InvalidCursor.
    """
    if cursor is None:
        up_to = Notification.created_at <= at
    else:
        up_to = or_(_older_than(position := decode_cursor(cursor)), _at(position))
    result = session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.read_at.is_(None), up_to)
        .values(read_at=at)
    )
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def _older_than(position: Position) -> ColumnElement[bool]:
    return or_(
        Notification.created_at < position.created_at,
        and_(Notification.created_at == position.created_at, Notification.id < position.id),
    )


def _at(position: Position) -> ColumnElement[bool]:
    return and_(Notification.created_at == position.created_at, Notification.id == position.id)


def _push_devices(account_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(Device.id).where(
        Device.account_id == account_id, Device.push_token.is_not(None), Device.push_token != ""
    )


def _checked_texts(
    *, kind: str, title: str, body: str, reason: str, data: dict[str, Any] | None
) -> dict[str, str]:
    if not _KIND.fullmatch(kind):
        raise ValueError(f"notification kind must be snake_case, at most 64 characters: {kind!r}")
    _check_data(data)
    return {
        "kind": kind,
        "title": _text("title", title, TITLE_MAX),
        "body": _text("body", body, BODY_MAX),
        "reason": _text("reason", reason, REASON_MAX),
    }


def _text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise NotificationInvalid(f"The notification's {name} must not be empty.", field=name)
    if len(value) > limit:
        raise NotificationInvalid(f"The notification's {name} is over {limit} characters.", field=name)
    if "\x00" in value:
        raise NotificationInvalid(f"The notification's {name} contains a NUL character.", field=name)
    return value


def _check_data(data: dict[str, Any] | None) -> None:
    if data is None:
        return
    try:
        encoded = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"notification data must be plain JSON: {e}") from None
    if not isinstance(data, dict) or len(encoded.encode()) > DATA_MAX_BYTES:
        raise ValueError(f"notification data must be a JSON object of at most {DATA_MAX_BYTES} bytes")
