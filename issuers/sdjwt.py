"""Minting SD-JWT VCs (RFC 9901 + SD-JWT VC): validated claims, derived ages, disclosures, decoys, signature.

``iss iat exp vct cnf status`` are always plain; every claim the type marks disclosable goes into a
disclosure with a fresh 128-bit salt from ``secrets``; each ``_sd`` array gets decoy digests and is sorted,
so neither its length nor its order tells which claims exist.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from issuers.catalog import CredentialType
from keys import SigningKey, ec_public_jwk
from verifier.disclosures import SD_ALG, Disclosure, encode_disclosure
from verifier.encoding import b64url_encode
from verifier.jwk import p256_public_key

CREDENTIAL_TYP = "dc+sd-jwt"
SALT_BYTES = 16  # 128 bits, as RFC 9901 section 9.3 recommends


@dataclass(frozen=True, slots=True)
class StatusReference:
    uri: str
    idx: int

    def claim(self) -> dict[str, Any]:
        return {"status_list": {"idx": self.idx, "uri": self.uri}}


@dataclass(frozen=True, slots=True)
class Minted:
    sd_jwt: str  # issuer-signed JWT, then every disclosure, each followed by "~"
    payload: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    expires_at: int


def age_on(birthdate: date, day: date) -> int:
    """Whole years of age on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def prepare_claims(ctype: CredentialType, record: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The claims to sign: the record validated by the type's schema, plus its derived ``age_over_NN``.

    Raises marshmallow.ValidationError when the record does not fit the schema.
    """
    schema = ctype.schema()
    claims: dict[str, Any] = schema.dump(schema.load(record)) if ctype.takes_claims else {}
    if ctype.age_thresholds:
        birthdate = date.fromisoformat(str(record["birthdate"]))
        age = age_on(birthdate, today)
        claims.update({f"age_over_{t}": age >= t for t in ctype.age_thresholds})
    return claims


def mint(
    ctype: CredentialType,
    claims: Mapping[str, Any],
    *,
    key: SigningKey,
    issuer: str,
    vct: str,
    holder_jwk: Mapping[str, Any],
    status: StatusReference | None,
    now: datetime,
    lifetime: timedelta,
) -> Minted:
    """Sign an SD-JWT VC of ``ctype`` over already prepared ``claims``, bound to ``holder_jwk``.

    Raises verifier.errors.FormatError when ``holder_jwk`` is not a P-256 public key.
    """
    device = ec_public_jwk(p256_public_key(holder_jwk))
    issued = int(now.timestamp())
    expires = _expiry(claims, issued + int(lifetime.total_seconds()))
    body, disclosures = _conceal(ctype, dict(claims))
    payload: dict[str, Any] = {
        "iss": issuer,
        "iat": issued,
        "exp": expires,
        "vct": vct,
        "cnf": {"jwk": device},
    }
    if status is not None:
        payload["status"] = status.claim()
    payload.update(body)
    payload["_sd_alg"] = SD_ALG
    jws = key.sign_jws(payload, typ=CREDENTIAL_TYP)
    sd_jwt = "~".join([jws, *(d.encoded for d in disclosures)]) + "~"
    return Minted(sd_jwt, payload, tuple(disclosures), expires)


def _expiry(claims: Mapping[str, Any], wanted: int) -> int:
    """Never past the end of the card's own expiry date, when it has one."""
    if "expiry_date" not in claims:
        return wanted
    card_end = datetime.combine(date.fromisoformat(claims["expiry_date"]), time.max, tzinfo=UTC)
    return min(wanted, int(card_end.timestamp()))


def _conceal(ctype: CredentialType, claims: dict[str, Any]) -> tuple[dict[str, Any], list[Disclosure]]:
    body: dict[str, Any] = {}
    digests: list[str] = []
    disclosures: list[Disclosure] = []
    for name, value in claims.items():
        if name in ctype.recursive and isinstance(value, dict):
            value, inner = _conceal_all(value, ctype.decoys)
            disclosures += inner
        if name in ctype.disclosable:
            disclosure = encode_disclosure(_salt(), name, value)
            disclosures.append(disclosure)
            digests.append(disclosure.digest)
        else:
            body[name] = value
    digests += _decoys(ctype.decoys)
    if digests:
        body["_sd"] = sorted(digests)
    return body, disclosures


def _conceal_all(obj: dict[str, Any], decoys: tuple[int, int]) -> tuple[dict[str, Any], list[Disclosure]]:
    """Every member of ``obj`` in its own disclosure (for structured claims such as the address)."""
    disclosures = [encode_disclosure(_salt(), name, value) for name, value in obj.items()]
    return {"_sd": sorted([d.digest for d in disclosures] + _decoys(decoys))}, disclosures


def _decoys(bounds: tuple[int, int]) -> list[str]:
    low, high = bounds
    count = low + secrets.randbelow(high - low + 1)
    return [b64url_encode(hashlib.sha256(secrets.token_bytes(32)).digest()) for _ in range(count)]


def _salt() -> str:
    return b64url_encode(secrets.token_bytes(SALT_BYTES))
