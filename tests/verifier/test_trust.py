"""Trust files, signed trust bundles and anchors: what is accepted, and every configuration error."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.verifier.helpers import ISS, NOW, VCT, Party, World, b64json, public_jwk, reasons, sign_jws
from verifier.encoding import b64url_encode
from verifier.errors import TrustError, VerifierError
from verifier.store import TrustStore
from verifier.trust import parse_trust_file


def _mutated(world: World, change) -> dict[str, Any]:
    data = copy.deepcopy(world.trust_data())
    change(data)
    return data


def test_a_trust_file_builds_a_store(world):
    store = TrustStore.from_dict(world.trust_data())

    assert [issuer.name for issuer in store.issuers] == ["Licences Office", "Seniors Card Office"]
    assert store.max_status_age == 86400
    assert store.key_for(world.issuer.kid)[0].iss == ISS
    assert store.key_for("nobody") is None


def test_status_lists_and_policy_are_optional(world):
    store = TrustStore.from_dict({"issuers": world.trust_data()["issuers"]})

    assert dict(store.status_lists) == {}
    assert store.max_status_age == 86400


def test_trust_errors_are_verifier_errors():
    assert issubclass(TrustError, VerifierError)


BROKEN = {
    "not-an-object": lambda d: d.clear() or d.update({"x": 1}),
    "no-issuers": lambda d: d.pop("issuers"),
    "issuers-not-a-list": lambda d: d.update(issuers={}),
    "unknown-top-level-member": lambda d: d.update(issuer=[]),
    "typo-vct-for-vcts": lambda d: d["issuers"][0].update(vct=[VCT]),
    "issuer-without-iss": lambda d: d["issuers"][0].pop("iss"),
    "issuer-empty-iss": lambda d: d["issuers"][0].update(iss=""),
    "issuer-without-name": lambda d: d["issuers"][0].pop("name"),
    "issuer-not-an-object": lambda d: d["issuers"].append("https://x"),
    "vcts-not-strings": lambda d: d["issuers"][0].update(vcts=[1]),
    "vcts-a-string": lambda d: d["issuers"][0].update(vcts=VCT),
    "jwks-missing": lambda d: d["issuers"][0].pop("jwks"),
    "jwks-not-a-set": lambda d: d["issuers"][0].update(jwks=[]),
    "key-without-kid": lambda d: d["issuers"][0]["jwks"]["keys"][0].pop("kid"),
    "key-with-private-part": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(d="AAAA"),
    "key-for-encryption": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(use="enc"),
    "key-for-rs256": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(alg="RS256"),
    "key-ops-without-verify": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(key_ops=["sign"]),
    "key-on-p384": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(crv="P-384"),
    "key-off-the-curve": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(y=b64url_encode(bytes(32))),
    "key-short-coordinate": lambda d: d["issuers"][0]["jwks"]["keys"][0].update(x=b64url_encode(bytes(31))),
    "same-kid-twice-in-a-set": lambda d: d["issuers"][0]["jwks"]["keys"].append(
        d["issuers"][0]["jwks"]["keys"][0]
    ),
    "same-kid-in-two-issuers": lambda d: d["issuers"][1]["jwks"]["keys"].append(
        d["issuers"][0]["jwks"]["keys"][0]
    ),
    "same-issuer-twice": lambda d: d["issuers"].append({**d["issuers"][1], "jwks": {"keys": []}, "iss": ISS}),
    "status-lists-not-a-map": lambda d: d.update(status_lists=["token"]),
    "status-list-not-a-token": lambda d: d.update(status_lists={"u": 1}),
    "policy-not-an-object": lambda d: d.update(policy=3600),
    "policy-unknown-member": lambda d: d.update(policy={"max_age": 3600}),
    "policy-zero": lambda d: d.update(policy={"max_status_age": 0}),
    "policy-a-string": lambda d: d.update(policy={"max_status_age": "1h"}),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_trust_file_is_a_trust_error(world, change):
    with pytest.raises(TrustError):
        TrustStore.from_dict(_mutated(world, change))


def test_a_trust_file_that_is_not_an_object_is_a_trust_error():
    with pytest.raises(TrustError):
        TrustStore.from_dict(["issuers"])


def test_no_documents_is_a_trust_error():
    with pytest.raises(TrustError):
        TrustStore()


def test_a_key_marked_for_signatures_and_es256_is_fine(world):
    data = _mutated(
        world, lambda d: d["issuers"][0]["jwks"]["keys"][0].update(use="sig", alg="ES256", key_ops=["verify"])
    )

    assert TrustStore.from_dict(data).key_for(world.issuer.kid) is not None


def test_documents_combine_with_the_strictest_policy(world):
    issuers = world.trust_data()["issuers"]
    first = parse_trust_file({"issuers": issuers[:1], "policy": {"max_status_age": 3600}})
    second = parse_trust_file({"issuers": issuers[1:], "policy": {"max_status_age": 600}})

    store = TrustStore(first, second)

    assert store.max_status_age == 600
    assert len(store.issuers) == 2


def test_documents_may_not_define_one_issuer_twice(world):
    document = parse_trust_file(world.trust_data())

    with pytest.raises(TrustError, match="twice"):
        TrustStore(document, document)


# --- signed bundles ----------------------------------------------------------------------------------------


def test_a_signed_bundle_builds_a_store(world):
    store = TrustStore.from_signed_bundle(world.bundle(), anchors=world.anchors(), now=NOW)

    assert reasons(world.verify(world.present(), store=store)) == []


def test_a_bundle_against_the_wrong_anchor(world):
    with pytest.raises(TrustError, match="unknown_key"):
        TrustStore.from_signed_bundle(world.bundle(), anchors={"keys": [world.attacker.jwk]}, now=NOW)


def test_a_bundle_signed_by_another_key_under_the_anchor_kid(world):
    forged = world.bundle(signer=Party(world.attacker.key, world.anchor.kid))

    with pytest.raises(TrustError, match="bad_signature"):
        TrustStore.from_signed_bundle(forged, anchors=world.anchors(), now=NOW)


def test_an_expired_bundle(world):
    with pytest.raises(TrustError, match="expired"):
        TrustStore.from_signed_bundle(world.bundle(exp=NOW - 3600), anchors=world.anchors(), now=NOW)


def test_a_bundle_is_refused_from_exp_plus_leeway_on(world):
    exp, leeway = NOW + 100, 5
    bundle = world.bundle(exp=exp)

    TrustStore.from_signed_bundle(bundle, anchors=world.anchors(), now=exp + leeway - 1, leeway=leeway)
    with pytest.raises(TrustError, match="expired"):
        TrustStore.from_signed_bundle(bundle, anchors=world.anchors(), now=exp + leeway, leeway=leeway)


def test_a_bundle_from_the_future(world):
    with pytest.raises(TrustError, match="future"):
        TrustStore.from_signed_bundle(world.bundle(iat=NOW + 3600), anchors=world.anchors(), now=NOW)


@pytest.mark.parametrize("member", ["iss", "iat", "exp"])
def test_a_bundle_missing_a_required_claim(world, member):
    token = world.bundle(**{member: None})

    with pytest.raises(TrustError):
        TrustStore.from_signed_bundle(token, anchors=world.anchors(), now=NOW)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "typ": "JWT", "kid": "anchor-1"},
        {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "anchor-1"},
        {"alg": "ES256", "kid": "anchor-1"},
        {"alg": "none", "typ": "trust-bundle+jwt", "kid": "anchor-1"},
        {"alg": "ES256", "typ": "trust-bundle+jwt", "kid": "anchor-1", "crit": ["exp"]},
    ],
)
def test_a_bundle_with_an_unacceptable_header(world, header):
    payload = {"iss": "https://trust.example.gov", "iat": NOW, "exp": NOW + 60, **world.trust_data()}

    with pytest.raises(TrustError):
        TrustStore.from_signed_bundle(
            sign_jws(header, payload, world.anchor.key), anchors=world.anchors(), now=NOW
        )


def test_a_bundle_with_alg_none_and_no_signature(world):
    token = b64json({"alg": "none", "typ": "trust-bundle+jwt", "kid": "anchor-1"}) + "." + b64json({}) + "."

    with pytest.raises(TrustError):
        TrustStore.from_signed_bundle(token, anchors=world.anchors(), now=NOW)


def test_a_bundle_with_an_unknown_member(world):
    with pytest.raises(TrustError, match="unknown"):
        TrustStore.from_signed_bundle(world.bundle(extra=1), anchors=world.anchors(), now=NOW)


@pytest.mark.parametrize(
    "anchors",
    [
        {"keys": []},
        {"keys": [{"kty": "EC", "crv": "P-256"}]},
        {"key": []},
        [],
        {"keys": [{**public_jwk(Party.generate("x").key), "kid": "anchor-1", "use": "enc"}]},
    ],
)
def test_unusable_anchors(world, anchors):
    with pytest.raises(TrustError):
        TrustStore.from_signed_bundle(world.bundle(), anchors=anchors, now=NOW)
