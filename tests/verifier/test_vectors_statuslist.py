"""Token Status List draft vectors: the six encoded lists, the signed list token, its referenced token."""

from __future__ import annotations

import pytest

from tests.verifier.vectors import RFC_ISSUER_JWK, load
from verifier.errors import FormatError
from verifier.jwk import p256_public_key, parse_jwks
from verifier.jws import parse_compact, verify_es256
from verifier.sdjwt import process_payload, split_presentation
from verifier.status import check_status, verify_status_list_token
from verifier.statuslist import StatusList
from verifier.trust import TrustedIssuer

VECTORS = load("status-list/status_list_vectors.json")
TOKEN = VECTORS["status_list_token_jwt"]
REFERENCED = VECTORS["referenced_token_sdjwt"]
LIST_ISSUER = "https://example.com"
LIST_URI = "https://example.com/statuslists/1"


def _nonzero(status_list: StatusList) -> dict[str, int]:
    data, per_byte = status_list.to_bytes(), 8 // status_list.bits
    indices = (i * per_byte + j for i, byte in enumerate(data) if byte for j in range(per_byte))
    return {str(i): status_list[i] for i in indices if status_list[i]}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_status_list_vector_decodes_to_its_statuses(case):
    status_list = StatusList.decode({"bits": case["bits"], "lst": case["lst"]})

    assert len(status_list) >= case["num_statuses"]
    assert _nonzero(status_list) == case["expected_nonzero"]


def _list_issuer() -> dict[str, TrustedIssuer]:
    keys = parse_jwks({"keys": [TOKEN["issuer_public_jwk"]]})
    return {LIST_ISSUER: TrustedIssuer(LIST_ISSUER, "Example status issuer", keys, None)}


def test_the_draft_status_list_token_verifies_and_decodes():
    verified = verify_status_list_token(LIST_URI, TOKEN["token"], issuers=_list_issuer())

    assert (verified.iss, verified.iat, verified.exp) == (LIST_ISSUER, 1686920170, 2291720170)
    assert verified.statuses[0] == 1


def test_the_draft_status_list_token_is_refused_under_another_uri():
    with pytest.raises(FormatError):
        verify_status_list_token("https://example.com/statuslists/2", TOKEN["token"], issuers=_list_issuer())


def test_the_draft_status_list_token_is_refused_when_its_issuer_is_not_trusted():
    with pytest.raises(FormatError) as caught:
        verify_status_list_token(LIST_URI, TOKEN["token"], issuers={})

    assert caught.value.reason == "untrusted_issuer"


def test_the_draft_referenced_token_is_revoked_by_the_draft_list():
    parts = split_presentation(REFERENCED["token"])
    jws = parse_compact(parts.issuer_jwt)
    assert verify_es256(jws.signing_input, jws.signature, key=p256_public_key(RFC_ISSUER_JWK))
    processed = process_payload(jws.payload, parts.disclosures)
    assert processed == REFERENCED["processed_payload"]
    lists = {LIST_URI: verify_status_list_token(LIST_URI, TOKEN["token"], issuers=_list_issuer())}

    outcome = check_status(
        processed["status"], iss=LIST_ISSUER, lists=lists, max_age=10**9, now=1686920170 + 60, leeway=5
    )

    assert (outcome.status, [str(r) for r in outcome.reasons]) == ("revoked", ["revoked"])
    assert REFERENCED["status_against_1bit_16_list"] == 1


def test_in_the_draft_example_list_and_credential_issuers_differ_so_this_verifier_fails_closed():
    """This product requires the credential's own issuer to sign its status list (see verifier/status.py)."""
    processed = process_payload(parse_compact(split_presentation(REFERENCED["token"]).issuer_jwt).payload, [])
    lists = {LIST_URI: verify_status_list_token(LIST_URI, TOKEN["token"], issuers=_list_issuer())}

    outcome = check_status(
        processed["status"], iss=processed["iss"], lists=lists, max_age=10**9, now=1686920230, leeway=5
    )

    assert (outcome.status, [str(r) for r in outcome.reasons]) == ("unavailable", ["status_unavailable"])
