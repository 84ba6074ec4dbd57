"""The offline check of an SD-JWT VC presentation, step by step, each failure a stable reason code.

Order: size and shape; the issuer-signed JWT's header (``typ``, algorithm, ``crit``) and key (its ``kid``,
looked up only in the trust store); the signature. Nothing signed is read before the signature verifies, and
the check stops there if anything so far failed. After it, every remaining step runs and adds its reasons:
issuer and type, validity times, Disclosures, Key Binding, replay, status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from verifier.errors import FormatError
from verifier.jws import CompactJws, header_problems, int_claim, parse_compact, verify_es256
from verifier.keybinding import MAX_KB_AGE, KeyBindingPolicy, check_key_binding
from verifier.qrcodec import decode_transport
from verifier.reasons import Reason
from verifier.replay import ReplayCache
from verifier.result import VerificationResult
from verifier.sdjwt import SdJwtParts, process_payload, split_presentation
from verifier.status import NO_STATUS, StatusOutcome, check_status
from verifier.store import TrustStore
from verifier.trust import TrustedIssuer

VC_TYP = "dc+sd-jwt"
MAX_PRESENTATION_BYTES = 16 * 1024
# SD-JWT VC section 3.2.2.2: these are never selectively disclosable, so they are read from the signed
# payload only, and a Disclosure that supplies one is refused.
NOT_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
# Envelope claims: reported in their own result fields or used up by the check, not among ``claims``.
ENVELOPE = NOT_DISCLOSABLE | {"iat"}
_UNCHECKED = StatusOutcome("unavailable")
# What a parser may raise on hostile input: a refused presentation, never a crash.
_REFUSED = (ValueError, TypeError, LookupError, RecursionError, OverflowError, AttributeError)
T = TypeVar("T")


@dataclass
class _Check:
    now: int
    audience: str | None
    nonce: str | None
    require_kb: bool
    reasons: list[Reason] = field(default_factory=list)
    issuer: TrustedIssuer | None = None
    vct: str | None = None
    claims: dict[str, Any] | None = None
    status: StatusOutcome = _UNCHECKED
    holder_bound: bool = False

    def fail(self, *reasons: Reason) -> None:
        if reasons:  # most calls pass on a step's empty list of reasons
            self.reasons.extend(r for r in dict.fromkeys(reasons) if r not in self.reasons)

    def step(self, function: Callable[..., T], *args: Any) -> T | None:
        """Run one step; a FormatError becomes its reason and the step's result None."""
        try:
            return function(*args)
        except FormatError as e:
            self.fail(_reason_of(e))
            return None

    def result(self) -> VerificationResult:
        valid = not self.reasons
        return VerificationResult(
            verdict="valid" if valid else "invalid",
            reasons=tuple(self.reasons),
            issuer=self.issuer.name if self.issuer else None,
            iss=self.issuer.iss if self.issuer else None,
            vct=self.vct,
            claims=dict(self.claims or {}) if valid else {},
            status=self.status.status,
            status_age_s=self.status.age,
            holder_bound=self.holder_bound,
            checked_at=self.now,
        )


def _reason_of(error: FormatError) -> Reason:
    try:
        return Reason(error.reason)
    except ValueError:
        return Reason.MALFORMED


