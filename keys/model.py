"""Key metadata: the lifecycle state of a key and when it stops being published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class KeyState(StrEnum):
    """Lifecycle of a signing key: one active key per purpose signs; retired keys only verify until
    what they signed has expired; revoked keys (compromised) are never published again."""

    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


def as_utc(moment: datetime, name: str = "now") -> datetime:
    """Return ``moment`` converted to UTC.

    keys/ has no clock: callers pass the time in, and naive datetimes are refused because their
    meaning depends on the host's time zone.

    Raises:
        ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC)")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """Public metadata of one key.

    ``publish_until``: a retired key stays in the JWKS until then, i.e. until every credential it
    signed has expired. Active keys have neither ``retired_at`` nor ``publish_until``; a revoked key
    has both, set to when it was revoked.
    """

    kid: str
    purpose: str
    state: KeyState
    created_at: datetime
    retired_at: datetime | None = None
    publish_until: datetime | None = None

    def __post_init__(self) -> None:
        """Reject metadata that contradicts the lifecycle (raises ValueError)."""
        as_utc(self.created_at, "created_at")
        is_retired = self.state != KeyState.ACTIVE
        for name, value in (("retired_at", self.retired_at), ("publish_until", self.publish_until)):
            if (value is not None) != is_retired:
                raise ValueError(f"{name} must be set exactly when the key is no longer active")
            if value is not None:
                as_utc(value, name)

    def is_published(self, now: datetime) -> bool:
        """Return True if the key belongs in the JWKS at ``now`` (raises ValueError if naive)."""
        now = as_utc(now)
        if self.state == KeyState.ACTIVE:
            return True
        if self.state == KeyState.REVOKED:
            return False
        return self.publish_until is not None and self.publish_until > now
