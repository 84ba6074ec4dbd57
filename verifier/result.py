"""The outcome of one verification, and its JSON form (a stable contract for callers and the CLI)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from verifier.reasons import Reason

Verdict = Literal["valid", "invalid"]
# "unavailable" also covers a status never checked because the presentation failed before that step.
StatusName = Literal["valid", "revoked", "suspended", "none", "unavailable", "stale"]


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """A verdict with its reasons. ``claims`` is empty unless the verdict is valid.

    ``iss``/``issuer`` are set only once the issuer's signature verified and the issuer owns the key;
    ``vct`` once the signature verified. ``holder_bound`` is true only for a valid, unreplayed KB-JWT.
    """

    verdict: Verdict
    reasons: tuple[Reason, ...]
    issuer: str | None
    iss: str | None
    vct: str | None
    claims: dict[str, Any] = field(hash=False)
    status: StatusName
    status_age_s: int | None
    holder_bound: bool
    checked_at: int

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the result, members in their documented order."""
        return {
            "verdict": self.verdict,
            "reasons": [str(reason) for reason in self.reasons],
            "issuer": self.issuer,
            "iss": self.iss,
            "vct": self.vct,
            "claims": self.claims,
            "status": self.status,
            "status_age_s": self.status_age_s,
            "holder_bound": self.holder_bound,
            "checked_at": self.checked_at,
        }

    def to_json(self) -> str:
        """``to_dict()`` as one line of JSON (UTF-8 characters kept as they are)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
