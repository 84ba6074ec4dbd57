"""The one clock: every rule that depends on time asks a Clock, so tests and replays can inject one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


def local_date(moment: datetime, zone: str) -> date:
    """The date at ``moment`` on the calendar of IANA ``zone``: rules count their days where they apply
    (in Sydney a day starts 10 or 11 hours before it does in UTC)."""
    return moment.astimezone(ZoneInfo(zone)).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to: for tests and for replaying a job at a chosen time."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)
