"""The citizen's notifications."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from wallet.auth.guards import citizen_required, current_citizen
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.notifications import service
from wallet.notifications.schemas import (
    MarkAllReadSchema,
    MarkedSchema,
    NotificationPageSchema,
    NotificationQuerySchema,
)
from wallet.runtime import runtime

blp = Blueprint("notifications", __name__, url_prefix="/v1", description="The citizen's notifications")


@blp.route("/notifications", methods=["GET"])
@blp.operation("listNotifications")
@citizen_required(blp)
# Query strings default to ignoring unknown names; refuse them as bodies do, so a typo is not a silent no-op.
@blp.arguments(NotificationQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, NotificationPageSchema)
@blp.problems(400, 422)
def list_notifications(query: dict[str, Any]) -> service.NotificationPage:
    """The citizen's notifications, newest first, a page at a time

    Each says what happened and, in `reason`, why. Pass `next_cursor` back as `cursor` for the next page;
    notifications that arrive meanwhile never shift the pages. A malformed cursor is 400 `invalid_cursor`.
    """
    return service.list_notifications(
        request_session(),
        account_id=current_citizen().account_id,
        limit=query["limit"],
        cursor=query.get("cursor"),
        unread_only=query["unread"],
    )


@blp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@blp.operation("markNotificationRead")
@citizen_required(blp)
@blp.response(204)
@blp.problems(404)
def mark_read(notification_id: uuid.UUID) -> None:
    """Mark one notification read"""
    service.mark_read(
        request_session(),
        account_id=current_citizen().account_id,
        notification_id=notification_id,
        at=runtime().clock.now(),
    )


@blp.route("/notifications/read", methods=["POST"])
@blp.operation("markNotificationsRead")
@citizen_required(blp)
@blp.arguments(MarkAllReadSchema, required=False)
@blp.response(200, MarkedSchema)
@blp.problems(400, 415, 422)
def mark_all_read(body: dict[str, Any]) -> dict[str, int]:
    """Mark every notification read, up to now or up to a cursor

    With a `cursor` (an item's `cursor` from the list), the notification it names and every older one are
    marked, so that ones which arrived after the app last looked stay unread.
    """
    marked = service.mark_all_read(
        request_session(),
        account_id=current_citizen().account_id,
        at=runtime().clock.now(),
        cursor=body.get("cursor"),
    )
    return {"marked": marked}
