"""Disclosures written as text from a per-record layout are exactly the RFC 9901 JSON arrays, with fresh
salts and decoys for every credential."""

from __future__ import annotations

import json
import math
import secrets

import pytest

import issuers.concealment
from issuers.concealment import Layout, b64url_each, claim_json, conceal
from keys import b64url_encode
from verifier.disclosures import decode_disclosure, digest_of
from verifier.encoding import b64url_decode

AWKWARD_VALUES = {
    "accented": "Zoë Ørsted",
    "cjk": "日本語",
    "emoji": "🚗",
    "escapes": 'quote " backslash \\ tab \t newline \n nul \x00 del \x7f',
    "separators": "line\u2028paragraph\u2029",
    "empty": "",
    "zero": 0,
    "negative": -42,
    "huge": 2**70,
    "true": True,
    "false": False,
    "null": None,
    "fraction": 0.1,
    "list": ["C", "MR", 3, None],
    "empty_list": [],
    "object": {"b": 1, "a": ["x"]},
}


def _layout(claims, *, disclosable=None, recursive=frozenset(), decoys=(2, 5)):
    disclosable = frozenset(claims) if disclosable is None else disclosable
    return Layout.of(claims, disclosable=disclosable, recursive=recursive, decoys=decoys)


@pytest.mark.parametrize("name", AWKWARD_VALUES)
def test_each_disclosure_is_the_compact_json_array_json_dumps_writes(name):
    value = AWKWARD_VALUES[name]
    concealed = conceal(_layout({name: value}))

    [salt], [encoded] = concealed.salts, concealed.encoded

    expected = json.dumps([salt, name, value], separators=(",", ":"), ensure_ascii=False)
    assert b64url_decode(encoded) == expected.encode("utf-8")
    assert decode_disclosure(encoded).value == value


@pytest.mark.parametrize("value", [True, False, 1, "1", 1.5, [True]])
def test_claim_json_tells_booleans_from_integers(value):
    assert claim_json(value) == json.dumps(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, [-math.inf]])
def test_a_value_json_cannot_hold_is_refused(value):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        _layout({"score": value})


@pytest.mark.parametrize(
    ("claims", "recursive"),
    [({"_sd": "x"}, frozenset()), ({"...": 1}, frozenset()), ({"address": {"_sd": "x"}}, {"address"})],
)
def test_reserved_names_are_never_disclosed(claims, recursive):
    with pytest.raises(ValueError, match="cannot be a disclosed claim name"):
        _layout(claims, recursive=frozenset(recursive))


def test_plain_claims_stay_in_the_payload_and_every_digest_is_a_disclosure_or_a_decoy():
    claims = {"vct": "v", "given_name": "Alex", "address": {"locality": "Parramatta", "region": "NSW"}}
    layout = _layout(
        claims, disclosable=frozenset({"given_name", "address"}), recursive=frozenset({"address"})
    )

    concealed = conceal(layout)
    digests = {digest_of(e): decode_disclosure(e) for e in concealed.encoded}
    top = concealed.body["_sd"]
    address = next(d.value for d in digests.values() if d.name == "address")

    assert concealed.body["vct"] == "v"
    assert {digests[d].name for d in top if d in digests} == {"given_name", "address"}
    assert {digests[d].name for d in address["_sd"] if d in digests} == {"locality", "region"}
    assert 2 <= len(top) - 2 <= 5  # decoys in both arrays
    assert 2 <= len(address["_sd"]) - 2 <= 5
    assert top == sorted(top)
    assert address["_sd"] == sorted(address["_sd"])
    assert all(len(b64url_decode(d)) == 32 for d in top + address["_sd"])


def test_one_layout_gives_every_credential_fresh_salts_and_decoys():
    layout = _layout({"given_name": "Alex", "family_name": "Citizen"})

    first, second = conceal(layout), conceal(layout)

    assert set(first.salts).isdisjoint(second.salts)
    assert set(first.body["_sd"]).isdisjoint(second.body["_sd"])
    assert all(len(b64url_decode(salt)) == 16 for salt in first.salts + second.salts)


def test_a_credentials_randomness_is_drawn_in_one_call(monkeypatch):
    draws = []

    def token_bytes(n):
        draws.append(n)
        return secrets.SystemRandom().randbytes(n)

    monkeypatch.setattr(issuers.concealment.secrets, "token_bytes", token_bytes)
    layout = _layout({"a": 1, "b": 2, "o": {"x": 1}}, recursive=frozenset({"o"}), decoys=(1, 1))

    conceal(layout)

    assert draws == [16 * 4 + 32 * 2]  # four salts (a, b, x, o), one decoy seed per _sd array


def test_no_disclosable_claims_and_no_decoys_means_no_sd():
    assert "_sd" not in conceal(_layout({"vct": "v"}, disclosable=frozenset(), decoys=(0, 0))).body


@pytest.mark.parametrize("size", [1, 2, 3, 16, 32, 33])
@pytest.mark.parametrize("count", [0, 1, 7])
def test_encoding_many_chunks_at_once_matches_encoding_each(size, count):
    chunks = [secrets.token_bytes(size) for _ in range(count)]

    assert b64url_each(chunks, size) == [b64url_encode(chunk) for chunk in chunks]
