"""Every rule of RFC 9901 section 7.1 for Disclosures, each a named test through the whole VC check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier.helpers import World, b64json, decoy, disclose, kb_jwt, reasons, salt
from verifier.disclosures import digest_of
from verifier.encoding import b64url_encode
from verifier.errors import FormatError
from verifier.sdjwt import process_payload


def _present(world: World, disclosures: list[str], **claims: Any) -> str:
    """A credential whose payload is the usual plain claims plus ``claims`` (digests placed by the test)."""
    jwt = world.sign(world.vc_header(), world.payload(**claims))
    sd_jwt = "~".join([jwt, *disclosures]) + "~"
    return sd_jwt + kb_jwt(sd_jwt, world.holder.key)


def _check(world: World, disclosures: list[str], **claims: Any) -> list[str]:
    return reasons(world.verify(_present(world, disclosures, **claims)))


def test_recursive_disclosures_are_processed(world):
    street, city = disclose("street", "1 Main St"), disclose("city", "Sydney")
    address = disclose("address", {"_sd": [street.digest, city.digest, decoy()]})
    first, second = disclose(None, "AU"), disclose(None, "NZ")

    result = world.verify(
        _present(
            world,
            [address.encoded, city.encoded, first.encoded],
            _sd=[address.digest, decoy()],
            nationalities=[{"...": first.digest}, {"...": second.digest}, {"...": decoy()}, "GB"],
        )
    )

    assert reasons(result) == []
    assert result.claims == {"address": {"city": "Sydney"}, "nationalities": ["AU", "GB"]}


def test_decoy_digests_are_allowed_and_removed(world):
    result = world.verify(_present(world, [], _sd=[decoy(), decoy()], tags=[{"...": decoy()}, 1]))

    assert reasons(result) == []
    assert result.claims == {"tags": [1]}


def test_an_unreferenced_disclosure_is_refused(world):
    stranger = disclose("given_name", "Mallory")

    assert _check(world, [stranger.encoded], _sd=[decoy()]) == ["bad_disclosure"]


def test_a_disclosure_of_another_credential_is_refused(world):
    other = world.issue().disclosures[0]

    assert _check(world, [other.encoded], _sd=[disclose("given_name", "Ada").digest]) == ["bad_disclosure"]


def test_a_child_disclosed_without_its_parent_is_unreferenced(world):
    street = disclose("street", "1 Main St")
    address = disclose("address", {"_sd": [street.digest]})

    assert _check(world, [street.encoded], _sd=[address.digest]) == ["bad_disclosure"]


def test_the_same_disclosure_twice_is_refused(world):
    name = disclose("given_name", "Ada")

    assert _check(world, [name.encoded, name.encoded], _sd=[name.digest]) == ["bad_disclosure"]


def test_a_digest_twice_in_the_payload_is_refused(world):
    name = disclose("given_name", "Ada")

    assert _check(world, [name.encoded], _sd=[name.digest, name.digest]) == ["bad_disclosure"]


def test_a_decoy_digest_twice_is_refused_too(world):
    twice = decoy()

    assert _check(world, [], _sd=[twice], extra={"_sd": [twice]}) == ["bad_disclosure"]


def test_a_digest_in_the_payload_and_again_inside_a_disclosure_is_refused(world):
    name = disclose("given_name", "Ada")
    box = disclose("box", {"_sd": [name.digest]})

    assert _check(world, [name.encoded, box.encoded], _sd=[name.digest, box.digest]) == ["bad_disclosure"]


def test_a_digest_in_an_object_and_an_array_is_refused(world):
    element = disclose(None, "AU")

    assert _check(world, [element.encoded], _sd=[element.digest], list=[{"...": element.digest}]) == [
        "bad_disclosure"
    ]


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_reserved_claim_names_in_a_disclosure_are_refused(world, name):
    encoded = b64json([salt(), name, "x"])

    assert _check(world, [encoded], _sd=[digest_of(encoded)]) == ["bad_disclosure"]


def test_a_disclosure_named_sd_alg_is_refused(world):
    sneaky = disclose("_sd_alg", "sha-256")

    assert _check(world, [sneaky.encoded], _sd=[sneaky.digest]) == ["bad_disclosure"]


def test_an_array_element_disclosure_referenced_from_sd_is_refused(world):
    element = disclose(None, "AU")

    assert _check(world, [element.encoded], _sd=[element.digest]) == ["bad_disclosure"]


def test_an_object_property_disclosure_referenced_from_an_array_is_refused(world):
    prop = disclose("nationality", "AU")

    assert _check(world, [prop.encoded], nationalities=[{"...": prop.digest}]) == ["bad_disclosure"]


def test_a_disclosed_name_that_already_exists_is_refused(world):
    shadow = disclose("licence_class", "HC")

    assert _check(world, [shadow.encoded], _sd=[shadow.digest], licence_class="C") == ["bad_disclosure"]


def test_two_disclosures_of_one_name_at_one_level_are_refused(world):
    first, second = disclose("licence_class", "C"), disclose("licence_class", "HC")

    assert _check(world, [first.encoded, second.encoded], _sd=[first.digest, second.digest]) == [
        "bad_disclosure"
    ]


def test_a_disclosed_name_may_repeat_at_another_level(world):
    inner = disclose("name", "inner")
    outer = disclose("name", "outer")

    result = world.verify(
        _present(world, [inner.encoded, outer.encoded], _sd=[outer.digest], box={"_sd": [inner.digest]})
    )

    assert result.claims == {"name": "outer", "box": {"name": "inner"}}


@pytest.mark.parametrize("alg", ["sha-512", "SHA-256", "sha256", "md5", "", 256, ["sha-256"]])
def test_sd_alg_other_than_sha_256_is_refused(world, alg):
    name = disclose("given_name", "Ada")

    assert _check(world, [name.encoded], _sd=[name.digest], _sd_alg=alg) == ["bad_disclosure"]


def test_an_absent_sd_alg_means_sha_256(world):
    name = disclose("given_name", "Ada")

    result = world.verify(_present(world, [name.encoded], _sd=[name.digest]))

    assert reasons(result) == []
    assert result.claims == {"given_name": "Ada"}


def test_sd_alg_inside_a_nested_object_is_refused(world):
    assert _check(world, [], box={"_sd_alg": "sha-256", "a": 1}) == ["bad_disclosure"]


def test_an_ellipsis_claim_outside_an_array_is_refused(world):
    assert _check(world, [], box={"...": decoy()}) == ["bad_disclosure"]


def test_an_array_digest_entry_with_other_members_is_refused(world):
    element = disclose(None, "AU")

    assert _check(world, [element.encoded], list=[{"...": element.digest, "extra": 1}]) == ["bad_disclosure"]


@pytest.mark.parametrize("sd", ["digest", {"a": "b"}, [1], [None], [["nested"]]])
def test_sd_that_is_not_an_array_of_digest_strings_is_refused(world, sd):
    assert _check(world, [], _sd=sd) == ["bad_disclosure"]


def test_an_array_digest_that_is_not_a_string_is_refused(world):
    assert _check(world, [], list=[{"...": 12}]) == ["bad_disclosure"]


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(b64json([salt(), "a", 1, "extra"]), id="four-elements"),
        pytest.param(b64json([salt()]), id="one-element"),
        pytest.param(b64json({"salt": "s", "name": "a"}), id="object"),
        pytest.param(b64json([1, "a", 1]), id="salt-not-a-string"),
        pytest.param(b64json([salt(), 7, 1]), id="name-not-a-string"),
        pytest.param(b64url_encode(b'["s","a",{"x":1,"x":2}]'), id="duplicate-member-in-value"),
        pytest.param(b64url_encode(b'["s","a",NaN]'), id="nan"),
        pytest.param(b64url_encode(b"\xff\xfe"), id="not-utf8"),
        pytest.param("WyJzIiwgImEiLCAxXQ=", id="padded"),
    ],
)
def test_a_malformed_disclosure_is_refused(world, encoded):
    assert _check(world, [encoded], _sd=[digest_of(encoded)]) in (["bad_disclosure"], ["malformed"])


def test_a_lone_surrogate_in_a_disclosure_is_a_bad_disclosure(world):
    encoded = b64url_encode(b'["c2FsdA","given_name","\\ud800"]')

    assert _check(world, [encoded], _sd=[digest_of(encoded)]) == ["bad_disclosure"]


def test_a_surrogate_pair_escape_is_an_ordinary_character(world):
    encoded = b64url_encode(b'["c2FsdA","given_name","Ada \\ud83d\\ude00"]')

    result = world.verify(_present(world, [encoded], _sd=[digest_of(encoded)]))

    assert result.claims == {"given_name": "Ada \U0001f600"}


def test_duplicate_members_inside_a_disclosure_value_are_a_bad_disclosure(world):
    encoded = b64url_encode(b'["c2FsdA","address",{"city":"Sydney","city":"Perth"}]')

    assert _check(world, [encoded], _sd=[digest_of(encoded)]) == ["bad_disclosure"]


@pytest.mark.parametrize("name", ["iss", "exp", "nbf", "cnf", "vct", "status", "vct#integrity"])
def test_claims_that_must_stay_plain_may_not_come_from_a_disclosure(world, name):
    sneaky = disclose(name, "https://licences.example.gov" if name in ("iss", "vct") else 2_000_000_000)

    result = world.verify(_present(world, [sneaky.encoded], _sd=[sneaky.digest], **{name: None}))

    assert "bad_disclosure" in reasons(result)


def test_recursive_disclosures_deeper_than_the_limit_are_malformed(world):
    disclosures = []
    digest = disclose("leaf", 1)
    disclosures.append(digest.encoded)
    current = digest
    for level in range(20):
        current = disclose(f"level{level}", {"inner": {"_sd": [current.digest]}})
        disclosures.append(current.encoded)

    assert _check(world, disclosures, _sd=[current.digest]) == ["malformed"]


def test_process_payload_removes_sd_members_and_undisclosed_entries():
    kept, hidden = disclose("kept", 1), disclose("hidden", 2)
    element = disclose(None, "x")
    payload = {
        "_sd": [kept.digest, hidden.digest],
        "_sd_alg": "sha-256",
        "list": [{"...": element.digest}, 3],
    }

    assert process_payload(payload, [kept.encoded]) == {"kept": 1, "list": [3]}


def test_process_payload_raises_only_format_errors_with_the_bad_disclosure_reason():
    with pytest.raises(FormatError) as caught:
        process_payload({"_sd": []}, [disclose("a", 1).encoded])

    assert caught.value.reason == "bad_disclosure"


def test_an_empty_object_stays_an_empty_object():
    only = disclose("only", 1)

    assert process_payload({"box": {"_sd": [only.digest]}}, []) == {"box": {}}
