"""The table ``make bench`` prints: one row per figure, ours beside its baseline and the ratio, latency
percentiles where a figure has them, and the target with whether it was met.

A side of a figure is a rate (``median_per_s``) or a size (``bytes``); a figure that could not be measured
(a missing tool) says so on its own line rather than passing silently, and so does a benchmark that failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIGURE_WIDTH = 70
HEADER = (
    f"{'figure':<{FIGURE_WIDTH}} {'ours':>10} {'baseline':>10} {'ratio':>7} {'p50 ms':>7} {'p99 ms':>7}"
    f"  {'target':<24} {'met':<6}"
)


def outcomes(results: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """Every figure of a run; a benchmark gives one figure or a list of them."""
    for outcome in results.values():
        yield from outcome if isinstance(outcome, list) else [outcome]


def render(results: Mapping[str, Any]) -> str:
    lines = [HEADER]
    for outcome in outcomes(results):
        if outcome.get("failed"):
            lines.append(f"{outcome['figure']:<{FIGURE_WIDTH}} FAILED: {outcome['failed']}")
            continue
        lines.append(_row(outcome))
        if outcome.get("not_measured"):
            lines.append(f"    NOT MEASURED: {outcome['not_measured']}")
        elif outcome.get("note"):
            lines.append(f"    {outcome['note']}")
    return "\n".join(lines)


def _row(outcome: Mapping[str, Any]) -> str:
    return (
        f"{outcome['figure'][:FIGURE_WIDTH]:<{FIGURE_WIDTH}} {_side(outcome.get('ours')):>10} "
        f"{_side(outcome.get('baseline')):>10} {_number(outcome.get('ratio')):>7} "
        f"{_number(outcome.get('p50_ms')):>7} {_number(outcome.get('p99_ms')):>7}"
        f"  {str(outcome.get('target', ''))[:24]:<24} {_met(outcome):<6}"
    )


def _side(side: Mapping[str, Any] | None) -> str:
    """A rate as ``1234/s``, a size as ``56.7 kB``; blank when the figure has neither."""
    if not side:
        return "-"
    if "median_per_s" in side:
        rate = side["median_per_s"]
        return f"{rate:.0f}/s" if rate >= 100 else f"{rate:.3g}/s"
    if "bytes" in side:
        return _size(side["bytes"])
    return "-"


def _size(count: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _met(outcome: Mapping[str, Any]) -> str:
    if outcome.get("not_measured"):
        return "n/a"
    met = outcome.get("met")
    return "report" if met is None else "yes" if met else "MISSED"
