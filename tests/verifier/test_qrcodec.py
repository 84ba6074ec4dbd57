"""The compact QR transport: exact round trips on real presentations and conformance vectors, and its vectors.

Attacks on the decoder are in test_qrcodec_attacks.py; image input in test_qrcodec_image.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from issuers.catalog import CATALOG
from keys import SigningKey
from tests.holder.credentials import NOW, mint_credential, verifier_for
from tests.verifier.helpers import World, kb_jwt, reasons
from tests.verifier.vectors import compact_presentation, generated_cases, load
from verifier.encoding import b64url_encode
from verifier.errors import FormatError
from verifier.qrcodec import DICTIONARY, PREFIX, decode_transport, encode_transport, is_compact
from verifier.replay import MemoryReplayCache
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import Profile, SdJwtCredential, present

QR_VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "qr"


def _round_trip(plain: str) -> str:
    compact = encode_transport(plain)
    assert compact.startswith(PREFIX)
    assert compact[len(PREFIX) :].isdigit()
    assert decode_transport(compact) == plain
    return compact


@pytest.fixture(scope="module")
def issuer_key() -> SigningKey:
    return SigningKey.generate("issuer:transport")


# --- Round trips -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", sorted(CATALOG))
@pytest.mark.parametrize("share", ["all", "none", "half"])
def test_every_credential_type_round_trips_and_still_verifies(issuer_key, type_id, share):
    device = DeviceKey()
    credential = SdJwtCredential(mint_credential(type_id, device, issuer_key))
    paths = sorted({".".join(node.path) for node in credential.nodes.values()})
    claims = {"all": None, "none": (), "half": tuple(paths[::2])}[share]
    plain = present(credential, device, Profile("test", type_id, claims), now=NOW).text

    compact = _round_trip(plain)

    plain_result = verifier_for(issuer_key).verify(plain, now=NOW)
    compact_result = verifier_for(issuer_key).verify(compact, now=NOW)
    assert plain_result.valid, plain_result.reasons
    assert compact_result.to_dict() == plain_result.to_dict()


@pytest.mark.parametrize("type_id", sorted(CATALOG))
def test_a_credential_without_key_binding_round_trips(issuer_key, type_id):
    _round_trip(mint_credential(type_id, DeviceKey(), issuer_key))


def test_many_fresh_presentations_round_trip(issuer_key):
    """Salts, decoys, keys and nonces are random: 40 presentations cover many byte patterns."""
    for _ in range(20):
        device = DeviceKey()
        for type_id in ("driver_licence", "proof_of_age"):
            credential = SdJwtCredential(mint_credential(type_id, device, issuer_key))
            _round_trip(present(credential, device, Profile("all", type_id, None), now=NOW).text)


@pytest.mark.parametrize("case", generated_cases(), ids=lambda case: f"{case.parent.name}/{case.name}")
def test_the_sd_jwt_conformance_examples_round_trip(case):
    _round_trip(compact_presentation(case))


def test_the_rfc_9901_appendix_examples_round_trip():
    cases = load("sdjwt/rfc9901/rfc9901_appendix_a_vectors.json")["cases"]
    presentations = [case["presentation"] for case in cases]

    assert len(presentations) == 4
    for presentation in presentations:
        _round_trip(presentation)


def test_hand_made_presentations_round_trip_and_verify_alike(world: World):
    plain = world.present()
    compact = _round_trip(plain)

    assert world.verify(compact).to_dict() == world.verify(plain).to_dict()
    assert world.verify(compact).valid


def test_a_der_signature_and_odd_json_round_trip(world: World):
    """Whatever the verifier will later say of it, the transport carries it exactly."""
    header = b64url_encode(b'{ "alg" : "ES256",\n "typ": "dc+sd-jwt", "kid": "licences-2026" }')
    payload = b64url_encode('{"iss":"x","name":"Zoë ✓","n":1.50,"esc":"\\u0041"}'.encode())
    der = b64url_encode(bytes(range(70)))
    sd_jwt = f"{header}.{payload}.{der}~"

    _round_trip(sd_jwt)
    _round_trip(sd_jwt + kb_jwt(sd_jwt, world.holder.key))


def test_a_plain_text_passes_through_unchanged():
    for text in ("eyJhbGciOiJFUzI1NiJ9.e30.AA~", "", "anything at all", "cw1:123", "xCW1:1"):
        assert not is_compact(text)
        assert decode_transport(text) == text


def test_a_compact_code_is_much_shorter_than_its_plain_text(issuer_key):
    device = DeviceKey()
    credential = SdJwtCredential(mint_credential("driver_licence", device, issuer_key))
    plain = present(
        credential, device, Profile("police", "driver_licence", None, ("portrait",)), now=NOW
    ).text

    assert len(encode_transport(plain)) < 0.75 * len(plain)  # and 3.33 bits a character, not 8


# --- What the encoder refuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plain",
    [
        "not a presentation",
        "eyJhIjoxfQ.eyJiIjoyfQ~",  # two-part JWS
        "eyJhIjoxfR.e30.AA~",  # non-canonical base64url (trailing bits)
        "AA.e30.AA~",  # a NUL byte in the header
        "AQ.e30.AA~",  # a 0x01 byte in the header
        "e30.e30.~",  # an empty signature
        f"e30.e30.{b64url_encode(bytes(133))}~",  # longer than any ES signature
        "e30.e30.AA~" + "WyJhIl0~" * 251,  # more Disclosures than the format carries
    ],
    ids=["not-sd-jwt", "two-parts", "non-canonical", "nul", "marker-byte", "empty-sig", "long-sig", "251"],
)
def test_what_cannot_be_carried_exactly_is_refused(plain):
    with pytest.raises(FormatError):
        encode_transport(plain)


# --- Vectors ---------------------------------------------------------------------------------------------


def _vectors() -> dict:
    return json.loads((QR_VECTORS / "vectors.json").read_text(encoding="utf-8"))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qr_vector_generator", QR_VECTORS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", _vectors()["cases"], ids=lambda case: case["name"])
def test_each_vector_decodes_to_its_plain_text_and_back(case):
    assert decode_transport(case["compact"]) == case["plain"]
    assert decode_transport(encode_transport(case["plain"])) == case["plain"]


@pytest.mark.parametrize(
    "case", [c for c in _vectors()["cases"] if "bytes_hex" in c], ids=lambda c: c["name"]
)
def test_the_hand_vectors_digits_are_their_bytes(case):
    """The digit layer by hand: 7 bytes -> 17 digits, the last group of n bytes -> 3, 5, 8, 10, 13 or 15."""
    data = bytes.fromhex(case["bytes_hex"])
    widths = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}
    expected = "".join(
        str(int.from_bytes(data[i : i + 7], "big")).zfill(widths[len(data[i : i + 7])])
        for i in range(0, len(data), 7)
    )

    assert case["compact"] == PREFIX + expected


@pytest.mark.parametrize("name", ["venue", "police"])
def test_the_realistic_vectors_verify_in_both_forms(name):
    vectors = _vectors()
    case = next(c for c in vectors["cases"] if c["name"] == name)
    issuer = vectors["issuer_jwk"]
    trust = {
        "issuers": [
            {"iss": "https://wallet.example.gov/issuers/transport", "name": "T", "jwks": {"keys": [issuer]}}
        ]
    }

    for text in (case["plain"], case["compact"]):
        verifier = Verifier(trust=TrustStore.from_dict(trust), replay_cache=MemoryReplayCache())
        result = verifier.verify(text, now=vectors["now"], audience="offline")
        # The vectors' status list is not in this trust data: everything else must hold.
        assert reasons(result) == ["status_unavailable"]
        assert result.holder_bound


def test_the_vector_script_is_deterministic():
    assert _generator().vectors()["cases"][0]["plain"] == _vectors()["cases"][0]["plain"]
    regenerated = {c["name"]: c["plain"] for c in _generator().vectors()["cases"]}

    assert regenerated == {c["name"]: c["plain"] for c in _vectors()["cases"]}


def test_the_version_1_dictionary_is_frozen():
    """A changed dictionary changes what every CW1 code means: it must come with a new version (CW2)."""
    assert len(DICTIONARY) == 969
    assert hashlib.sha256(DICTIONARY).hexdigest() == (
        "ff6c0e05a80ae2882e170096b8511929be7e797864b472dd8a7f5b3a81c3986d"
    )
