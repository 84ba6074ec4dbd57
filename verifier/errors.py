"""The verifier's exceptions.

Presentations never raise: every fault in one becomes a reason code in an invalid verdict. What raises is
configuration (a trust file, a signed bundle, an anchor) and the environment (the replay cache's database),
which are the operator's to fix, not the holder's.
"""

from __future__ import annotations


class VerifierError(Exception):
    """Base of every exception the verifier raises on purpose."""


class TrustError(VerifierError):
    """A trust file, signed trust bundle or anchor JWKS that cannot be used. A configuration error."""


class ReplayCacheError(VerifierError):
    """The replay cache cannot be read or written, so a replayed presentation could not be detected."""


class FormatError(VerifierError, ValueError):
    """Input that is not a well-formed instance of the format. ``reason`` is a stable reason code."""

    reason: str = "malformed"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
