from __future__ import annotations

from wallet.errors import AppError


class NotificationNotFound(AppError):
    status = 404
    code = "notification_not_found"
    title = "No such notification"


class InvalidCursor(AppError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not one this API gave out"


class NotificationInvalid(AppError):
    """A notification that cannot be sent as asked: no reason, or text too long. Nothing is written."""

    status = 422
    code = "notification_invalid"
    title = "The notification cannot be sent as given"
