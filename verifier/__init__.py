"""Offline verification of SD-JWT VC presentations, status lists and trust bundles.

Imports nothing of ours: this package runs on staff devices with no server code.

    trust = TrustStore.from_signed_bundle(bundle, anchors=anchor_jwks, now=now)
    verifier = Verifier(trust=trust, replay_cache=MemoryReplayCache())
    result = verifier.verify(presentation, audience=..., nonce=...)
"""

from verifier.errors import FormatError, ReplayCacheError, TrustError, VerifierError
from verifier.reasons import Reason
from verifier.replay import MemoryReplayCache, ReplayCache, SqliteReplayCache
from verifier.result import VerificationResult
from verifier.store import TrustStore
from verifier.verify import Verifier

__all__ = [
    "FormatError",
    "MemoryReplayCache",
    "Reason",
    "ReplayCache",
    "ReplayCacheError",
    "SqliteReplayCache",
    "TrustError",
    "TrustStore",
    "VerificationResult",
    "Verifier",
    "VerifierError",
]
