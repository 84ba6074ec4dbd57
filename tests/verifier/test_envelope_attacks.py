"""One named regression test per attack on the issuer-signed JWT's envelope: algorithm, key, header, size."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from tests.verifier.helpers import (
    NOW,
    World,
    b64json,
    der_signed,
    kb_jwt,
    reasons,
    sign_segments,
    with_signature,
)
from verifier.encoding import b64url_decode, b64url_encode
from verifier.jws import P256_ORDER, verify_es256


def _unsigned(world: World, header: dict[str, object], signature: bytes = b"") -> str:
    issued = world.issue()
    payload_b64 = issued.jwt.split(".")[1]
    jwt = f"{b64json(header)}.{payload_b64}.{b64url_encode(signature)}"
    sd_jwt = "~".join([jwt, *(d.encoded for d in issued.disclosures)]) + "~"
    return sd_jwt + kb_jwt(sd_jwt, world.holder.key)


def test_a_valid_presentation_passes(world):
    result = world.verify(world.present())

    assert reasons(result) == []
    assert result.verdict == "valid"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_any_case_is_refused(world, alg):
    presentation = _unsigned(world, {"alg": alg, "typ": "dc+sd-jwt", "kid": world.issuer.kid})

    result = world.verify(presentation)

    assert result.verdict == "invalid"
    assert "alg_not_allowed" in reasons(result)


def test_alg_none_with_a_genuine_signature_left_on_is_still_refused(world):
    issued = world.issue()
    _, payload_b64, signature_b64 = issued.jwt.split(".")
    jwt = f"{b64json(world.vc_header(alg='none'))}.{payload_b64}.{signature_b64}"

    result = world.verify(world.present(type(issued)(jwt, issued.disclosures)))

    assert "alg_not_allowed" in reasons(result)


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(lambda w: json.dumps(w.issuer.jwk).encode(), id="jwk-json"),
        pytest.param(
            lambda w: w.issuer.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            id="pem",
        ),
        pytest.param(
            lambda w: w.issuer.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            ),
            id="raw-point",
        ),
    ],
)
def test_hmac_with_the_public_key_as_secret_is_refused(world, secret):
    issued = world.issue()
    header_b64 = b64json(world.vc_header(alg="HS256"))
    payload_b64 = issued.jwt.split(".")[1]
    mac = hmac.new(secret(world), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    jwt = f"{header_b64}.{payload_b64}.{b64url_encode(mac)}"

    result = world.verify(world.present(type(issued)(jwt, issued.disclosures)))

    assert "alg_not_allowed" in reasons(result)
    assert result.verdict == "invalid"


@pytest.mark.parametrize("alg", ["ES384", "ES512", "RS256", "PS256", "EdDSA", "es256", "ES256K", ""])
def test_algorithms_other_than_es256_are_refused(world, alg):
    result = world.verify(world.present(world.issue(header=world.vc_header(alg=alg))))

    assert "alg_not_allowed" in reasons(result)


def _attacker_cert(world: World) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "licences.example.gov")])
    start = datetime.fromtimestamp(NOW, UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(world.attacker.key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .sign(world.attacker.key, hashes.SHA256())
    )
    return b64url_encode(cert.public_bytes(serialization.Encoding.DER))


EMBEDDED = {
    "jwk": lambda w: w.attacker.jwk,
    "jku": lambda w: "https://attacker.example/jwks.json",
    "x5u": lambda w: "https://attacker.example/cert.pem",
    "x5c": lambda w: [_attacker_cert(w)],
}


@pytest.mark.parametrize("member", sorted(EMBEDDED))
def test_an_embedded_attacker_key_without_a_trusted_kid_is_an_unknown_key(world, member):
    header = {"alg": "ES256", "typ": "dc+sd-jwt", member: EMBEDDED[member](world)}

    result = world.verify(world.present(world.issue(header=header, signer=world.attacker)))

    assert reasons(result) == ["unknown_key"]


@pytest.mark.parametrize("member", sorted(EMBEDDED))
def test_an_embedded_attacker_key_beside_a_trusted_kid_is_ignored(world, member):
    header = world.vc_header(**{member: EMBEDDED[member](world)})

    result = world.verify(world.present(world.issue(header=header, signer=world.attacker)))

    assert reasons(result) == ["bad_signature"]


def test_kid_of_another_trusted_issuer_cannot_vouch_for_this_issuer(world):
    """The seniors office signs a driver licence claiming the licences office as iss."""
    header = world.vc_header(kid=world.other.kid)

    result = world.verify(world.present(world.issue(header=header, signer=world.other)))

    assert "untrusted_issuer" in reasons(result)
    assert result.iss is None


@pytest.mark.parametrize(
    "kid",
    [
        "../../../etc/passwd",
        "/dev/null",
        "licences-2026/../seniors-2026",
        "' OR 1=1 --",
        "",
        "LICENCES-2026",
        None,
    ],
)
def test_path_like_or_invented_kids_are_unknown(world, kid):
    header = world.vc_header(kid=kid)

    result = world.verify(world.present(world.issue(header=header, signer=world.attacker)))

    assert reasons(result) == ["unknown_key"]


@pytest.mark.parametrize("kid", [["licences-2026"], {"kid": "licences-2026"}, 7, True])
def test_a_kid_that_is_not_a_string_is_unknown(world, kid):
    result = world.verify(world.present(world.issue(header=world.vc_header(kid=kid))))

    assert "unknown_key" in reasons(result)


@pytest.mark.parametrize("crit", [["b64"], ["exp"], [], "b64"])
def test_any_crit_header_is_malformed(world, crit):
    header = world.vc_header(crit=crit, b64=False)

    result = world.verify(world.present(world.issue(header=header)))

    assert "malformed" in reasons(result)


def test_duplicate_member_in_the_header_is_malformed(world):
    header_b64 = b64url_encode(
        b'{"alg":"ES256","typ":"dc+sd-jwt","kid":"licences-2026","kid":"seniors-2026"}'
    )
    issued = world.issue()
    jwt = sign_segments(header_b64, issued.jwt.split(".")[1], world.issuer.key)

    result = world.verify(world.present(type(issued)(jwt, issued.disclosures)))

    assert reasons(result) == ["malformed"]


def test_duplicate_member_in_the_payload_is_malformed(world):
    payload = json.dumps(world.payload(), separators=(",", ":"))
    doubled = payload[:-1] + ',"iss":"https://attacker.example"}'
    jwt = sign_segments(b64json(world.vc_header()), b64url_encode(doubled.encode()), world.issuer.key)

    result = world.verify(world.present(type(world.issue())(jwt, [])))

    assert reasons(result) == ["malformed"]


def test_a_lone_surrogate_in_the_payload_is_malformed(world):
    payload = json.dumps(world.payload())[:-1] + ', "name": "\\udfff"}'
    jwt = sign_segments(b64json(world.vc_header()), b64url_encode(payload.encode()), world.issuer.key)

    assert reasons(world.verify(world.present(type(world.issue())(jwt, [])))) == ["malformed"]


def test_deep_nesting_in_the_payload_is_malformed(world):
    deep: object = "bottom"
    for _ in range(40):
        deep = {"n": deep}

    result = world.verify(world.present(world.issue(world.payload(deep=deep))))

    assert reasons(result) == ["malformed"]


def test_nesting_just_inside_the_limit_is_accepted(world):
    deep: object = "bottom"
    for _ in range(30):  # 30 levels under the top-level object: 31 deep in all
        deep = {"n": deep}

    result = world.verify(world.present(world.issue(world.payload(deep=deep))))

    assert result.verdict == "valid"


def test_oversize_presentation_is_too_large(world):
    result = world.verify("a" * (16 * 1024 + 1))

    assert reasons(result) == ["too_large"]


def test_exactly_16_kib_is_not_too_large(world):
    result = world.verify("a" * (16 * 1024))

    assert reasons(result) == ["malformed"]


def test_size_is_counted_in_utf8_bytes(world):
    result = world.verify("é" * (8 * 1024 + 1))

    assert reasons(result) == ["too_large"]


def test_a_big_credential_is_too_large_before_any_parsing(world):
    presentation = world.present(world.issue(claims={"blob": "x" * 17000}))

    assert reasons(world.verify(presentation)) == ["too_large"]


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(bytes(64), id="r=s=0"),
        pytest.param(bytes(32) + bytes(31) + b"\x01", id="r=0,s=1"),
        pytest.param(bytes(31) + b"\x01" + bytes(32), id="r=1,s=0"),
        pytest.param(P256_ORDER.to_bytes(32, "big") * 2, id="r=s=n"),
        pytest.param(b"\xff" * 64, id="r=s=2^256-1"),
        pytest.param(b"", id="empty"),
    ],
)
def test_degenerate_signatures_are_bad(world, signature):
    issued = world.issue()
    jwt = with_signature(issued.jwt, signature)

    result = world.verify(world.present(type(issued)(jwt, issued.disclosures)))

    assert reasons(result) == ["bad_signature"]


def test_r_or_s_plus_n_is_bad(world):
    """r + n needs 33 bytes: a library reducing mod n would accept it; the 65-byte signature is refused."""
    issued = world.issue()

    signature = b64url_decode(issued.jwt.split(".")[2])
    r = int.from_bytes(signature[:32], "big") + P256_ORDER
    bumped = r.to_bytes(33, "big") + signature[32:]

    result = world.verify(world.present(type(issued)(with_signature(issued.jwt, bumped), issued.disclosures)))

    assert reasons(result) == ["bad_signature"]


def test_der_signature_is_bad(world):
    issued = world.issue()
    jwt = der_signed(issued.jwt, world.issuer.key)

    result = world.verify(world.present(type(issued)(jwt, issued.disclosures)))

    assert reasons(result) == ["bad_signature"]


def test_der_encoding_of_the_genuine_r_and_s_is_bad(world):
    issued = world.issue()

    raw = b64url_decode(issued.jwt.split(".")[2])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))

    result = world.verify(world.present(type(issued)(with_signature(issued.jwt, der), issued.disclosures)))

    assert reasons(result) == ["bad_signature"]


@pytest.mark.parametrize("length", [63, 32, 1])
def test_truncated_signature_is_bad(world, length):
    issued = world.issue()

    raw = b64url_decode(issued.jwt.split(".")[2])

    result = world.verify(
        world.present(type(issued)(with_signature(issued.jwt, raw[:length]), issued.disclosures))
    )

    assert reasons(result) == ["bad_signature"]


def test_signature_by_an_untrusted_key_under_a_trusted_kid_is_bad(world):
    result = world.verify(world.present(world.issue(signer=world.attacker, header=world.vc_header())))

    assert reasons(result) == ["bad_signature"]
    assert result.iss is None
    assert result.vct is None
    assert result.claims == {}


def test_a_kb_jwt_presented_as_a_credential_is_wrong_typ(world):
    sd_jwt = world.issue().sd_jwt()
    kb = kb_jwt(sd_jwt, world.holder.key)

    assert "wrong_typ" in reasons(world.verify(kb + "~"))
    assert "wrong_typ" in reasons(world.verify(kb))


def test_a_plain_jwt_presented_as_a_credential_is_wrong_typ(world):
    jwt = world.sign(world.vc_header(typ="JWT"), world.payload())

    assert "wrong_typ" in reasons(world.verify(jwt))
    assert "wrong_typ" in reasons(world.verify(jwt + "~"))


def test_a_status_list_token_signed_by_the_issuer_is_not_a_credential(world):
    result = world.verify(world.status_token() + "~")

    assert "wrong_typ" in reasons(result)


@pytest.mark.parametrize(
    "typ", ["vc+sd-jwt", "example+sd-jwt", "DC+SD-JWT", "application/dc+sd-jwt", None, 1]
)
def test_other_or_missing_types_are_wrong_typ(world, typ):
    result = world.verify(world.present(world.issue(header=world.vc_header(typ=typ))))

    assert reasons(result) == ["wrong_typ"]


def test_header_faults_are_all_reported_and_nothing_further_is_read(world):
    header = {"alg": "HS256", "typ": "JWT", "kid": "nobody", "crit": ["x"]}

    result = world.verify(world.present(world.issue(header=header)))

    assert reasons(result) == ["wrong_typ", "alg_not_allowed", "malformed", "unknown_key"]
    assert result.vct is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "~",
        "~~",
        "a.b.c~",
        "a.b~",
        "....~",
        "eyJ9.e30.~",
        " " + "x",
        "jwt~\n",
        "\x00",
        "ä.ö.ü~",
        "a" * 5000,
    ],
)
def test_garbage_is_malformed(world, text):
    result = world.verify(text)

    assert result.verdict == "invalid"
    assert reasons(result) in (["malformed"], ["wrong_typ", "malformed"])


@pytest.mark.parametrize("value", [None, b"abc", 12, ["a"]])
def test_input_that_is_not_text_is_malformed_not_an_exception(world, value):
    assert reasons(world.verify(value)) == ["malformed"]


def test_empty_disclosure_between_tildes_is_malformed(world):
    issued = world.issue()
    sd_jwt = issued.jwt + "~~" + issued.disclosures[0].encoded + "~"

    assert "malformed" in reasons(world.verify(sd_jwt, require_kb=False))


class _AcceptingKey:
    """A key whose library check would accept anything: shows which signatures never reach the library."""

    def __init__(self) -> None:
        self.calls = 0

    def verify(self, *_args: object) -> None:
        self.calls += 1


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(bytes(64), id="r=s=0"),
        pytest.param(bytes(32) + (1).to_bytes(32, "big"), id="r=0"),
        pytest.param((1).to_bytes(32, "big") + bytes(32), id="s=0"),
        pytest.param(P256_ORDER.to_bytes(32, "big") + (1).to_bytes(32, "big"), id="r=n"),
        pytest.param((1).to_bytes(32, "big") + P256_ORDER.to_bytes(32, "big"), id="s=n"),
        pytest.param(b"\x30\x06\x02\x01\x01\x02\x01\x01", id="der"),
        pytest.param(b"\x01" * 63, id="short"),
        pytest.param(b"\x01" * 32 + b"\x00" + b"\x01" * 32, id="long-with-a-leading-zero"),
    ],
)
def test_out_of_range_or_misshapen_signatures_never_reach_the_library(signature):
    key = _AcceptingKey()

    assert verify_es256(b"signing input", signature, key=key) is False
    assert key.calls == 0


def test_a_well_formed_signature_does_reach_the_library():
    key = _AcceptingKey()

    assert verify_es256(b"signing input", (1).to_bytes(32, "big") * 2, key=key) is True
    assert key.calls == 1
