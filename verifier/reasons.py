"""The stable reason codes of an invalid verdict, and the words staff read for each."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    WRONG_TYP = "wrong_typ"
    UNKNOWN_KEY = "unknown_key"
    UNTRUSTED_ISSUER = "untrusted_issuer"
    VCT_NOT_ALLOWED = "vct_not_allowed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    MISSING_CLAIM = "missing_claim"
    BAD_DISCLOSURE = "bad_disclosure"
    KB_REQUIRED = "kb_required"
    KB_INVALID = "kb_invalid"
    KB_STALE = "kb_stale"
    KB_WRONG_AUD = "kb_wrong_aud"
    KB_WRONG_NONCE = "kb_wrong_nonce"
    SD_HASH_MISMATCH = "sd_hash_mismatch"
    REPLAYED = "replayed"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    STATUS_UNAVAILABLE = "status_unavailable"
    STATUS_STALE = "status_stale"


DESCRIPTIONS: dict[Reason, str] = {
    Reason.MALFORMED: "the code is damaged or is not a credential",
    Reason.TOO_LARGE: "the code is too large to be a credential",
    Reason.ALG_NOT_ALLOWED: "it is signed with a method that is not accepted",
    Reason.WRONG_TYP: "it is not a credential presentation",
    Reason.UNKNOWN_KEY: "it is signed with a key this device does not trust",
    Reason.UNTRUSTED_ISSUER: "it comes from an issuer this device does not trust",
    Reason.VCT_NOT_ALLOWED: "this issuer may not issue this kind of credential",
    Reason.BAD_SIGNATURE: "the issuer's signature does not match: it may be forged or altered",
    Reason.EXPIRED: "the credential has expired",
    Reason.NOT_YET_VALID: "the credential is not valid yet",
    Reason.MISSING_CLAIM: "the credential lacks a required field",
    Reason.BAD_DISCLOSURE: "the shown details do not match what the issuer signed",
    Reason.KB_REQUIRED: "it was not presented from the holder's phone (no holder proof)",
    Reason.KB_INVALID: "the holder's proof is invalid",
    Reason.KB_STALE: "the holder's proof is too old or from the future: ask for a new code",
    Reason.KB_WRONG_AUD: "the holder's proof was made for another verifier",
    Reason.KB_WRONG_NONCE: "the holder's proof was made for another check",
    Reason.SD_HASH_MISMATCH: "the holder's proof does not cover what was shown",
    Reason.REPLAYED: "this exact code was already checked: it may be a copy",
    Reason.REVOKED: "the issuer has revoked this credential",
    Reason.SUSPENDED: "the issuer has suspended this credential",
    Reason.STATUS_UNAVAILABLE: "its revocation status cannot be checked on this device: sync the trust data",
    Reason.STATUS_STALE: "the revocation data on this device is too old: sync the trust data",
}


def describe(reason: Reason) -> str:
    """The sentence for staff that explains ``reason``."""
    return DESCRIPTIONS[reason]
