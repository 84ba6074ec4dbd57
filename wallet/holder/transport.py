"""How the holder talks HTTP: an interface, and a standard-library implementation for real devices."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any  # parsed JSON, or the text when the reply is not JSON


class Transport(Protocol):
    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply: ...


class UrllibTransport:
    """HTTP with the standard library, bounded by a timeout. ``opener``: urllib's default (which follows
    the environment's proxy settings) unless given."""

    def __init__(self, timeout: float = 10.0, opener: urllib.request.OpenerDirector | None = None) -> None:
        self.timeout = timeout
        self.opener = opener or urllib.request.build_opener()

    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"not an http(s) URL: {url}")
        data, content_type = _encode(form, json_body)
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))  # noqa: S310
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return _reply(response.status, response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as e:
            return _reply(e.code, e.read(), e.headers.get_content_type())


def _encode(form: Mapping[str, str] | None, json_body: Any) -> tuple[bytes | None, str | None]:
    if form is not None:
        return urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    if json_body is not None:
        return json.dumps(json_body).encode(), "application/json"
    return None, None


def _reply(status: int, raw: bytes, content_type: str) -> Reply:
    if content_type.endswith("json"):
        return Reply(status, json.loads(raw))
    return Reply(status, raw.decode("utf-8", "replace"))
