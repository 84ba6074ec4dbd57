"""Minting SD-JWT VCs (RFC 9901 + SD-JWT VC): validated claims, derived ages, disclosures, decoys, signature.

``iss iat exp vct cnf status`` are always plain; every claim the type marks disclosable goes into a
disclosure with a fresh 128-bit salt from ``secrets`` (see ``issuers.concealment``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from issuers.catalog import CredentialType
from issuers.concealment import Concealed, Layout, conceal
from keys import SigningKey
from verifier.disclosures import SD_ALG, Disclosure
from verifier.jwk import p256_public_key

CREDENTIAL_TYP = "dc+sd-jwt"


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
    concealed: Concealed
    expires_at: int

    @property
    def disclosures(self) -> tuple[Disclosure, ...]:
        """The disclosures, in the order the SD-JWT carries them."""
        c = self.concealed
        return tuple(map(Disclosure, c.encoded, c.salts, c.names, c.values))


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

    The credential never outlives the card: a claim ``expiry_date`` ends at midnight after that day in the
    issuing agency's time zone (``ctype.time_zone``).

    Raises verifier.errors.FormatError when ``holder_jwk`` is not a P-256 public key.
    """
    device = _device_jwk(holder_jwk)
    issued = int(now.timestamp())
    expires = _expiry(claims, issued + int(lifetime.total_seconds()), ctype.zone)
    concealed = conceal(layout_of(ctype, claims))
    payload: dict[str, Any] = {
        "iss": issuer,
        "iat": issued,
        "exp": expires,
        "vct": vct,
        "cnf": {"jwk": device},
    }
    if status is not None:
        payload["status"] = status.claim()
    payload.update(concealed.body)
    payload["_sd_alg"] = SD_ALG
    jws = key.sign_jws(payload, typ=CREDENTIAL_TYP)
    sd_jwt = "~".join([jws, *concealed.encoded, ""])
    return Minted(sd_jwt, payload, concealed, expires)


def layout_of(ctype: CredentialType, claims: Mapping[str, Any]) -> Layout:
    """What every credential of ``ctype`` minted from ``claims`` discloses, and how."""
    return Layout.of(claims, disclosable=ctype.disclosable, recursive=ctype.recursive, decoys=ctype.decoys)


def _device_jwk(holder_jwk: Mapping[str, Any]) -> dict[str, str]:
    # p256_public_key refuses anything but a canonical P-256 point on the curve, so its members, as given,
    # are already the minimal JWK of that key.
    p256_public_key(holder_jwk)
    return {"kty": "EC", "crv": "P-256", "x": holder_jwk["x"], "y": holder_jwk["y"]}


def _expiry(claims: Mapping[str, Any], wanted: int, zone: ZoneInfo) -> int:
    """Never past the end of the card's own expiry day where its agency is, when it has one.

    ``exp`` is the first second at which the credential is no longer valid (RFC 7519 section 4.1.4), so it
    is the midnight that starts the next day there: 23:59:59 local is the last valid second, whatever the
    length of the day across a daylight-saving change.
    """
    if "expiry_date" not in claims:
        return wanted
    next_day = date.fromisoformat(claims["expiry_date"]) + timedelta(days=1)
    # fold=0: where a zone skips midnight, that instant is the transition, which is when the day ends.
    card_end = datetime.combine(next_day, time(0), tzinfo=zone)
    return min(wanted, int(card_end.timestamp()))
