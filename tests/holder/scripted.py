"""A transport for the holder tests that fails a chosen request, to see what the holder keeps when it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wallet.holder.transport import Reply, Transport

UNAVAILABLE = Reply(503, {"error": "server_error", "detail": "scripted failure"})


class FailingCredentialRequest:
    """``inner``'s replies, except the ``nth`` (1-based) credential endpoint request is answered 503."""

    def __init__(self, inner: Transport, nth: int) -> None:
        self.inner = inner
        self.nth = nth
        self.credential_requests = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        if method == "POST" and url.endswith("/credential"):
            self.credential_requests += 1
            if self.credential_requests == self.nth:
                return UNAVAILABLE
        return self.inner.request(method, url, form=form, json_body=json_body, headers=headers)
