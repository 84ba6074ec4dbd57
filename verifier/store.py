"""The trust store: every trusted issuer and key, the verified status lists, and the status policy.

Built from one or more trust documents (trust files, verified bundles). Status list tokens are verified and
decoded here, once per load, so a check only indexes into an already-decoded list.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.errors import FormatError, TrustError
from verifier.status import VerifiedStatusList, verify_status_list_token
from verifier.trust import (
    DEFAULT_MAX_STATUS_AGE,
    TrustDocument,
    TrustedIssuer,
    parse_anchors,
    parse_trust_file,
    verify_trust_bundle,
)


class TrustStore:
    """What a verifier trusts. Immutable once built.

    Several documents combine: issuers and kids must not repeat across them (an ambiguous key is a
    configuration error), the strictest ``max_status_age`` wins, and for a status list URI present more than
    once the newest verified token wins.
    """

    def __init__(self, *documents: TrustDocument) -> None:
        """Raises TrustError when no document is given or an issuer or kid is defined twice."""
        if not documents:
            raise TrustError("a trust store needs at least one trust file or bundle")
        self._issuers: dict[str, TrustedIssuer] = {}
        self._by_kid: dict[str, TrustedIssuer] = {}
        for issuer in (issuer for document in documents for issuer in document.issuers):
            self._add_issuer(issuer)
        ages = [d.max_status_age for d in documents if d.max_status_age is not None]
        self.max_status_age: int = min(ages, default=DEFAULT_MAX_STATUS_AGE)
        self._status_lists: dict[str, VerifiedStatusList] = {}
        self._status_view = MappingProxyType(self._status_lists)  # built once: it is read on every check
        self.rejected_status_lists: dict[str, str] = {}  # uri -> why; such a list counts as missing
        for document in documents:
            for uri, token in document.status_tokens.items():
                self._add_status_list(uri, token)

    @classmethod
    def from_dict(cls, data: Any) -> TrustStore:
        """A store from one trust file's parsed JSON. Raises TrustError."""
        return cls(parse_trust_file(data))

    @classmethod
    def from_signed_bundle(cls, token: str, *, anchors: Any, now: int, leeway: int = 5) -> TrustStore:
        """A store from a signed trust bundle, verified against the anchor JWK Set ``anchors`` at ``now``.

        Raises TrustError for an unusable anchor set or a bundle that does not verify.
        """
        return cls(verify_trust_bundle(token, anchors=parse_anchors(anchors), now=now, leeway=leeway))

    def _add_issuer(self, issuer: TrustedIssuer) -> None:
        if issuer.iss in self._issuers:
            raise TrustError(f"issuer {issuer.iss} is defined twice")
        for kid in issuer.keys:
            if kid in self._by_kid:
                raise TrustError(f"kid {kid!r} belongs to two issuers")
            self._by_kid[kid] = issuer
        self._issuers[issuer.iss] = issuer

    def _add_status_list(self, uri: str, token: str) -> None:
        try:
            verified = verify_status_list_token(uri, token, issuers=self._issuers)
        except FormatError as e:
            if uri not in self._status_lists:
                self.rejected_status_lists[uri] = f"{e.reason}: {e}"
            return
        current = self._status_lists.get(uri)
        if current is None or verified.iat > current.iat:
            self._status_lists[uri] = verified
            self.rejected_status_lists.pop(uri, None)

    def key_for(self, kid: str) -> tuple[TrustedIssuer, ec.EllipticCurvePublicKey] | None:
        """The issuer owning ``kid`` and the key, or None when no trusted issuer has that kid."""
        issuer = self._by_kid.get(kid)
        return None if issuer is None else (issuer, issuer.keys[kid])

    def issuer(self, iss: str) -> TrustedIssuer | None:
        return self._issuers.get(iss)

    @property
    def issuers(self) -> tuple[TrustedIssuer, ...]:
        return tuple(self._issuers.values())

    @property
    def status_lists(self) -> Mapping[str, VerifiedStatusList]:
        """The verified, decoded status lists by URI (a read-only view)."""
        return self._status_view
