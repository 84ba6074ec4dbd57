"""Timing loops: operations per second, median of several repetitions, with min and max.

Machines are noisy, so no figure stands alone: each is reported beside a baseline timed in the same run
and in interleaved repetitions, and the ratio of the two medians is what counts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    median: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {
            "median_per_s": round(self.median, 1),
            "min_per_s": round(self.low, 1),
            "max_per_s": round(self.high, 1),
        }


def rate(operation: Callable[[], object], *, seconds: float = 0.4) -> float:
    """How many times a second ``operation`` runs, timed over about ``seconds``."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(16):
            operation()
        count += 16
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def compare(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    *,
    repetitions: int = 7,
    seconds: float = 0.4,
) -> tuple[Rate, Rate]:
    """Time ``subject`` and ``baseline`` in alternation, so both see the same machine."""
    ours, base = [], []
    for _ in range(repetitions):
        ours.append(rate(subject, seconds=seconds))
        base.append(rate(baseline, seconds=seconds))
    return _summary(ours), _summary(base)


def _summary(samples: list[float]) -> Rate:
    return Rate(statistics.median(samples), min(samples), max(samples))
