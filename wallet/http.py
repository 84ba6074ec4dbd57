"""Request parsing and the Blueprint every domain uses.

The parser turns every malformed body into a problem: a body of the wrong content type is 415, bytes that are
not JSON are 400 ``malformed_json``, JSON nested deeper than the configured limit is 400 ``json_too_deep``.
Text no database or hash can take (NUL, lone surrogates) is refused wherever it comes from: in a JSON body as
``malformed_json``, in a form or query-string field as a schema failure naming the field, in a path as 404.
Unknown fields are refused by the schemas themselves (marshmallow's ``unknown=RAISE``), so no mass assignment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Request, current_app
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from wallet.errors import PROBLEM_JSON, JsonTooDeep, MalformedJson, NotFound, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with the stable ``code`` every error carries."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "Stable snake_case error code"})
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "Per-field messages, for validation failures"})
    retry_after = ma.fields.Integer()


def check_json(value: Any, limit: int) -> None:
    """Refuse JSON nested deeper than ``limit`` or holding strings no database or hash can take.

    Lone surrogates (``"\\ud800"``) are valid JSON escapes but not Unicode text, and NUL is refused by
    PostgreSQL text columns; both would fail deep inside a service. Iterative, so it cannot overflow.
    Raises JsonTooDeep or MalformedJson.
    """
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if isinstance(node, dict):
            children: list[Any] = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise JsonTooDeep()
        stack.extend((child, depth + 1) for child in children)


def text_problem(text: str) -> str | None:
    """Why no database or hash could take ``text`` ("must not ..."), or None when it is fine.

    NUL is refused by PostgreSQL text columns (a 500 there, not on SQLite); a lone surrogate is not Unicode
    text and fails any encode.
    """
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be Unicode text (no lone surrogates)"
    return None


def _check_text(text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise MalformedJson(f"JSON strings {problem}.")


def check_fields(fields: MultiDict[str, str]) -> None:
    """Refuse form or query-string fields whose name or value no database could take.

    Every field, known to the schema or not, so that no later use of the raw request can meet one.
    Raises marshmallow.ValidationError naming the fields, which webargs answers as a schema failure.
    """
    errors: dict[str, list[str]] = {}
    for name, value in fields.items(multi=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            errors.setdefault(name, []).append(f"Field names and values {problem}.")
    if errors:
        raise ma.ValidationError(errors)


def _check_path(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """No resource is named with such text, and a lookup by it would fail in the database: 404."""
    for value in (values or {}).values():
        if isinstance(value, str) and text_problem(value):
            raise NotFound()


def _has_body(req: Request) -> bool:
    return bool(req.content_length) or bool(req.get_data(cache=True))


class StrictParser(FlaskParser):
    def _raw_load_json(self, req: Request) -> Any:
        if not _has_body(req):
            return core.missing
        if req.mimetype != "application/json" and not req.mimetype.endswith("+json"):
            raise UnsupportedMediaType(f"send the body as application/json, not {req.mimetype!r}")
        try:
            # Decoded strictly first: json.loads on bytes lets UTF-8-encoded surrogates through.
            data = json.loads(req.get_data(cache=True).decode("utf-8"))
        except (ValueError, RecursionError):
            raise MalformedJson() from None
        check_json(data, current_app.extensions["credwallet"].settings.max_json_depth)
        return data

    def load_form(self, req: Request, schema: ma.Schema) -> Any:
        if _has_body(req) and req.mimetype != FORM:
            raise UnsupportedMediaType(f"send the body as {FORM}, not {req.mimetype!r}")
        check_fields(req.form)
        return super().load_form(req, schema)

    def load_querystring(self, req: Request, schema: ma.Schema) -> Any:
        check_fields(req.args)
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_value_preprocessor(_check_path)

    def operation(self, operation_id: str) -> Callable[[Any], Any]:
        """Name the operation in the OpenAPI description (a test makes sure every operation has a name)."""
        return self.doc(operationId=operation_id)  # type: ignore[no-any-return]

    def problems(self, *statuses: int) -> Callable[[Any], Any]:
        """Document the problem responses an operation can return, beside the default one."""

        def decorator(view: Any) -> Any:
            for status in statuses:
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return decorator


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api, documenting every error as a problem document."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in HTTPStatus:
            if status >= 400:
                self._register_problem(status.name, status.phrase)
        self._register_problem(self.DEFAULT_ERROR_RESPONSE_NAME, "Any other error")

    def _register_problem(self, name: str, description: str) -> None:
        content = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
        self.spec.components.response(name, {"description": description, "content": content}, lazy=True)
