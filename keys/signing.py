"""ES256 signing with a preloaded P-256 private key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys.jwk import P256_COORDINATE_BYTES, b64url_encode, ec_public_jwk, jwk_thumbprint
from keys.purpose import validate_purpose

ALGORITHM = "ES256"

# Header members a caller may not override: the verifier picks the key and algorithm from them.
_PROTECTED_HEADER_MEMBERS = frozenset({"alg", "kid"})


# One encoder for every JWS: json.dumps with non-default options builds a new one on each call.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _compact_json(value: Mapping[str, Any]) -> bytes:
    return _JSON.encode(value).encode("utf-8")


@lru_cache(maxsize=64)
def _typed_header_segment(kid: str, typ: str) -> str:
    # The usual header depends only on the key and the typ, so its encoding is kept, not redone per JWS.
    return b64url_encode(_compact_json({"alg": ALGORITHM, "kid": kid, "typ": typ}))


class SigningKey:
    """A P-256 private key, already decrypted and parsed, with its kid and purpose.

    Immutable. Signing never parses PEM: the parsed key object is held for the life of the
    instance. ``repr`` and ``str`` show the kid and purpose only.
    """

    __slots__ = ("_private_key", "_public_jwk", "kid", "purpose")

    kid: str
    purpose: str
    _private_key: ec.EllipticCurvePrivateKey
    _public_jwk: dict[str, str]

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, purpose: str) -> None:
        """Wrap ``private_key`` for ``purpose``; the kid is the RFC 7638 thumbprint of its JWK.

        Raises:
            ValueError: the key is not a P-256 key.
            InvalidPurpose: ``purpose`` is not a valid purpose name.
        """
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise ValueError("SigningKey needs an EC private key")
        jwk = ec_public_jwk(private_key.public_key())
        kid = jwk_thumbprint(jwk)
        jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
        object.__setattr__(self, "_private_key", private_key)
        object.__setattr__(self, "_public_jwk", jwk)
        object.__setattr__(self, "kid", kid)
        object.__setattr__(self, "purpose", validate_purpose(purpose))

    @classmethod
    def generate(cls, purpose: str) -> SigningKey:
        """Return a new signing key with a freshly generated P-256 private key.

        Raises:
            InvalidPurpose: ``purpose`` is not a valid purpose name.
        """
        return cls(ec.generate_private_key(ec.SECP256R1()), purpose)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"SigningKey is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"SigningKey is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, purpose={self.purpose!r})"

    def __reduce__(self) -> NoReturn:
        # Pickling would put the private key into whatever the pickle is written to.
        raise TypeError("SigningKey cannot be pickled")

    def sign(self, data: bytes) -> bytes:
        """Return the ES256 signature of ``data``: raw ``r || s``, 64 bytes (RFC 7518 3.4)."""
        der = self._private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(P256_COORDINATE_BYTES, "big") + s.to_bytes(P256_COORDINATE_BYTES, "big")

    def sign_jws(
        self,
        payload: Mapping[str, Any],
        *,
        typ: str | None = None,
        extra_header: Mapping[str, Any] | None = None,
        with_kid: bool = True,
    ) -> str:
        """Return a compact JWS of ``payload`` signed with ES256.

        The protected header is ``{"alg": "ES256", "kid": kid}``, then ``typ`` when given, then
        ``extra_header``. ``with_kid=False`` leaves the kid out, for a JWS whose key travels in its
        ``jwk`` header instead (a device's key proof).

        Raises:
            ValueError: ``extra_header`` sets ``alg`` or ``kid``, or sets ``typ`` while ``typ`` is
                also given; or the payload or header contains NaN or infinity.
            TypeError: the payload or header holds a value JSON cannot represent.
        """
        signing_input = (
            f"{self._header_segment(typ, extra_header, with_kid)}.{b64url_encode(_compact_json(payload))}"
        )
        signature = self.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{b64url_encode(signature)}"

    def _header_segment(self, typ: str | None, extra_header: Mapping[str, Any] | None, with_kid: bool) -> str:
        if typ is not None and not extra_header and with_kid:
            return _typed_header_segment(self.kid, typ)
        header = self._jws_header(typ, extra_header)
        if not with_kid:
            del header["kid"]
        return b64url_encode(_compact_json(header))

    def _jws_header(self, typ: str | None, extra_header: Mapping[str, Any] | None) -> dict[str, Any]:
        extra = dict(extra_header or {})
        overridden = sorted(_PROTECTED_HEADER_MEMBERS & extra.keys())
        if overridden:
            raise ValueError(f"extra_header may not set {', '.join(overridden)}")
        if typ is not None and "typ" in extra:
            raise ValueError("typ given both as an argument and in extra_header")
        header: dict[str, Any] = {"alg": ALGORITHM, "kid": self.kid}
        if typ is not None:
            header["typ"] = typ
        header.update(extra)
        return header

    def public_jwk(self) -> dict[str, str]:
        """Return the public JWK: kty, crv, x, y, kid, use ("sig") and alg ("ES256"); never d."""
        return dict(self._public_jwk)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """Return the public key, for verifying signatures made by this key."""
        return self._private_key.public_key()
