"""The short human summary staff read after a check: the verdict in large letters, who and what, why not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from verifier.reasons import describe
from verifier.result import VerificationResult

# A five-row block font for the two verdicts only; a terminal on a staff device may have no other way to
# make the answer readable at arm's length.
_FONT = {
    "V": ["#   #", "#   #", "#   #", " # # ", "  #  "],
    "A": [" ### ", "#   #", "#####", "#   #", "#   #"],
    "L": ["#    ", "#    ", "#    ", "#    ", "#####"],
    "I": ["###", " # ", " # ", " # ", "###"],
    "D": ["#### ", "#   #", "#   #", "#   #", "#### "],
    "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
    "O": [" ### ", "#   #", "#   #", "#   #", " ### "],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
    " ": ["   "] * 5,
}
_STATUS_WORDS = {
    "valid": "not revoked",
    "revoked": "REVOKED",
    "suspended": "SUSPENDED",
    "none": "the credential carries no revocation status",
    "unavailable": "could not be checked",
    "stale": "the revocation data on this device is too old",
}


def banner(text: str) -> str:
    """``text`` (letters of VALID / NOT VALID) in the block font, five lines."""
    return "\n".join("  ".join(_FONT[ch][row] for ch in text).rstrip() for row in range(5))


def age_in_words(seconds: int) -> str:
    """A duration as staff read it: 45 s, 12 min, 5 h, 3 days."""
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _is_picture(name: str, value: Any) -> bool:
    return "portrait" in name.lower() or (isinstance(value, str) and value.startswith("data:image/"))


def _claim_lines(claims: Any, prefix: str = "") -> Iterator[str]:
    items = claims.items() if isinstance(claims, dict) else enumerate(claims)
    for key, value in items:
        name = f"{prefix}{key}"
        if _is_picture(name, value):
            continue
        if isinstance(value, list) and value and not any(isinstance(v, dict | list) for v in value):
            yield f"  {name}: {', '.join(str(v) for v in value)}"
        elif isinstance(value, dict | list) and value:
            yield from _claim_lines(value, f"{name}.")
        else:
            yield f"  {name}: {value}"


def render(result: VerificationResult) -> str:
    """The summary of ``result`` as text for a terminal."""
    lines = [banner("VALID" if result.valid else "NOT VALID"), ""]
    if result.issuer is not None:
        lines.append(f"Issuer:     {result.issuer} ({result.iss})")
    if result.vct is not None:
        lines.append(f"Credential: {result.vct}")
    lines.append(
        f"Holder:     {'proof from the holder device checked' if result.holder_bound else 'not confirmed'}"
    )
    status = _STATUS_WORDS[result.status]
    if result.status_age_s is not None:
        status += f" (status data {age_in_words(result.status_age_s)} old)"
    lines.append(f"Status:     {status}")
    if result.claims:
        lines += ["Details:", *_claim_lines(result.claims)]
    if result.reasons:
        lines += ["Why not valid:", *(f"  - {describe(reason)}" for reason in result.reasons)]
    checked = datetime.fromtimestamp(result.checked_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines.append(f"Checked at {checked}")
    return "\n".join(lines)
