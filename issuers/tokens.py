"""Signed documents other than credentials: Token Status List JWTs and the trust bundle for verifiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from keys import SigningKey
from verifier.statuslist import StatusList

STATUS_LIST_TYP = "statuslist+jwt"
TRUST_BUNDLE_TYP = "trust-bundle+jwt"


def status_list_token(
    statuses: StatusList,
    *,
    key: SigningKey,
    issuer: str,
    uri: str,
    now: datetime,
    ttl: timedelta,
    lifetime: timedelta,
) -> str:
    """A Token Status List JWT for the list at ``uri``, signed by the issuer's key.

    ``ttl`` tells relying parties how long to cache it; ``lifetime`` (longer) is when it expires.
    """
    issued = int(now.timestamp())
    payload = {
        "sub": uri,
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "ttl": int(ttl.total_seconds()),
        "status_list": statuses.encode(),
    }
    return key.sign_jws(payload, typ=STATUS_LIST_TYP)


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    iss: str
    name: str
    jwks: Mapping[str, Any]
    vcts: Sequence[str] | None = None  # None: any vct

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"iss": self.iss, "name": self.name, "jwks": dict(self.jwks)}
        if self.vcts is not None:
            entry["vcts"] = list(self.vcts)
        return entry


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    max_status_age: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TrustContents:
    issuers: Sequence[TrustedIssuer]
    status_lists: Mapping[str, str] = field(default_factory=dict)  # uri -> status list token
    policy: TrustPolicy = TrustPolicy()

    def document(self) -> dict[str, Any]:
        """The unsigned trust file form: what ``credwallet verify --trust`` reads."""
        return {
            "issuers": [issuer.entry() for issuer in self.issuers],
            "status_lists": dict(self.status_lists),
            "policy": {"max_status_age": int(self.policy.max_status_age.total_seconds())},
        }


def trust_bundle(
    contents: TrustContents, *, key: SigningKey, issuer: str, now: datetime, lifetime: timedelta
) -> str:
    """The signed trust bundle: the trust file's contents under the trust-anchor key, with iat and exp."""
    issued = int(now.timestamp())
    payload = {
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        **contents.document(),
    }
    return key.sign_jws(payload, typ=TRUST_BUNDLE_TYP)
