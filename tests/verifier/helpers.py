"""Hand-made SD-JWT VCs, KB-JWTs, status list tokens and trust data for the verifier tests.

Everything is minted here from first principles (cryptography + the verifier's own encoding helpers), never
by the issuing side's code, so that the verifier is tested against the formats, not against itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from verifier.disclosures import Disclosure, digest_of, encode_disclosure
from verifier.encoding import b64url_decode, b64url_encode
from verifier.jws import P256_ORDER
from verifier.replay import MemoryReplayCache, ReplayCache
from verifier.result import VerificationResult
from verifier.statuslist import StatusList
from verifier.store import TrustStore
from verifier.verify import Verifier

NOW = 1_800_000_000
AUD = "https://verifier.example.gov"
NONCE = "n-4f1c2a9e7d"
ISS = "https://licences.example.gov"
OTHER_ISS = "https://seniors.example.gov"
VCT = "https://credentials.example.gov/driver_licence"
STATUS_URI = "https://licences.example.gov/status/1"
# index -> status in the default list: 0 valid, 1 revoked, 2 suspended, 3 application-specific
STATUSES = {1: 1, 2: 2, 3: 3}


def b64json(value: Any) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def raw_signature(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign_segments(header_b64: str, payload_b64: str, key: ec.EllipticCurvePrivateKey) -> str:
    """A compact JWS over already-encoded segments (for hand-written JSON such as duplicate members)."""
    signing_input = f"{header_b64}.{payload_b64}".encode()
    return f"{header_b64}.{payload_b64}.{b64url_encode(raw_signature(key, signing_input))}"


def sign_jws(header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    return sign_segments(b64json(header), b64json(payload), key)


def der_signed(jws: str, key: ec.EllipticCurvePrivateKey) -> str:
    """The same JWS, signature replaced by a fresh DER-encoded one (what a careless signer emits)."""
    header_b64, payload_b64, _ = jws.split(".")
    der = key.sign(f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    return f"{header_b64}.{payload_b64}.{b64url_encode(der)}"


def with_signature(jws: str, signature: bytes) -> str:
    header_b64, payload_b64, _ = jws.split(".")
    return f"{header_b64}.{payload_b64}.{b64url_encode(signature)}"


def malleate(jws: str) -> str:
    """The other valid ECDSA signature of the same content: (r, s) -> (r, n - s)."""
    signature = b64url_decode(jws.rsplit(".", 1)[1])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    return with_signature(jws, r.to_bytes(32, "big") + (P256_ORDER - s).to_bytes(32, "big"))


def public_jwk(
    key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, kid: str | None = None
) -> dict[str, str]:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    numbers = public.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    return jwk if kid is None else {**jwk, "kid": kid}


def salt() -> str:
    return b64url_encode(os.urandom(16))


def disclose(name: str | None, value: Any) -> Disclosure:
    return encode_disclosure(salt(), name, value)


def decoy() -> str:
    return b64url_encode(hashlib.sha256(os.urandom(32)).digest())


@dataclass
class Issued:
    """An issued SD-JWT: the signed JWT and every Disclosure, presentable with any subset."""

    jwt: str
    disclosures: list[Disclosure] = field(default_factory=list)

    def sd_jwt(self, *names: str, extra: list[str] | None = None) -> str:
        """``<jwt>~<d>~...~`` with the Disclosures named (all when none named) plus raw ``extra`` ones."""
        chosen = [d.encoded for d in self.disclosures if not names or d.name in names]
        return "~".join([self.jwt, *chosen, *(extra or [])]) + "~"


@dataclass
class Party:
    key: ec.EllipticCurvePrivateKey
    kid: str

    @classmethod
    def generate(cls, kid: str) -> Party:
        return cls(ec.generate_private_key(ec.SECP256R1()), kid)

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.key, self.kid)


def kb_jwt(
    sd_jwt: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    iat: int = NOW,
    aud: Any = AUD,
    nonce: Any = NONCE,
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A KB-JWT binding ``sd_jwt``; ``claims`` override or (with value None) remove payload members."""
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": digest_of(sd_jwt), **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    return sign_jws(header if header is not None else {"alg": "ES256", "typ": "kb+jwt"}, payload, key)


def status_list_claim(statuses: dict[int, int], *, size: int = 16, bits: int = 2) -> dict[str, Any]:
    status_list = StatusList(size, bits)
    for index, value in statuses.items():
        status_list[index] = value
    return status_list.encode()


