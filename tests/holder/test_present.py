"""Building presentations: which Disclosures each profile picks, their parents, and the Key Binding JWT."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tests.holder.credentials import LICENCE_DISCLOSURES, NOW, verifier_for
from verifier.disclosures import encode_disclosure
from verifier.encoding import b64url_decode
from verifier.jwk import p256_public_key
from verifier.jws import parse_compact, verify_es256
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import (
    POLICE,
    PresentationError,
    Profile,
    SdJwtCredential,
    present,
    profile_named,
    venue,
)


def _parts(text: str) -> tuple[str, list[str], str]:
    issuer_jwt, *disclosures, kb_jwt = text.split("~")
    return issuer_jwt, disclosures, kb_jwt


def _disclosed_names(text: str) -> list[str]:
    """The claim name of each Disclosure in a presentation, decoded by hand."""
    _, disclosures, _ = _parts(text)
    return [json.loads(b64url_decode(d))[1] for d in disclosures]


def _kb(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = _parts(text)[2].split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def _claims(profile_claims: tuple[str, ...]) -> Profile:
    return Profile("custom", "driver_licence", profile_claims)


# --- Profiles ----------------------------------------------------------------------------------------------


def test_venue_discloses_only_age_over_18(proof_of_age, device):
    presentation = present(proof_of_age, device, venue(), now=NOW)

    assert _disclosed_names(presentation.text) == ["age_over_18"]
    assert presentation.disclosed == ("age_over_18",)


def test_venue_discloses_the_requested_age_only(proof_of_age, device):
    presentation = present(proof_of_age, device, venue(21), now=NOW)

    assert _disclosed_names(presentation.text) == ["age_over_21"]


def test_venue_for_an_age_the_credential_does_not_state_is_refused(proof_of_age, device):
    with pytest.raises(PresentationError, match="age_over_30"):
        present(proof_of_age, device, venue(30), now=NOW)


def test_police_discloses_the_whole_licence_but_the_portrait(licence, device):
    presentation = present(licence, device, POLICE, now=NOW)

    assert set(presentation.disclosed) == LICENCE_DISCLOSURES - {"portrait"}
    assert len(presentation.disclosed) == len(LICENCE_DISCLOSURES) - 1  # each once
    assert "portrait" not in _disclosed_names(presentation.text)


def test_police_keeps_the_issuers_order(licence, device):
    presentation = present(licence, device, POLICE, now=NOW)

    issued = [d.encoded for d in licence.disclosures]
    _, shown, _ = _parts(presentation.text)
    assert shown == [d for d in issued if d in shown]


def test_the_profiles_levels_are_m_for_venue_and_l_for_police():
    assert (venue().level, POLICE.level) == ("M", "L")


def test_profile_named_replaces_the_claims_but_keeps_the_credential_and_level():
    chosen = profile_named("police", claims=["given_name"])

    assert (chosen.credential_type, chosen.claims, chosen.level) == ("driver_licence", ("given_name",), "L")
    assert profile_named("venue", age=21).claims == ("age_over_21",)
    with pytest.raises(PresentationError):
        profile_named("bank")


# --- Explicit claim lists and parents --------------------------------------------------------------------


def test_a_nested_claim_brings_its_parent_and_nothing_else(licence, device):
    presentation = present(licence, device, _claims(("given_name", "address.locality")), now=NOW)

    assert set(presentation.disclosed) == {"given_name", "address", "address.locality"}
    assert sorted(_disclosed_names(presentation.text)) == ["address", "given_name", "locality"]


def test_a_nested_claim_verifies_with_only_its_member(licence, device, issuer_key):
    presentation = present(licence, device, _claims(("address.locality",)), now=NOW)

    result = verifier_for(issuer_key).verify(presentation.text, now=NOW)

    assert result.valid, result.reasons
    assert result.claims == {"address": {"locality": "Parramatta"}}


def test_a_parent_claim_brings_every_member(licence, device):
    presentation = present(licence, device, _claims(("address",)), now=NOW)

    members = {path for path in LICENCE_DISCLOSURES if path.startswith("address.")}
    assert set(presentation.disclosed) == {"address", *members}


def test_a_claim_the_credential_lacks_is_refused(licence, device):
    with pytest.raises(PresentationError, match="nickname"):
        present(licence, device, _claims(("given_name", "nickname")), now=NOW)
    with pytest.raises(PresentationError, match=r"address\.country"):
        present(licence, device, _claims(("address.country",)), now=NOW)


def test_an_empty_path_segment_is_refused(licence, device):
    with pytest.raises(PresentationError, match="bad claim path"):
        present(licence, device, _claims(("address..locality",)), now=NOW)


def test_array_elements_come_with_their_array(issuer_key, device):
    """Element Disclosures ({"...": digest}) belong to their array's path, nested ones with their parents."""
    first, second = encode_disclosure("c2FsdDE", None, "AU"), encode_disclosure("c2FsdDI", None, "NZ")
    inner = encode_disclosure("c2FsdDM", "city", "Sydney")
    place = encode_disclosure("c2FsdDQ", "place", {"_sd": [inner.digest]})
    payload = {
        "iss": "https://wallet.example.gov/issuers/transport",
        "exp": NOW + 3600,
        "vct": "https://wallet.example.gov/vct/test",
        "cnf": {"jwk": device.jwk},
        "nationalities": [{"...": first.digest}, "plain", {"...": second.digest}],
        "_sd": [place.digest],
        "_sd_alg": "sha-256",
    }
    jwt = issuer_key.sign_jws(payload, typ="dc+sd-jwt")
    credential = SdJwtCredential("~".join([jwt, *(d.encoded for d in (first, second, inner, place))]) + "~")

    nationalities = present(credential, device, Profile("x", "t", ("nationalities",)), now=NOW)
    city = present(credential, device, Profile("x", "t", ("place.city",)), now=NOW)

    assert nationalities.disclosed == ("nationalities", "nationalities")
    assert city.disclosed == ("place.city", "place")
    assert verifier_for(issuer_key).verify(city.text, now=NOW).claims == {
        "nationalities": ["plain"],
        "place": {"city": "Sydney"},
    }


