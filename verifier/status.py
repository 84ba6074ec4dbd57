"""Credential status from status list tokens held offline (draft-ietf-oauth-status-list, JWT form).

Each token is verified once, when a trust store is built: signed by a key of the trusted issuer it names,
``typ`` ``statuslist+jwt``, ``sub`` equal to the URI it is stored under. At check time the list must also
belong to the credential's own issuer, be fresh enough, and cover the index; anything less is a status that
cannot be established, and the verdict fails closed.

Status values: 0 valid, 1 revoked, 2 suspended. Any other value (3 and 12-15 are application-specific in the
draft, the rest reserved) is treated as revoked: this product assigns none of them, so one appearing means
the issuer does not vouch for the credential, and staff must not be told it is merely unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from verifier.encoding import JSON_OBJECT
from verifier.errors import FormatError
from verifier.jws import int_claim, parse_compact, verify_compact
from verifier.reasons import Reason
from verifier.result import StatusName
from verifier.statuslist import Status, StatusList
from verifier.trust import TrustedIssuer

STATUS_LIST_TYP = "statuslist+jwt"


@dataclass(frozen=True, slots=True)
class VerifiedStatusList:
    uri: str
    iss: str
    iat: int
    exp: int | None
    statuses: StatusList


class StatusOutcome(NamedTuple):
    status: StatusName
    reasons: tuple[Reason, ...] = ()
    age: int | None = None


NO_STATUS = StatusOutcome("none")
UNAVAILABLE = StatusOutcome("unavailable", (Reason.STATUS_UNAVAILABLE,))


def verify_status_list_token(
    uri: str, token: str, *, issuers: Mapping[str, TrustedIssuer]
) -> VerifiedStatusList:
    """The status list in ``token``, stored under ``uri``, once its signature and claims check out.

    Raises FormatError when the token is malformed, names no trusted issuer, is not signed by one of that
    issuer's keys, has another ``sub`` than ``uri``, lacks ``iat`` or carries an unusable list.
    """
    claimed = parse_compact(token).payload.get("iss")  # only picks which issuer's keys to try
    issuer = issuers.get(claimed) if isinstance(claimed, str) else None
    if issuer is None:
        raise FormatError("the status list token names no trusted issuer", reason=Reason.UNTRUSTED_ISSUER)
    payload = verify_compact(token, typ=STATUS_LIST_TYP, keys=issuer.keys)
    if payload.get("sub") != uri:
        raise FormatError("the status list token is for another URI")
    iat = int_claim(payload, "iat")
    if iat is None:
        raise FormatError("the status list token has no iat")
    statuses = StatusList.decode(payload.get("status_list"))
    return VerifiedStatusList(uri, issuer.iss, iat, int_claim(payload, "exp"), statuses)


def check_status(
    claim: Any, *, iss: str, lists: Mapping[str, VerifiedStatusList], max_age: int, now: int, leeway: int
) -> StatusOutcome:
    """The status of a credential of issuer ``iss`` whose ``status`` claim is ``claim``.

    Raises FormatError (``malformed``) for a malformed ``status_list`` reference.
    """
    reference = _reference(claim)
    if reference is None:
        return UNAVAILABLE  # a status mechanism we do not implement: fail closed
    uri, index = reference
    entry = lists.get(uri)
    if entry is None or entry.iss != iss:
        return UNAVAILABLE
    age = now - entry.iat
    if age < -leeway:
        return UNAVAILABLE  # a list from after the time being checked says nothing about that time
    age = max(age, 0)
    try:
        value = entry.statuses[index]
    except IndexError:
        return StatusOutcome("unavailable", (Reason.STATUS_UNAVAILABLE,), age)
    # RFC 7519 section 4.1.4: a token is expired at its exp itself, as a credential is (now >= exp).
    stale = age > max_age or (entry.exp is not None and now >= entry.exp)
    return _outcome(value, stale=stale, age=age)


def _reference(claim: Any) -> tuple[str, int] | None:
    if not isinstance(claim, JSON_OBJECT):
        raise FormatError("status must be a JSON object")
    if "status_list" not in claim:
        return None
    ref = claim["status_list"]
    if not isinstance(ref, JSON_OBJECT):
        raise FormatError("status_list must be a JSON object")
    uri, index = ref.get("uri"), ref.get("idx")
    if not isinstance(uri, str) or not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise FormatError("status_list needs a uri string and a non-negative integer idx")
    return uri, index


def _outcome(value: int, *, stale: bool, age: int) -> StatusOutcome:
    if value == Status.VALID:
        return (
            StatusOutcome("stale", (Reason.STATUS_STALE,), age) if stale else StatusOutcome("valid", (), age)
        )
    if value == Status.SUSPENDED:
        # A suspension can be lifted, so an old list's suspension proves nothing either way.
        return (
            StatusOutcome("stale", (Reason.STATUS_STALE,), age)
            if stale
            else StatusOutcome("suspended", (Reason.SUSPENDED,), age)
        )
    # Revocation is final, so even an old list that says so is conclusive.
    reasons = (Reason.STATUS_STALE, Reason.REVOKED) if stale else (Reason.REVOKED,)
    return StatusOutcome("revoked", reasons, age)
