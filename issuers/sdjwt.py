"""Minting SD-JWT VCs (RFC 9901 + SD-JWT VC): validated claims, derived ages, disclosures, decoys, signature.

``iss iat exp vct cnf status`` are always plain; every claim the type marks disclosable goes into a
disclosure with a fresh 128-bit salt from ``secrets`` (see ``issuers.concealment``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma

from issuers.catalog import CredentialType
from issuers.concealment import Concealed, Layout, conceal
from keys import SigningKey, ec_public_jwk
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
    schema = _schema(ctype.schema)
    claims: dict[str, Any] = schema.dump(schema.load(record)) if ctype.takes_claims else {}
    if ctype.age_thresholds:
        birthdate = date.fromisoformat(str(record["birthdate"]))
        age = age_on(birthdate, today)
        claims.update({f"age_over_{t}": age >= t for t in ctype.age_thresholds})
    return claims


@cache
def _schema(schema: type[ma.Schema]) -> ma.Schema:
    # One instance per schema: load and dump keep no state on it, and building one costs about as much as
    # a load and a dump together.
    return schema()


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
    [minted] = mint_batch(
        ctype,
        claims,
        key=key,
        issuer=issuer,
        vct=vct,
        holders=[(holder_jwk, status)],
        now=now,
        lifetime=lifetime,
    )
    return minted


def mint_batch(
    ctype: CredentialType,
    claims: Mapping[str, Any],
    *,
    key: SigningKey,
    issuer: str,
    vct: str,
    holders: Sequence[tuple[Mapping[str, Any], StatusReference | None]],
    now: datetime,
    lifetime: timedelta,
) -> list[Minted]:
    """One SD-JWT VC per (holder JWK, status reference), as ``mint`` makes it, all from the same ``claims``,
    whose JSON is written only once. Each has its own salts and decoys.

    Raises verifier.errors.FormatError, before signing anything, when a holder JWK is not a P-256 public key.
    """
    devices = [_device_jwk(jwk) for jwk, _ in holders]
    issued = int(now.timestamp())
    expires = _expiry(claims, issued + int(lifetime.total_seconds()), ctype.zone)
    envelope = {"iss": issuer, "iat": issued, "exp": expires, "vct": vct}
    layout = layout_of(ctype, claims)
    return [
        _sign(key, envelope, layout, device, status)
        for device, (_, status) in zip(devices, holders, strict=True)
    ]


def _sign(
    key: SigningKey,
    envelope: dict[str, Any],
    layout: Layout,
    device: dict[str, str],
    status: StatusReference | None,
) -> Minted:
    concealed = conceal(layout)
    payload = {**envelope, "cnf": {"jwk": device}}
    if status is not None:
        payload["status"] = status.claim()
    payload.update(concealed.body)
    payload["_sd_alg"] = SD_ALG
    jws = key.sign_jws(payload, typ=CREDENTIAL_TYP)
    return Minted("~".join([jws, *concealed.encoded, ""]), payload, concealed, envelope["exp"])


def layout_of(ctype: CredentialType, claims: Mapping[str, Any]) -> Layout:
    """What every credential of ``ctype`` minted from ``claims`` discloses, and how."""
    return Layout.of(claims, disclosable=ctype.disclosable, recursive=ctype.recursive, decoys=ctype.decoys)


def _device_jwk(holder_jwk: Mapping[str, Any]) -> dict[str, str]:
    # Re-derived from the parsed key rather than copied: cnf.jwk is then the key's one minimal spelling,
    # even where a parser would accept a coordinate written as itself plus p.
    return ec_public_jwk(p256_public_key(holder_jwk))


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
