"""The Key Binding JWT of an SD-JWT+KB (RFC 9901 sections 4.3 and 7.3), checked against the holder key.

The holder key is only ever the one the issuer signed into ``cnf.jwk``. The KB-JWT is checked in two stages:
its signature first, and only a KB-JWT whose signature verifies has its claims read; a forged one is just
``kb_invalid``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

from verifier.disclosures import digest_of
from verifier.encoding import JSON_OBJECT, b64url_encode
from verifier.errors import FormatError
from verifier.jwk import p256_public_key
from verifier.jws import header_problems, int_claim, parse_compact, verify_es256
from verifier.reasons import Reason

KB_TYP = "kb+jwt"
# The longest max_age any verifier may set. Replay-cache entries are kept for this whole window, whatever the
# max_age of the run that recorded them: runs with different max_age share one cache file, and an entry kept
# only for the recording run's max_age would let a later, more lenient run accept the same KB-JWT again.
# An hour is far beyond a QR that refreshes every 30 s, and keeps the cache small.
MAX_KB_AGE = 3600


@dataclass(frozen=True, slots=True)
class KeyBindingPolicy:
    """What a KB-JWT must satisfy. ``audience``/``nonce`` of None are not compared."""

    audience: str | None = None
    nonce: str | None = None
    max_age: int = 60  # seconds a KB-JWT stays acceptable after its iat
    leeway: int = 5  # seconds a KB-JWT's iat may lie ahead of the verifier's clock


class KeyBindingOutcome(NamedTuple):
    reasons: tuple[Reason, ...]
    # Set only when the KB-JWT is valid: the replay-cache key and the time after which no verifier, whatever
    # its max_age (at most MAX_KB_AGE), would accept it any more.
    replay_key: str | None = None
    replay_expires_at: int | None = None


def holder_key_of(cnf: Any) -> Any:
    """The ``jwk`` member of a ``cnf`` claim. Raises FormatError when there is none."""
    if not isinstance(cnf, JSON_OBJECT) or "jwk" not in cnf:
        raise FormatError("cnf has no jwk")
    return cnf["jwk"]


def check_key_binding(
    kb_jwt: str, *, cnf: Any, sd_jwt: str, policy: KeyBindingPolicy, now: int
) -> KeyBindingOutcome:
    """Check ``kb_jwt`` as the binding of ``sd_jwt`` (the presented text up to its last ``~``).

    Never raises: every failure is a reason (``kb_invalid`` when it cannot be trusted at all).
    """
    try:
        key = p256_public_key(holder_key_of(cnf))
        jws = parse_compact(kb_jwt)
    except FormatError:
        return KeyBindingOutcome((Reason.KB_INVALID,))
    if header_problems(jws.header, typ=KB_TYP) or not verify_es256(jws.signing_input, jws.signature, key=key):
        return KeyBindingOutcome((Reason.KB_INVALID,))
    try:
        reasons = _claim_problems(jws.payload, sd_jwt=sd_jwt, policy=policy, now=now)
    except FormatError:
        return KeyBindingOutcome((Reason.KB_INVALID,))
    if reasons:
        return KeyBindingOutcome(tuple(reasons))
    iat: int = jws.payload["iat"]
    return KeyBindingOutcome((), replay_key_of(jws.signing_input), iat + _replay_window(policy))


def _replay_window(policy: KeyBindingPolicy) -> int:
    # max(): a policy built by hand, past the Verifier's bound, must not shorten the window below its own.
    return max(policy.max_age, MAX_KB_AGE) + policy.leeway


def replay_key_of(signing_input: bytes) -> str:
    """The replay-cache key of a valid KB-JWT.

    Keyed by what the holder signed, not by the signature: ECDSA signatures are malleable ((r, s) and
    (r, n - s) both verify), so a signature-keyed cache would let a re-encoded copy through.
    """
    return b64url_encode(hashlib.sha256(signing_input).digest())


def _claim_problems(
    payload: dict[str, Any], *, sd_jwt: str, policy: KeyBindingPolicy, now: int
) -> list[Reason]:
    iat = int_claim(payload, "iat")
    aud, nonce, sd_hash = payload.get("aud"), payload.get("nonce"), payload.get("sd_hash")
    # RFC 9901 section 4.3: aud is a single string here, not the array RFC 7519 would also allow.
    if iat is None or not (isinstance(aud, str) and isinstance(nonce, str) and isinstance(sd_hash, str)):
        raise FormatError("the KB-JWT needs iat, aud, nonce and sd_hash")
    problems: list[Reason] = []
    if sd_hash != digest_of(sd_jwt):
        problems.append(Reason.SD_HASH_MISMATCH)
    if policy.audience is not None and aud != policy.audience:
        problems.append(Reason.KB_WRONG_AUD)
    if policy.nonce is not None and nonce != policy.nonce:
        problems.append(Reason.KB_WRONG_NONCE)
    if _stale(iat, int_claim(payload, "exp"), policy=policy, now=now):
        problems.append(Reason.KB_STALE)
    return problems


def _stale(iat: int, exp: int | None, *, policy: KeyBindingPolicy, now: int) -> bool:
    too_old = now - iat > policy.max_age
    from_the_future = iat - now > policy.leeway
    expired = exp is not None and now >= exp + policy.leeway
    return too_old or from_the_future or expired
