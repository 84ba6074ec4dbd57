"""The trust bundle: every issuer with its keys and allowed vcts, the current status lists, the policy.

Signed by the trust-anchor key, whose public JWKS verifiers pin. Its ETag is a digest of the contents
(not of the signed token, which carries a fresh ``iat``), so a verifier syncs only when something changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuers.tokens import TrustContents, TrustedIssuer, TrustPolicy, trust_bundle
from keys import KeyStore
from verifier.jws import parse_compact
from wallet.agencies.models import Agency
from wallet.clock import Clock
from wallet.issuance.metadata import types_of
from wallet.issuance.service import IssuanceService, issuer_keys, issuer_url

ANCHOR_KEYS = "trust-anchor"
BUNDLE_LIFETIME = timedelta(days=7)
POLICY = TrustPolicy(max_status_age=timedelta(hours=24))


@dataclass(frozen=True, slots=True)
class Bundle:
    token: str
    etag: str


class TrustService:
    def __init__(
        self, session: Session, *, clock: Clock, keystore: KeyStore, issuance: IssuanceService, base_url: str
    ) -> None:
        self.session = session
        self.clock = clock
        self.keystore = keystore
        self.issuance = issuance
        self.base_url = base_url

    def contents(self) -> TrustContents:
        """Every agency that issues credentials: keys, vcts and status lists (tokens refreshed as needed)."""
        issuers: list[TrustedIssuer] = []
        lists: dict[str, str] = {}
        for agency in self.session.scalars(select(Agency).order_by(Agency.slug)):
            jwks = self.keystore.jwks(issuer_keys(agency.slug), now=self.clock.now())
            vcts = [ctype.vct(self.base_url) for ctype in types_of(agency.slug)]
            if not jwks["keys"] or not vcts:
                continue  # an agency that issues no credential type, or has no key yet, has issued nothing
            issuers.append(TrustedIssuer(issuer_url(self.base_url, agency.slug), agency.name, jwks, vcts))
            lists.update(self._status_lists(agency))
        return TrustContents(issuers, lists, POLICY)

    def _status_lists(self, agency: Agency) -> dict[str, str]:
        signer = self.issuance.signer(agency)
        return {
            signer.uri(record.number): self.issuance.lists.token(record, signer)
            for record in self.issuance.lists.of_agency(agency.id)
        }

    def fingerprint(self) -> str:
        """The bundle's ETag: what it means (issuers, keys, types, each list's version and the statuses its
        stored token shows, policy), not its signed bytes, which change whenever a list token is re-signed.
        The statuses are read from the tokens themselves, so a verifier is never told 304 while the lists
        served say something else than its copy. The day is part of it, so a device whose bundle is
        unchanged still gets a freshly signed copy daily, long before its copy expires."""
        issuers, lists = [], []
        for agency in self.session.scalars(select(Agency).order_by(Agency.slug)):
            jwks = self.keystore.jwks(issuer_keys(agency.slug), now=self.clock.now())
            issuers.append([agency.slug, agency.name, jwks, [t.id for t in types_of(agency.slug)]])
            lists += [
                [agency.slug, r.number, r.version, _statuses_shown(r.token)]
                for r in self.issuance.lists.of_agency(agency.id)
            ]
        basis = [
            self.clock.now().date().isoformat(),
            issuers,
            lists,
            int(POLICY.max_status_age.total_seconds()),
        ]
        return hashlib.sha256(json.dumps(basis, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[
            :32
        ]

    def bundle(self) -> Bundle:
        """The signed bundle, with the ETag of the list tokens it carries (taken after they are re-signed).
        Raises keys.NoActiveKey when the trust-anchor key is missing."""
        contents = self.contents()
        token = trust_bundle(
            contents,
            key=self.keystore.active(ANCHOR_KEYS),
            issuer=self.base_url,
            now=self.clock.now(),
            lifetime=BUNDLE_LIFETIME,
        )
        return Bundle(token, self.fingerprint())

    def anchor_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys verifiers pin, retired ones included while bundles they signed are still valid."""
        return self.keystore.jwks(ANCHOR_KEYS, now=self.clock.now())


def _statuses_shown(token: str | None) -> object:
    """The status list a list token carries (its ``status_list`` claim), without the times that change
    at every re-signing; None before the list's first token."""
    return None if token is None else parse_compact(token).payload["status_list"]
