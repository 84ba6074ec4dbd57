"""Rate limits shared by every worker: in Redis when ``CREDWALLET_REDIS_URL`` is set, else in-process.

Built on the ``limits`` library (moving windows, one storage API for memory and Redis) rather than counters of
our own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from functools import cache

from limits import RateLimitItem, parse_many, storage
from limits.strategies import MovingWindowRateLimiter

from wallet.errors import RateLimited


class RateLimiter:
    def __init__(self, storage_uri: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage.storage_from_string(storage_uri))

    @classmethod
    def from_redis_url(cls, redis_url: str | None) -> RateLimiter:
        return cls(redis_url or "memory://")

    def retry_after(self, rules: Sequence[RateLimitItem], *key: str) -> int:
        """Seconds until ``key`` may try again under every rule, 0 when it may now. Does not count a hit."""
        wait = 0.0
        for rule in rules:
            if not self._limiter.test(rule, *key):
                reset_at = self._limiter.get_window_stats(rule, *key).reset_time
                wait = max(wait, reset_at - time.time(), 1.0)
        return math.ceil(wait)

    def hit(self, rules: Sequence[RateLimitItem], *key: str) -> None:
        for rule in rules:
            self._limiter.hit(rule, *key)

    def take(self, rules: Sequence[RateLimitItem], *key: str, refusal: str) -> None:
        """Count one attempt by ``key``; raises RateLimited (``refusal``, with the wait) instead, counting
        nothing, when any rule is spent already."""
        wait = self.retry_after(rules, *key)
        if wait:
            raise RateLimited(wait, refusal)
        self.hit(rules, *key)

    def ping(self) -> bool:
        return bool(self._limiter.storage.check())


@cache
def parse_rules(text: str) -> tuple[RateLimitItem, ...]:
    """``"5/minute;20/hour"`` -> rules; raises ValueError on a malformed string. Parsed once per text:
    services built per request ask for their rules on every request."""
    return tuple(parse_many(text))
