"""Trust configuration: which issuers, keys and credential types are trusted, as files and signed bundles.

A trust file is ``{"issuers": [...], "status_lists": {uri: token}, "policy": {"max_status_age": s}}``; a
signed bundle carries the same members in the payload of an ES256 JWS of type ``trust-bundle+jwt``, verified
against an anchor JWK Set before anything in it is read. Unknown members are refused rather than ignored: a
misspelt ``vcts`` must not silently become "any credential type".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.encoding import loads_strict
from verifier.errors import FormatError, TrustError
from verifier.jwk import parse_jwks
from verifier.jws import int_claim, parse_compact, verify_compact

BUNDLE_TYP = "trust-bundle+jwt"
DEFAULT_MAX_STATUS_AGE = 86400
_FILE_MEMBERS = frozenset({"issuers", "status_lists", "policy"})
_BUNDLE_MEMBERS = _FILE_MEMBERS | {"iss", "iat", "exp"}
_ISSUER_MEMBERS = frozenset({"iss", "name", "jwks", "vcts"})


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    iss: str
    name: str
    keys: Mapping[str, ec.EllipticCurvePublicKey]
    vcts: frozenset[str] | None  # None: any credential type

    def allows_vct(self, vct: str) -> bool:
        return self.vcts is None or vct in self.vcts


@dataclass(frozen=True, slots=True)
class TrustDocument:
    """One trust file or verified bundle, parsed; its status list tokens are not verified yet."""

    issuers: tuple[TrustedIssuer, ...]
    status_tokens: Mapping[str, str]
    max_status_age: int | None  # None: the document sets no policy


def load_json(text: str | bytes, *, what: str) -> Any:
    """Strict JSON of a configuration file. Raises TrustError naming ``what`` when it is not."""
    try:
        return loads_strict(text)
    except FormatError as e:
        raise TrustError(f"{what} is not valid JSON: {e}") from e


def parse_trust_file(data: Any) -> TrustDocument:
    """A trust file's content. Raises TrustError for any malformed or unusable member."""
    if not isinstance(data, Mapping):
        raise TrustError("a trust file must be a JSON object")
    return _document(data, allowed=_FILE_MEMBERS)


def parse_anchors(data: Any) -> dict[str, ec.EllipticCurvePublicKey]:
    """The keys of an anchor JWK Set by kid. Raises TrustError when the set or a key is unusable."""
    try:
        return parse_jwks(data)
    except FormatError as e:
        raise TrustError(f"the anchor JWK Set is unusable: {e}") from e


def verify_trust_bundle(
    token: str, *, anchors: Mapping[str, ec.EllipticCurvePublicKey], now: int, leeway: int = 5
) -> TrustDocument:
    """The content of a signed trust bundle, once its signature, type and lifetime check out.

    Raises TrustError: malformed token, wrong ``typ``, an algorithm other than ES256, a kid not among
    ``anchors``, a bad signature, no ``iss``/``iat``/``exp``, ``iat`` in the future or ``exp`` passed.
    """
    try:
        payload = verify_compact(token.strip(), typ=BUNDLE_TYP, keys=anchors)
        iat, exp = int_claim(payload, "iat"), int_claim(payload, "exp")
    except FormatError as e:
        raise TrustError(f"the trust bundle is not acceptable ({e.reason}): {e}") from e
    if not isinstance(payload.get("iss"), str) or iat is None or exp is None:
        raise TrustError("the trust bundle needs iss, iat and exp")
    if iat > now + leeway:
        raise TrustError("the trust bundle is issued in the future")
    if now >= exp + leeway:  # expired at exp itself (RFC 7519), with the same leeway as credentials
        raise TrustError("the trust bundle has expired: sync a new one")
    return _document(payload, allowed=_BUNDLE_MEMBERS)


def stored_bundle_contents(token: str) -> TrustDocument:
    """The content of a bundle that was verified when it was stored, read without checking it again.

    Only for comparing a download with the stored bundle: its anchor may have been rotated since, and its
    lifetime may be over. Raises TrustError when the token or its content is malformed.
    """
    try:
        payload = parse_compact(token.strip()).payload
    except FormatError as e:
        raise TrustError(f"the stored trust bundle is malformed: {e}") from e
    return _document(payload, allowed=_BUNDLE_MEMBERS)


def _document(data: Mapping[str, Any], *, allowed: frozenset[str]) -> TrustDocument:
    _refuse_unknown(data, allowed, "trust data")
    if not isinstance(data.get("issuers"), list):
        raise TrustError("trust data needs an issuers array")
    issuers = tuple(_issuer(entry) for entry in data["issuers"])
    return TrustDocument(issuers, _status_tokens(data.get("status_lists", {})), _policy(data.get("policy")))


def _refuse_unknown(data: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise TrustError(f"{what} has unknown members: {', '.join(unknown)}")


def _issuer(entry: Any) -> TrustedIssuer:
    if not isinstance(entry, Mapping):
        raise TrustError("each trusted issuer must be a JSON object")
    _refuse_unknown(entry, _ISSUER_MEMBERS, "a trusted issuer")
    iss, name = entry.get("iss"), entry.get("name")
    if not isinstance(iss, str) or not iss or not isinstance(name, str):
        raise TrustError("a trusted issuer needs iss and name strings")
    try:
        keys = parse_jwks(entry.get("jwks"))
    except FormatError as e:
        raise TrustError(f"the keys of issuer {iss} are unusable: {e}") from e
    return TrustedIssuer(iss, name, keys, _vcts(entry.get("vcts"), iss))


def _vcts(value: Any, iss: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(vct, str) for vct in value):
        raise TrustError(f"the vcts of issuer {iss} must be an array of strings")
    return frozenset(value)


def _status_tokens(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(token, str) for token in value.values()):
        raise TrustError("status_lists must map each URI to a status list token")
    return dict(value)


def _policy(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TrustError("policy must be a JSON object")
    _refuse_unknown(value, frozenset({"max_status_age"}), "policy")
    age = value.get("max_status_age", DEFAULT_MAX_STATUS_AGE)
    if not isinstance(age, int) or isinstance(age, bool) or age <= 0:
        raise TrustError("policy max_status_age must be a positive number of seconds")
    return age
