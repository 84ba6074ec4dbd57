"""The one error model: every failure leaves the API as RFC 9457 ``application/problem+json``.

Domains raise subclasses of ``AppError``; HTTP-level failures (404, 405, 413, 415, request validation) and
anything unexpected are turned into the same shape here, by the only error handlers the app registers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """A failure the caller can act on. Subclasses fix ``status``, ``code`` (stable, snake_case), ``title``.

    ``commit`` marks the few errors whose request must still keep what it wrote before failing: the audit
    record of a failed log-in, the revocation of a token family whose refresh token was replayed.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    commit: ClassVar[bool] = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Unauthenticated(AppError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, **extra)


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class MalformedJson(AppError):
    code = "malformed_json"
    title = "The body is not valid JSON"


class JsonTooDeep(AppError):
    code = "json_too_deep"
    title = "The JSON body is nested too deeply"


class InvalidField(AppError):
    """A body field valid on its own but not against what only the service knows (the fee table, the
    clock): refused in the very shape of a schema failure, naming the field, since to the caller it is one."""

    status = 422
    code = "validation_failed"
    title = HTTPStatus(422).phrase

    def __init__(self, field: str, message: str) -> None:
        super().__init__("The request does not match the schema.", errors={"json": {field: [message]}})


# Stable codes for the HTTP-level failures that Werkzeug and flask-smorest raise.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    431: "headers_too_large",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Render one problem document. ``extra`` members sit beside the standard ones (RFC 9457 section 3.2)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    """Make every error, expected or not, a problem document. Registered after flask-smorest's own."""
    app.register_error_handler(AppError, app_error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def app_error_response(error: AppError) -> Response:
    """The problem document of a domain error (also kept by idempotent operations, to replay)."""
    g.commit_despite_error = error.commit
    return problem(error.status, error.code, error.title, error.detail, error.headers, **error.extra)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return _unexpected_error(error)
    data = getattr(error, "data", None) or {}
    extra: dict[str, Any] = {}
    if "messages" in data:  # request validation by webargs / marshmallow
        extra["errors"] = data["messages"]
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    code = _HTTP_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    detail = error.description if not extra else "The request does not match the schema."
    return problem(status, code, HTTPStatus(status).phrase, detail, headers, **extra)


def _unexpected_error(error: Exception) -> Response:
    # The only place that catches everything: log the traceback for operators, show the caller nothing of it.
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return problem(500, "internal_error", "Internal server error", "The server failed; it has been logged.")
