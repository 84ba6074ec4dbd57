"""RFC 9901 Appendix A and the generated SD-JWT / SD-JWT VC examples through the SD-JWT processing layer.

Most vectors are typed ``example+sd-jwt`` or ``vc+sd-jwt``, not ``dc+sd-jwt``, so they go through the layer
below the VC check: signature with the RFC issuer key, Disclosure processing, and the KB-JWT check. The one
SD-JWT VC vector that names a kid goes through the whole ``Verifier``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.verifier.vectors import (
    KB_NONCE,
    RFC_ISSUER_JWK,
    compact_presentation,
    generated_cases,
    kb_audience,
    load,
)
from verifier.disclosures import digest_of
from verifier.jwk import p256_public_key
from verifier.jws import parse_compact, verify_es256
from verifier.keybinding import KeyBindingPolicy, check_key_binding
from verifier.replay import MemoryReplayCache
from verifier.sdjwt import process_payload, split_presentation
from verifier.store import TrustStore
from verifier.verify import Verifier

APPENDIX_A = load("sdjwt/rfc9901/rfc9901_appendix_a_vectors.json")
CASES = generated_cases()


def _processed(presentation: str) -> dict[str, object]:
    parts = split_presentation(presentation)
    jws = parse_compact(parts.issuer_jwt)

    assert verify_es256(jws.signing_input, jws.signature, key=p256_public_key(RFC_ISSUER_JWK))
    return process_payload(jws.payload, parts.disclosures)


@pytest.mark.parametrize("case", APPENDIX_A["cases"], ids=[c["name"][:4] for c in APPENDIX_A["cases"]])
def test_rfc9901_appendix_a_processed_payload(case):
    assert APPENDIX_A["issuer_public_jwk"] == RFC_ISSUER_JWK

    assert _processed(case["presentation"]) == case["expected_processed_payload"]


def test_rfc9901_appendix_a_key_binding():
    """A.4 is the one appendix example with a KB-JWT; it binds to the RFC holder key."""
    with_kb = [c for c in APPENDIX_A["cases"] if not c["presentation"].endswith("~")]
    assert len(with_kb) == 1
    parts = split_presentation(with_kb[0]["presentation"])
    assert parts.kb_jwt is not None
    iat = parse_compact(parts.kb_jwt).payload["iat"]
    policy = KeyBindingPolicy(audience=APPENDIX_A["kb_expected_aud"], nonce=APPENDIX_A["kb_expected_nonce"])

    outcome = check_key_binding(
        parts.kb_jwt,
        cnf={"jwk": APPENDIX_A["holder_public_jwk"]},
        sd_jwt=parts.sd_jwt,
        policy=policy,
        now=iat,
    )

    assert outcome.reasons == ()
    assert outcome.replay_key is not None


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_generated_example_processed_payload(case: Path):
    expected = json.loads((case / "verified_contents.json").read_text(encoding="utf-8"))

    assert _processed(compact_presentation(case)) == expected


KB_CASES = [case for case in CASES if (case / "kb_jwt_payload.json").exists()]
COMPACT_KB_CASES = [case for case in KB_CASES if not case.name.startswith("json_serialization")]
JSON_KB_CASES = [case for case in KB_CASES if case.name.startswith("json_serialization")]


@pytest.mark.parametrize(
    "case", COMPACT_KB_CASES, ids=[f"{c.parent.name}/{c.name}" for c in COMPACT_KB_CASES]
)
def test_generated_example_key_binding(case: Path):
    parts = split_presentation(compact_presentation(case))
    payload = parse_compact(parts.issuer_jwt).payload
    expected_kb = json.loads((case / "kb_jwt_payload.json").read_text(encoding="utf-8"))
    policy = KeyBindingPolicy(audience=kb_audience(case), nonce=KB_NONCE)
    assert parts.kb_jwt is not None

    outcome = check_key_binding(
        parts.kb_jwt, cnf=payload["cnf"], sd_jwt=parts.sd_jwt, policy=policy, now=expected_kb["iat"]
    )

    assert outcome.reasons == ()
    assert parse_compact(parts.kb_jwt).payload == expected_kb


@pytest.mark.parametrize("case", JSON_KB_CASES, ids=[f"{c.parent.name}/{c.name}" for c in JSON_KB_CASES])
def test_json_serialization_vectors_hash_the_issuance_json_not_the_rfc_compact_form(case: Path):
    """sd-jwt 0.10.4 took sd_hash over the issued JSON text plus Disclosures; RFC 9901 section 8.1 requires
    the compact form. The verifier follows the RFC: these KB-JWTs are an sd_hash mismatch and nothing else."""
    parts = split_presentation(compact_presentation(case))
    assert parts.kb_jwt is not None
    kb = parse_compact(parts.kb_jwt).payload
    issued_json = json.loads((case / "sd_jwt_issuance.json").read_text(encoding="utf-8"))
    policy = KeyBindingPolicy(audience=kb_audience(case), nonce=KB_NONCE)

    outcome = check_key_binding(
        parts.kb_jwt,
        cnf=parse_compact(parts.issuer_jwt).payload["cnf"],
        sd_jwt=parts.sd_jwt,
        policy=policy,
        now=kb["iat"],
    )

    assert [str(r) for r in outcome.reasons] == ["sd_hash_mismatch"]
    assert kb["sd_hash"] == digest_of("~".join([issued_json, *parts.disclosures]) + "~")


def test_the_example_sets_are_all_there():
    names = {f"{case.parent.name}/{case.name}" for case in CASES}

    assert len(CASES) == 35
    assert {
        "spec-examples-generated/simple",
        "lib-testcases/recursions",
        "examples-generated/03-pid",
    } <= names
    assert (len(COMPACT_KB_CASES), len(JSON_KB_CASES)) == (8, 4)


def _vc_trust(kid: str | None) -> TrustStore:
    jwk = {**RFC_ISSUER_JWK, "kid": kid or "unused"}
    issuer = {"iss": "https://example.com/issuer", "name": "Example issuer", "jwks": {"keys": [jwk]}}
    return TrustStore.from_dict({"issuers": [issuer]})


def test_sd_jwt_vc_example_01_passes_the_whole_vc_check():
    case = next(c for c in CASES if c.name == "01")
    presentation = compact_presentation(case)
    iat = json.loads((case / "kb_jwt_payload.json").read_text(encoding="utf-8"))["iat"]
    verifier = Verifier(trust=_vc_trust("doc-signer-05-25-2022"), replay_cache=MemoryReplayCache())

    result = verifier.verify(presentation, now=iat, audience="https://example.com/verifier", nonce=KB_NONCE)

    assert result.reasons == ()
    assert result.vct == "https://credentials.example.com/identity_credential"
    assert result.claims == {
        "is_over_65": True,
        "address": {
            "street_address": "123 Main St",
            "locality": "Anytown",
            "region": "Anystate",
            "country": "US",
        },
    }
    assert (result.status, result.holder_bound) == ("none", True)


@pytest.mark.parametrize("name", ["02", "03-pid"])
def test_sd_jwt_vc_examples_without_kid_are_unknown_keys(name):
    """Keys are found only by kid in the trust store; these examples name none, so no key is guessed."""
    case = next(c for c in CASES if c.name == name)
    verifier = Verifier(trust=_vc_trust(None), replay_cache=None)

    result = verifier.verify(compact_presentation(case), now=1795345007, require_kb=False)

    assert [str(r) for r in result.reasons] == ["unknown_key"]


def test_rfc9901_a3_legacy_vc_type_is_wrong_typ_for_the_vc_check():
    case = next(c for c in APPENDIX_A["cases"] if c["name"].startswith("A.3"))
    verifier = Verifier(trust=_vc_trust(None), replay_cache=None)

    result = verifier.verify(case["presentation"], now=1683000000, require_kb=False)

    assert "wrong_typ" in [str(r) for r in result.reasons]