class World:
    """Two trusted issuers, a holder, an attacker and a trust anchor, with helpers to mint and check."""

    def __init__(self) -> None:
        self.issuer = Party.generate("licences-2026")
        self.other = Party.generate("seniors-2026")
        self.holder = Party.generate("holder")
        self.attacker = Party.generate("attacker")
        self.anchor = Party.generate("anchor-1")

    # --- credentials -------------------------------------------------------------------------------------
    def payload(self, **overrides: Any) -> dict[str, Any]:
        """The plain (never selectively disclosed) claims; an override of None removes the claim."""
        payload: dict[str, Any] = {
            "iss": ISS,
            "vct": VCT,
            "iat": NOW - 3600,
            "exp": NOW + 86400,
            "cnf": {"jwk": public_jwk(self.holder.key)},
            "status": {"status_list": {"idx": 0, "uri": STATUS_URI}},
        }
        payload.update(overrides)
        return {name: value for name, value in payload.items() if value is not None}

    def issue(
        self,
        payload: dict[str, Any] | None = None,
        *,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        signer: Party | None = None,
        decoys: int = 2,
    ) -> Issued:
        """An SD-JWT VC whose top-level ``claims`` are each selectively disclosable."""
        signer = signer or self.issuer
        claims = self.default_claims() if claims is None else claims
        disclosures = [disclose(name, value) for name, value in claims.items()]
        body = dict(self.payload() if payload is None else payload)
        body["_sd"] = sorted([d.digest for d in disclosures] + [decoy() for _ in range(decoys)])
        body["_sd_alg"] = "sha-256"
        head = {"alg": "ES256", "typ": "dc+sd-jwt", "kid": signer.kid} if header is None else header
        return Issued(sign_jws(head, body, signer.key), disclosures)

    @staticmethod
    def default_claims() -> dict[str, Any]:
        return {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "birthdate": "1990-12-10",
            "licence_class": "C",
            "portrait": "data:image/jpeg;base64,/9j/4AAQ",
        }

    def present(self, issued: Issued | None = None, *names: str, kb: bool = True, **kb_options: Any) -> str:
        """A presentation of ``issued`` (default: a fresh credential) disclosing ``names`` (default all)."""
        issued = issued or self.issue()
        sd_jwt = issued.sd_jwt(*names)
        return sd_jwt + kb_jwt(sd_jwt, self.holder.key, **kb_options) if kb else sd_jwt

    def sign(self, header: dict[str, Any], payload: dict[str, Any], signer: Party | None = None) -> str:
        return sign_jws(header, payload, (signer or self.issuer).key)

    def vc_header(self, **overrides: Any) -> dict[str, Any]:
        header = {"alg": "ES256", "typ": "dc+sd-jwt", "kid": self.issuer.kid, **overrides}
        return {name: value for name, value in header.items() if value is not None}

    # --- status and trust ---------------------------------------------------------------------------------
    def status_token(
        self,
        statuses: dict[int, int] | None = None,
        *,
        signer: Party | None = None,
        iss: str = ISS,
        uri: str = STATUS_URI,
        iat: int = NOW - 600,
        exp: int | None = NOW + 86400,
        typ: str = "statuslist+jwt",
    ) -> str:
        signer = signer or self.issuer
        payload: dict[str, Any] = {
            "sub": uri,
            "iss": iss,
            "iat": iat,
            "ttl": 3600,
            "status_list": status_list_claim(STATUSES if statuses is None else statuses),
        }
        if exp is not None:
            payload["exp"] = exp
        return sign_jws({"alg": "ES256", "typ": typ, "kid": signer.kid}, payload, signer.key)

    def trust_data(
        self,
        *,
        status_lists: dict[str, str] | None = None,
        policy: dict[str, Any] | None = None,
        vcts: list[str] | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "issuers": [
                {
                    "iss": ISS,
                    "name": "Licences Office",
                    "jwks": {"keys": [self.issuer.jwk]},
                    "vcts": vcts or [VCT],
                },
                {"iss": OTHER_ISS, "name": "Seniors Card Office", "jwks": {"keys": [self.other.jwk]}},
            ],
            "status_lists": {STATUS_URI: self.status_token()} if status_lists is None else status_lists,
        }
        if policy is not None:
            data["policy"] = policy
        return data

    def bundle(
        self, data: dict[str, Any] | None = None, *, signer: Party | None = None, **overrides: Any
    ) -> str:
        payload = {"iss": "https://trust.example.gov", "iat": NOW - 60, "exp": NOW + 7 * 86400}
        payload.update(self.trust_data() if data is None else data)
        payload.update(overrides)
        signer = signer or self.anchor
        return sign_jws({"alg": "ES256", "typ": "trust-bundle+jwt", "kid": signer.kid}, payload, signer.key)

    def anchors(self) -> dict[str, Any]:
        return {"keys": [self.anchor.jwk]}

    def store(self, **trust: Any) -> TrustStore:
        return TrustStore.from_dict(self.trust_data(**trust))

    def verifier(self, store: TrustStore | None = None, cache: ReplayCache | None = None) -> Verifier:
        return Verifier(trust=store or self.store(), replay_cache=cache or MemoryReplayCache())

    def verify(
        self, presentation: str, *, store: TrustStore | None = None, **options: Any
    ) -> VerificationResult:
        """Check with a fresh verifier and replay cache at NOW, expecting AUD and NONCE unless overridden."""
        options = {"now": NOW, "audience": AUD, "nonce": NONCE, **options}
        return self.verifier(store).verify(presentation, **options)


def reasons(result: VerificationResult) -> list[str]:
    return [str(reason) for reason in result.reasons]