# --- The Key Binding JWT ---------------------------------------------------------------------------------


def test_the_kb_jwt_header_is_es256_kb_jwt_with_no_key(proof_of_age, device):
    header, _ = _kb(present(proof_of_age, device, venue(), now=NOW).text)

    assert header == {"alg": "ES256", "typ": "kb+jwt"}


def test_the_kb_jwt_carries_iat_aud_nonce_and_sd_hash(proof_of_age, device):
    _, payload = _kb(present(proof_of_age, device, venue(), now=NOW).text)

    assert set(payload) == {"iat", "aud", "nonce", "sd_hash"}
    assert payload["iat"] == NOW
    assert payload["aud"] == "offline"
    assert len(b64url_decode(payload["nonce"])) == 12


def test_the_profiles_audience_is_used(proof_of_age, device):
    profile = Profile("door", "proof_of_age", ("age_over_18",), audience="https://venue.example")

    _, payload = _kb(present(proof_of_age, device, profile, now=NOW).text)

    assert payload["aud"] == "https://venue.example"


def test_each_presentation_has_a_fresh_nonce(proof_of_age, device):
    nonces = {_kb(present(proof_of_age, device, venue(), now=NOW).text)[1]["nonce"] for _ in range(5)}

    assert len(nonces) == 5


def test_sd_hash_is_the_sha256_of_the_text_up_to_the_last_tilde(licence, device):
    text = present(licence, device, POLICE, now=NOW).text
    covered = text[: text.rindex("~") + 1]
    digest = hashlib.sha256(covered.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    assert _kb(text)[1]["sd_hash"] == expected


def test_the_kb_jwt_is_signed_by_the_device_key(proof_of_age, device):
    kb = parse_compact(_parts(present(proof_of_age, device, venue(), now=NOW).text)[2])

    assert verify_es256(kb.signing_input, kb.signature, key=p256_public_key(device.jwk))
    assert not verify_es256(kb.signing_input, kb.signature, key=p256_public_key(DeviceKey().jwk))


def test_a_presentation_verifies_with_exactly_the_disclosed_claims(proof_of_age, device, issuer_key):
    result = verifier_for(issuer_key).verify(
        present(proof_of_age, device, venue(), now=NOW).text, now=NOW, audience="offline"
    )

    assert result.valid, result.reasons
    assert result.claims == {"age_over_18": True}
    assert result.holder_bound


def test_another_device_key_cannot_present(proof_of_age):
    with pytest.raises(PresentationError, match="device key"):
        present(proof_of_age, DeviceKey(), venue(), now=NOW)


# --- Reading credentials ---------------------------------------------------------------------------------


def test_a_credential_with_a_kb_jwt_is_not_a_stored_credential(proof_of_age, device):
    with pytest.raises(PresentationError, match="KB-JWT"):
        SdJwtCredential(present(proof_of_age, device, venue(), now=NOW).text)


@pytest.mark.parametrize("text", ["", "not a credential", "a.b.c~", "eyJhbGciOiJFUzI1NiJ9.e30.AA~Zm9v~"])
def test_what_is_not_an_sd_jwt_is_refused(text):
    with pytest.raises(PresentationError, match="not an SD-JWT VC"):
        SdJwtCredential(text)
