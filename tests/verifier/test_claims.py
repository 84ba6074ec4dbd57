"""Issuer, type and validity-time claims of the issuer-signed JWT: one test per case."""

from __future__ import annotations

import json

import pytest

from tests.verifier.helpers import ISS, NOW, OTHER_ISS, VCT, World, reasons
from verifier.reasons import DESCRIPTIONS, Reason
from verifier.verify import Verifier

LEEWAY = 5


def _with(world: World, **overrides: object) -> str:
    return world.present(world.issue(world.payload(**overrides)))


def test_expired_credential(world):
    assert reasons(world.verify(_with(world, exp=NOW - 3600))) == ["expired"]


def test_expiry_boundary_is_exp_plus_leeway(world):
    assert reasons(world.verify(_with(world, exp=NOW - LEEWAY))) == ["expired"]
    assert reasons(world.verify(_with(world, exp=NOW - LEEWAY + 1))) == []


def test_missing_exp_is_a_missing_claim(world):
    assert reasons(world.verify(_with(world, exp=None))) == ["missing_claim"]


@pytest.mark.parametrize("exp", ["1900000000", 1.9e9, True, "soon", [1900000000]])
def test_exp_that_is_not_an_integer_is_malformed(world, exp):
    assert "malformed" in reasons(world.verify(_with(world, exp=exp)))


def test_nbf_in_the_future_is_not_yet_valid(world):
    assert reasons(world.verify(_with(world, nbf=NOW + 60))) == ["not_yet_valid"]


def test_nbf_within_the_leeway_is_accepted(world):
    assert reasons(world.verify(_with(world, nbf=NOW + LEEWAY))) == []
    assert reasons(world.verify(_with(world, nbf=NOW + LEEWAY + 1))) == ["not_yet_valid"]


def test_iat_in_the_future_is_not_yet_valid(world):
    assert reasons(world.verify(_with(world, iat=NOW + 600))) == ["not_yet_valid"]


def test_iat_within_the_leeway_is_accepted(world):
    assert reasons(world.verify(_with(world, iat=NOW + LEEWAY))) == []


def test_a_selectively_disclosed_iat_in_the_future_is_not_yet_valid(world):
    issued = world.issue(world.payload(iat=None), claims={**world.default_claims(), "iat": NOW + 600})

    assert reasons(world.verify(world.present(issued))) == ["not_yet_valid"]


def test_iat_may_be_absent(world):
    assert reasons(world.verify(_with(world, iat=None))) == []


def test_expired_and_not_yet_valid_are_both_reported(world):
    assert reasons(world.verify(_with(world, exp=NOW - 100, nbf=NOW + 100))) == ["expired", "not_yet_valid"]


def test_a_credential_checked_at_another_time(world):
    presentation = _with(world, exp=NOW + 100)

    assert reasons(world.verify(presentation, now=NOW + 200)) == ["expired", "kb_stale"]


def test_missing_iss(world):
    assert reasons(world.verify(_with(world, iss=None))) == ["missing_claim"]


def test_missing_vct(world):
    assert reasons(world.verify(_with(world, vct=None))) == ["missing_claim"]


def test_missing_cnf_when_key_binding_is_required(world):
    result = world.verify(_with(world, cnf=None))

    assert reasons(result) == ["missing_claim", "kb_invalid"]


def test_missing_cnf_is_fine_without_key_binding(world):
    presentation = world.present(world.issue(world.payload(cnf=None)), kb=False)

    assert reasons(world.verify(presentation, require_kb=False)) == []


def test_iss_of_an_issuer_not_in_the_trust_store(world):
    result = world.verify(_with(world, iss="https://attacker.example"))

    assert reasons(result) == ["untrusted_issuer"]
    assert (result.iss, result.issuer) == (None, None)


def test_iss_of_another_trusted_issuer_than_the_key_owner(world):
    assert reasons(world.verify(_with(world, iss=OTHER_ISS))) == ["untrusted_issuer"]


@pytest.mark.parametrize("iss", [ISS + "/", ISS.upper(), " " + ISS, ISS.replace("https", "http")])
def test_iss_must_match_exactly(world, iss):
    assert "untrusted_issuer" in reasons(world.verify(_with(world, iss=iss)))


def test_vct_not_allowed_for_this_issuer(world):
    result = world.verify(_with(world, vct="https://credentials.example.gov/seniors_card"))

    assert reasons(result) == ["vct_not_allowed"]


def test_an_issuer_without_vcts_may_issue_any_type(world):
    issued = world.issue(world.payload(iss=OTHER_ISS, vct="anything:at:all", status=None), signer=world.other)

    result = world.verify(world.present(issued))

    assert reasons(result) == []
    assert (result.iss, result.issuer, result.vct) == (OTHER_ISS, "Seniors Card Office", "anything:at:all")


@pytest.mark.parametrize(("name", "value"), [("iss", 7), ("vct", ["a"]), ("iss", {"x": 1})])
def test_iss_or_vct_of_the_wrong_type_is_malformed(world, name, value):
    assert "malformed" in reasons(world.verify(_with(world, **{name: value})))


def test_the_result_of_a_valid_check(world):
    result = world.verify(world.present(world.issue(), "given_name", "family_name", "portrait"))

    assert result.to_dict() == {
        "verdict": "valid",
        "reasons": [],
        "issuer": "Licences Office",
        "iss": ISS,
        "vct": VCT,
        "claims": {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "portrait": "data:image/jpeg;base64,/9j/4AAQ",
        },
        "status": "valid",
        "status_age_s": 600,
        "holder_bound": True,
        "checked_at": NOW,
    }


def test_claims_carry_only_what_was_disclosed_plus_plain_claims_without_the_envelope(world):
    payload = world.payload(sub="holder-17", nationality="AU")
    issued = world.issue(payload, claims={"given_name": "Ada", "birthdate": "1990-12-10"})

    result = world.verify(world.present(issued, "given_name"))

    assert result.claims == {"sub": "holder-17", "nationality": "AU", "given_name": "Ada"}


def test_an_invalid_verdict_carries_no_claims(world):
    result = world.verify(_with(world, exp=NOW - 3600))

    assert result.claims == {}
    assert result.vct == VCT  # what was verified is still reported


def test_to_json_is_one_line_with_exactly_the_documented_members(world):
    text = world.verify(world.present(world.issue(), "given_name")).to_json()

    assert "\n" not in text
    assert list(json.loads(text)) == [
        "verdict",
        "reasons",
        "issuer",
        "iss",
        "vct",
        "claims",
        "status",
        "status_age_s",
        "holder_bound",
        "checked_at",
    ]


def test_verifier_refuses_nonsense_settings(world):
    with pytest.raises(ValueError, match="leeway"):
        Verifier(trust=world.store(), replay_cache=None, leeway=-1)
    with pytest.raises(ValueError, match="max_kb_age"):
        Verifier(trust=world.store(), replay_cache=None, max_kb_age=0)


def test_reason_codes_are_exactly_the_documented_ones():
    documented = (
        "malformed too_large alg_not_allowed wrong_typ unknown_key untrusted_issuer vct_not_allowed "
        "bad_signature expired not_yet_valid missing_claim bad_disclosure kb_required kb_invalid kb_stale "
        "kb_wrong_aud kb_wrong_nonce sd_hash_mismatch replayed revoked suspended "
        "status_unavailable status_stale"
    )

    assert [reason.value for reason in Reason] == documented.split()
    assert set(DESCRIPTIONS) == set(Reason)


def test_text_that_cannot_be_encoded_is_malformed_not_an_exception(world):
    assert reasons(world.verify(world.present() + "\ud800")) == ["malformed"]
