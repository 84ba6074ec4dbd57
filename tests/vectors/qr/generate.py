"""Writes tests/vectors/qr/vectors.json: plain presentations and their compact CW1 text (docs/qr-format.md).

Deterministic: fixed keys, salts, decoys, times and nonces, and RFC 6979 signatures, so the plain texts come
out byte for byte the same on every run. The compact texts depend on the DEFLATE encoder too (another zlib
build may choose another valid stream); decoding them is what the tests hold fixed.

Two kinds of vector:
- ``realistic``: a venue (proof of age) and a police (licence without portrait) presentation shaped as this
  product issues them, with valid signatures, for the ``issuer_jwk`` at ``now``;
- ``hand``: tiny ones built byte by byte with a stored (uncompressed) DEFLATE block, so each byte can be
  checked by hand against the format; their signatures are placeholders, not valid.

Run: .venv/bin/python tests/vectors/qr/generate.py
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from verifier.disclosures import digest_of
from verifier.encoding import b64url_encode
from verifier.qrcodec import PREFIX, encode_transport

OUT = Path(__file__).with_name("vectors.json")
NOW = 1_790_000_000
BASE = "https://wallet.example.gov"
ISSUER_KEY = ec.derive_private_key(0x1D0C0FFEE, ec.SECP256R1())
HOLDER_KEY = ec.derive_private_key(0x401DE5, ec.SECP256R1())
LICENCE: dict[str, Any] = {
    "given_name": "Alex",
    "family_name": "Citizen",
    "birthdate": "1990-04-12",
    "licence_number": "12345678",
    "card_number": "2098765432",
    "licence_class": ["C"],
    "licence_type": "unrestricted",
    "conditions": [],
    "issue_date": "2024-04-12",
    "expiry_date": "2029-04-12",
}
ADDRESS = {"street_address": "1 Example St", "locality": "Parramatta", "region": "NSW", "postal_code": "2150"}
AGES = {"age_over_16": True, "age_over_18": True, "age_over_21": True, "age_over_65": False}


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def _thumbprint(jwk: dict[str, str]) -> str:
    canonical = json.dumps({m: jwk[m] for m in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def _sign(header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(_json(payload))}"
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _seeded(label: str, size: int) -> bytes:
    return hashlib.sha256(f"credwallet qr vectors {label}".encode()).digest()[:size]


def _disclosure(label: str, name: str, value: Any) -> str:
    return b64url_encode(_json([b64url_encode(_seeded(label, 16)), name, value]))


def _decoys(label: str, count: int) -> list[str]:
    return [b64url_encode(hashlib.sha256(_seeded(f"{label}{i}", 32)).digest()) for i in range(count)]


def _credential(vct_name: str, claims: dict[str, Any], decoys: int, address: bool) -> tuple[str, list[str]]:
    disclosures = {name: _disclosure(f"{vct_name}/{name}", name, value) for name, value in claims.items()}
    if address:
        inner = {name: _disclosure(f"address/{name}", name, value) for name, value in ADDRESS.items()}
        sd = sorted([digest_of(d) for d in inner.values()] + _decoys("address", 3))
        disclosures = {**{f"address.{n}": d for n, d in inner.items()}, **disclosures}
        disclosures["address"] = _disclosure(f"{vct_name}/address", "address", {"_sd": sd})
    top = [d for name, d in disclosures.items() if "." not in name]
    payload = {
        "iss": f"{BASE}/issuers/transport",
        "iat": NOW - 86400,
        "exp": NOW + 29 * 86400,
        "vct": f"{BASE}/vct/{vct_name}/v1",
        "cnf": {"jwk": _jwk(HOLDER_KEY)},
        "status": {"status_list": {"idx": 73412, "uri": f"{BASE}/issuers/transport/status/1"}},
        "_sd": sorted([digest_of(d) for d in top] + _decoys(vct_name, decoys)),
        "_sd_alg": "sha-256",
    }
    header = {"alg": "ES256", "kid": _thumbprint(_jwk(ISSUER_KEY)), "typ": "dc+sd-jwt"}
    return _sign(header, payload, ISSUER_KEY), list(disclosures.values())


def _presentation(jwt: str, disclosures: list[str], nonce_label: str) -> str:
    sd_jwt = "~".join([jwt, *disclosures]) + "~"
    nonce = b64url_encode(_seeded(nonce_label, 12))
    payload = {"iat": NOW, "aud": "offline", "nonce": nonce, "sd_hash": digest_of(sd_jwt)}
    return sd_jwt + _sign({"alg": "ES256", "typ": "kb+jwt"}, payload, HOLDER_KEY)


def realistic() -> list[dict[str, str]]:
    age_jwt, age_disclosures = _credential("proof_of_age", AGES, 1, address=False)
    venue = _presentation(age_jwt, [age_disclosures[1]], "venue")  # age_over_18 only
    licence_jwt, licence_disclosures = _credential("driver_licence", {**LICENCE, **AGES}, 3, address=True)
    police = _presentation(licence_jwt, licence_disclosures, "police")
    return [
        {"name": "venue", "description": "proof of age, age_over_18 only, KB-JWT", "plain": venue},
        {
            "name": "police",
            "description": "licence without portrait, address members, KB-JWT",
            "plain": police,
        },
    ]


def _digits(data: bytes) -> str:
    widths = (0, 3, 5, 8, 10, 13, 15, 17)
    groups = [data[i : i + 7] for i in range(0, len(data), 7)]
    return "".join(str(int.from_bytes(g, "big")).zfill(widths[len(g)]) for g in groups)


def _stored(stream: bytes) -> bytes:
    """A final stored DEFLATE block (RFC 1951 3.2.4): 0x01, LEN and NLEN little-endian, the bytes."""
    return b"\x01" + struct.pack("<HH", len(stream), 0xFFFF ^ len(stream)) + stream


def _framed(*texts: bytes) -> bytes:
    return b"".join(bytes((len(t),)) + t for t in texts)  # every text here is shorter than 128 bytes


def hand() -> list[dict[str, str]]:
    header, payload = b'{"a":1}', b'{"b":2}'
    minimal = f"{b64url_encode(header)}.{b64url_encode(payload)}.AQ~"
    minimal_bytes = b"\x00\x00" + b"\x01\x01" + _stored(_framed(header, payload))

    salt = bytes(16)
    disclosure = b64url_encode(_json([b64url_encode(salt), "age_over_18", True]))
    sd_payload = _json({"_sd": [digest_of(disclosure)]})
    issuer_jwt = f"{b64url_encode(b'{}')}.{b64url_encode(sd_payload)}.AQ"
    one = f"{issuer_jwt}~{disclosure}~"
    one_stream = _framed(b"{}", b'{"_sd":["\x00\x00"]}', b'["\x01\x10","age_over_18",true]')
    one_bytes = b"\x00\x01" + b"\x01\x01" + _stored(one_stream) + salt

    kb_payload = _json({"sd_hash": digest_of(one)})
    with_kb = f"{one}{b64url_encode(b'{}')}.{b64url_encode(kb_payload)}.Ag"
    kb_stream = one_stream + _framed(b"{}", b'{"sd_hash":"\x00\xff"}')
    kb_bytes = b"\x01\x01" + b"\x01\x01" + b"\x01\x02" + _stored(kb_stream) + salt
    cases = [
        ("hand-minimal", "no Disclosure, no KB-JWT, 1-byte signature 0x01", minimal, minimal_bytes),
        ("hand-reference", "one Disclosure: salt as raw bytes, its digest as reference 0", one, one_bytes),
        ("hand-sd-hash", "the same with a KB-JWT whose sd_hash is reference 0xFF", with_kb, kb_bytes),
    ]
    return [
        {"name": n, "description": d, "plain": p, "bytes_hex": b.hex(), "compact": PREFIX + _digits(b)}
        for n, d, p, b in cases
    ]


def vectors() -> dict[str, Any]:
    cases = realistic()
    for case in cases:
        case["compact"] = encode_transport(case["plain"])
    return {
        "now": NOW,
        "issuer_jwk": {**_jwk(ISSUER_KEY), "kid": _thumbprint(_jwk(ISSUER_KEY))},
        "cases": [*cases, *hand()],
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(vectors(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
