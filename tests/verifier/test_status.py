"""Credential status from offline status lists: every outcome, and every way a list can be unusable."""

from __future__ import annotations

import pytest

from tests.verifier.helpers import ISS, NOW, OTHER_ISS, STATUS_URI, Party, World, reasons
from verifier.statuslist import StatusList
from verifier.store import TrustStore
from verifier.trust import parse_trust_file


def _at(world: World, index: int, **trust: object) -> tuple[str, list[str], int | None]:
    issued = world.issue(world.payload(status={"status_list": {"idx": index, "uri": STATUS_URI}}))
    result = world.verify(world.present(issued), store=world.store(**trust))
    return result.status, reasons(result), result.status_age_s


def test_valid_status(world):
    assert _at(world, 0) == ("valid", [], 600)


def test_revoked(world):
    assert _at(world, 1) == ("revoked", ["revoked"], 600)


def test_suspended(world):
    assert _at(world, 2) == ("suspended", ["suspended"], 600)


def test_application_specific_value_3_is_treated_as_revoked(world):
    assert _at(world, 3) == ("revoked", ["revoked"], 600)


def test_no_status_claim_is_status_none_and_not_a_failure(world):
    result = world.verify(world.present(world.issue(world.payload(status=None))))

    assert (result.status, reasons(result), result.status_age_s) == ("none", [], None)


def test_stale_list_by_age(world):
    token = world.status_token(iat=NOW - 86401, exp=NOW + 3600)

    assert _at(world, 0, status_lists={STATUS_URI: token}) == ("stale", ["status_stale"], 86401)


def test_stale_list_by_policy(world):
    assert _at(world, 0, policy={"max_status_age": 599}) == ("stale", ["status_stale"], 600)
    assert _at(world, 0, policy={"max_status_age": 600}) == ("valid", [], 600)


def test_stale_list_by_exp(world):
    token = world.status_token(iat=NOW - 60, exp=NOW - 1)

    assert _at(world, 0, status_lists={STATUS_URI: token}) == ("stale", ["status_stale"], 60)


@pytest.mark.parametrize(("offset", "status"), [(-1, "valid"), (0, "stale")])
def test_a_status_list_is_stale_from_its_exp_on(world, offset, status):
    exp = NOW + 100
    store = world.store(status_lists={STATUS_URI: world.status_token(iat=NOW - 60, exp=exp)})

    result = world.verify(world.present(iat=exp + offset), store=store, now=exp + offset)

    assert result.status == status


def test_a_list_without_exp_is_bounded_by_the_policy_only(world):
    token = world.status_token(iat=NOW - 60, exp=None)

    assert _at(world, 0, status_lists={STATUS_URI: token}) == ("valid", [], 60)


def test_a_stale_list_that_says_revoked_still_says_revoked(world):
    token = world.status_token(iat=NOW - 90000)

    assert _at(world, 1, status_lists={STATUS_URI: token}) == ("revoked", ["status_stale", "revoked"], 90000)


def test_a_stale_list_that_says_suspended_is_only_stale(world):
    token = world.status_token(iat=NOW - 90000)

    assert _at(world, 2, status_lists={STATUS_URI: token}) == ("stale", ["status_stale"], 90000)


def test_missing_list_for_the_uri(world):
    assert _at(world, 0, status_lists={}) == ("unavailable", ["status_unavailable"], None)


def test_forged_list_signed_by_another_key(world):
    forged = world.status_token({}, signer=Party(world.attacker.key, world.issuer.kid))
    store = world.store(status_lists={STATUS_URI: forged})

    assert _at(world, 1, status_lists={STATUS_URI: forged}) == ("unavailable", ["status_unavailable"], None)
    assert store.rejected_status_lists[STATUS_URI].startswith("bad_signature")


def test_list_of_another_issuer(world):
    """The seniors office, trusted for its own lists, publishes one under the licence office's URI."""
    token = world.status_token({}, signer=world.other, iss=OTHER_ISS)

    assert _at(world, 1, status_lists={STATUS_URI: token}) == ("unavailable", ["status_unavailable"], None)


def test_list_claiming_the_issuer_but_signed_by_another_trusted_issuer(world):
    token = world.status_token({}, signer=world.other, iss=ISS)

    assert _at(world, 1, status_lists={STATUS_URI: token}) == ("unavailable", ["status_unavailable"], None)


def test_list_stored_under_another_uri_than_its_sub(world):
    token = world.status_token(uri="https://licences.example.gov/status/2")

    assert _at(world, 0, status_lists={STATUS_URI: token}) == ("unavailable", ["status_unavailable"], None)


@pytest.mark.parametrize("typ", ["JWT", "dc+sd-jwt", "statuslist+cwt"])
def test_list_of_the_wrong_type(world, typ):
    assert _at(world, 0, status_lists={STATUS_URI: world.status_token(typ=typ)})[1] == ["status_unavailable"]


def test_list_that_is_not_a_token(world):
    assert _at(world, 0, status_lists={STATUS_URI: "garbage"})[1] == ["status_unavailable"]


def test_index_outside_the_list(world):
    assert _at(world, 10_000) == ("unavailable", ["status_unavailable"], 600)


def test_list_issued_after_the_time_checked(world):
    token = world.status_token(iat=NOW + 60)

    assert _at(world, 0, status_lists={STATUS_URI: token}) == ("unavailable", ["status_unavailable"], None)


def test_an_unknown_status_mechanism_fails_closed(world):
    issued = world.issue(world.payload(status={"identifiers": {"uri": "x"}}))

    assert reasons(world.verify(world.present(issued))) == ["status_unavailable"]


@pytest.mark.parametrize(
    "status",
    [
        "revoked-never",
        {"status_list": "x"},
        {"status_list": {"idx": -1, "uri": STATUS_URI}},
        {"status_list": {"idx": "0", "uri": STATUS_URI}},
        {"status_list": {"idx": True, "uri": STATUS_URI}},
        {"status_list": {"idx": 0}},
    ],
)
def test_a_malformed_status_claim(world, status):
    issued = world.issue(world.payload(status=status))

    assert reasons(world.verify(world.present(issued))) == ["malformed"]


def test_the_newest_list_wins_when_two_documents_carry_one(world):
    older = world.trust_data(status_lists={STATUS_URI: world.status_token({1: 1}, iat=NOW - 900)})
    newer = {"issuers": [], "status_lists": {STATUS_URI: world.status_token({}, iat=NOW - 60)}}
    store = TrustStore(parse_trust_file(older), parse_trust_file(newer))

    assert store.status_lists[STATUS_URI].iat == NOW - 60


def test_lists_are_decoded_once_per_load_not_per_check(world, monkeypatch):
    store = world.store()

    def refuse(_claim: object) -> StatusList:
        raise AssertionError("decoded during a check")

    monkeypatch.setattr(StatusList, "decode", staticmethod(refuse))
    results = [world.verify(world.present(), store=store) for _ in range(3)]

    assert [r.status for r in results] == ["valid"] * 3
