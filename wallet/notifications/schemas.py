from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from wallet.notifications.models import Notification
from wallet.notifications.service import DEFAULT_LIMIT, MAX_LIMIT, cursor_of

_CURSOR = "Opaque; from next_cursor or an item's cursor"


class NotificationQuerySchema(ma.Schema):
    # No length rule on the cursor: every malformed one gets the same answer, 400 invalid_cursor.
    cursor = ma.fields.String(metadata={"description": f"{_CURSOR}: the page after it"})
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}"},
    )
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class NotificationSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"description": "credential_suspended, credential_issued, ..."})
    title = ma.fields.String()
    body = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "Why it happened, in the agency's words"})
    data = ma.fields.Dict(metadata={"description": "Ids for the app, e.g. credential_id"})
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)
    cursor = ma.fields.Method(
        "_cursor",
        metadata={"description": "This notification's place in the list, for marking read up to it"},
    )

    def _cursor(self, notification: Notification) -> str:
        return cursor_of(notification)


class NotificationPageSchema(ma.Schema):
    notifications = ma.fields.List(
        ma.fields.Nested(NotificationSchema), metadata={"description": "Newest first"}
    )
    next_cursor = ma.fields.String(
        allow_none=True, metadata={"description": "The next page's cursor; null on the last page"}
    )


class MarkAllReadSchema(ma.Schema):
    cursor = ma.fields.String(
        metadata={"description": f"{_CURSOR}: mark it and every older one; without it, all up to now"}
    )


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer(metadata={"description": "How many notifications were marked read"})