class Verifier:
    """Verifies SD-JWT VC presentations against an explicit trust store, offline.

    ``replay_cache`` is required, and None must be passed on purpose to check without replay detection.
    """

    def __init__(
        self, *, trust: TrustStore, replay_cache: ReplayCache | None, leeway: int = 5, max_kb_age: int = 60
    ) -> None:
        """Raises ValueError for a negative ``leeway`` or a ``max_kb_age`` outside 1 to ``MAX_KB_AGE``."""
        if leeway < 0 or not 0 < max_kb_age <= MAX_KB_AGE:
            raise ValueError(f"leeway must be >= 0 and max_kb_age from 1 to {MAX_KB_AGE} seconds")
        self._trust = trust
        self._replay_cache = replay_cache
        self._leeway = leeway
        self._max_kb_age = max_kb_age
        self._any_audience = KeyBindingPolicy(None, None, max_kb_age, leeway)  # the usual offline check

    def verify(
        self,
        presentation: str,
        *,
        now: int | None = None,
        audience: str | None = None,
        nonce: str | None = None,
        require_kb: bool = True,
    ) -> VerificationResult:
        """Check ``presentation`` at ``now`` (default: the system clock).

        ``audience`` and ``nonce``, when given, must equal the KB-JWT's. ``require_kb=False`` accepts a
        presentation without a KB-JWT (a KB-JWT that is present is still checked). Never raises for any
        presentation; raises ReplayCacheError only when the replay cache itself fails.
        """
        check = _Check(int(time.time()) if now is None else int(now), audience, nonce, require_kb)
        try:
            self._run(check, presentation)
        except FormatError as e:
            check.fail(_reason_of(e))
        # A last line of defence: whatever slipped past the parsers is a refused presentation, never a crash.
        except _REFUSED:
            check.fail(Reason.MALFORMED)
        return check.result()

    def _run(self, check: _Check, presentation: str) -> None:
        if not isinstance(presentation, str):
            raise FormatError("a presentation is text")
        presentation = decode_transport(presentation)  # a compact QR code's text becomes the plain SD-JWT
        if len(presentation) > MAX_PRESENTATION_BYTES or _utf8_length(presentation) > MAX_PRESENTATION_BYTES:
            check.fail(Reason.TOO_LARGE)
            return
        parts = _split(check, presentation)
        signed = self._envelope(check, parts.issuer_jwt)
        if signed is None:
            return
        issuer, jws = signed
        payload = jws.payload
        self._issuer_claims(check, issuer, payload)
        processed = check.step(_disclose, jws, parts.disclosures)
        check.step(self._validity, check, payload, processed)
        self._key_binding(check, payload, parts)
        check.step(self._status, check, payload)
        if processed is not None:
            check.claims = {name: value for name, value in processed.items() if name not in ENVELOPE}

    def _envelope(self, check: _Check, issuer_jwt: str) -> tuple[TrustedIssuer, CompactJws] | None:
        jws = parse_compact(issuer_jwt)
        problems = header_problems(jws.header, typ=VC_TYP)
        kid = jws.header.get("kid")
        found = self._trust.key_for(kid) if isinstance(kid, str) else None
        if found is None:
            problems.append(Reason.UNKNOWN_KEY)
        if problems or found is None:
            check.fail(*problems)
            return None
        issuer, key = found
        if not verify_es256(jws.signing_input, jws.signature, key=key):
            check.fail(Reason.BAD_SIGNATURE)
            return None
        return issuer, jws

    @staticmethod
    def _issuer_claims(check: _Check, issuer: TrustedIssuer, payload: dict[str, Any]) -> None:
        iss, vct = payload.get("iss"), payload.get("vct")
        if iss is None or vct is None:
            check.fail(Reason.MISSING_CLAIM)
        if (iss is not None and not isinstance(iss, str)) or (vct is not None and not isinstance(vct, str)):
            check.fail(Reason.MALFORMED)
            return
        if iss is not None and iss != issuer.iss:
            check.fail(Reason.UNTRUSTED_ISSUER)  # a trusted key, but another issuer's: kid of someone else
        elif iss is not None:
            check.issuer = issuer
        check.vct = vct
        if vct is not None and not issuer.allows_vct(vct):
            check.fail(Reason.VCT_NOT_ALLOWED)
        if check.require_kb and "cnf" not in payload:
            check.fail(Reason.MISSING_CLAIM)

    def _validity(self, check: _Check, payload: dict[str, Any], processed: dict[str, Any] | None) -> None:
        exp, nbf = int_claim(payload, "exp"), int_claim(payload, "nbf")
        # iat may be selectively disclosed (SD-JWT VC 3.2.2.2), so it is read after the Disclosures.
        iat = int_claim(processed if processed is not None else payload, "iat")
        if exp is None:
            check.fail(Reason.MISSING_CLAIM)
        elif check.now >= exp + self._leeway:
            check.fail(Reason.EXPIRED)
        latest_start = check.now + self._leeway  # the latest nbf or iat still acceptable now
        if (nbf is not None and nbf > latest_start) or (iat is not None and iat > latest_start):
            check.fail(Reason.NOT_YET_VALID)

    def _key_binding(self, check: _Check, payload: dict[str, Any], parts: SdJwtParts) -> None:
        if parts.kb_jwt is None:
            if check.require_kb:
                check.fail(Reason.KB_REQUIRED)
            return
        policy = self._any_audience
        if check.audience is not None or check.nonce is not None:
            policy = KeyBindingPolicy(check.audience, check.nonce, self._max_kb_age, self._leeway)
        outcome = check_key_binding(
            parts.kb_jwt, cnf=payload.get("cnf"), sd_jwt=parts.sd_jwt, policy=policy, now=check.now
        )
        if outcome.reasons:
            check.fail(*outcome.reasons)
            return
        if self._replay_cache is not None and outcome.replay_key is not None:
            expires_at = outcome.replay_expires_at if outcome.replay_expires_at is not None else check.now
            if self._replay_cache.check_and_record(outcome.replay_key, now=check.now, expires_at=expires_at):
                check.fail(Reason.REPLAYED)
                return
        check.holder_bound = True

    def _status(self, check: _Check, payload: dict[str, Any]) -> None:
        if "status" not in payload:
            check.status = NO_STATUS
            return
        if check.issuer is None:
            return  # whose lists to believe is unknown; the verdict is already invalid
        check.status = check_status(
            payload["status"],
            iss=check.issuer.iss,
            lists=self._trust.status_lists,
            max_age=self._trust.max_status_age,
            now=check.now,
            leeway=self._leeway,
        )
        check.fail(*check.status.reasons)


def _utf8_length(text: str) -> int:
    # An ASCII string is as long in UTF-8 as in characters, and str knows whether it is ASCII in O(1).
    return len(text) if text.isascii() else len(text.encode())


def _split(check: _Check, presentation: str) -> SdJwtParts:
    try:
        return split_presentation(presentation)
    except FormatError:
        if "~" not in presentation:
            _flag_plain_jwt(check, presentation)
        raise


def _flag_plain_jwt(check: _Check, text: str) -> None:
    # A bare JWT (a KB-JWT, an access token) shown as a credential: say what it is, not just "malformed".
    try:
        header = parse_compact(text).header
    except FormatError:
        return
    if header.get("typ") != VC_TYP:
        check.fail(Reason.WRONG_TYP)


def _disclose(jws: CompactJws, disclosures: tuple[str, ...]) -> dict[str, Any]:
    processed = process_payload(jws.payload, disclosures, payload_json=jws.payload_json)
    if not NOT_DISCLOSABLE.isdisjoint(processed.keys() - jws.payload.keys()):
        raise FormatError(
            "a claim that must not be selectively disclosed came from a Disclosure", reason="bad_disclosure"
        )
    return processed
