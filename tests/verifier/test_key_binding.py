"""Every way a Key Binding JWT can fail, and replay of a valid one."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.verifier.helpers import (
    AUD,
    NONCE,
    NOW,
    World,
    b64json,
    der_signed,
    kb_jwt,
    malleate,
    public_jwk,
    reasons,
    sign_segments,
)
from verifier.disclosures import digest_of
from verifier.encoding import b64url_encode
from verifier.errors import ReplayCacheError
from verifier.keybinding import MAX_KB_AGE
from verifier.replay import MemoryReplayCache, SqliteReplayCache
from verifier.verify import Verifier


def _bound(world: World, **kb_options: object) -> str:
    return world.present(world.issue(), **kb_options)


def _with_kb(world: World, make_kb) -> str:
    sd_jwt = world.issue().sd_jwt()
    return sd_jwt + make_kb(sd_jwt)


def test_no_kb_when_required(world):
    result = world.verify(world.present(kb=False))

    assert reasons(result) == ["kb_required"]


def test_no_kb_accepted_when_not_required(world):
    result = world.verify(world.present(kb=False), require_kb=False)

    assert reasons(result) == []
    assert result.holder_bound is False


def test_a_kb_jwt_is_checked_even_when_not_required(world):
    result = world.verify(_bound(world, nonce="other"), require_kb=False)

    assert reasons(result) == ["kb_wrong_nonce"]


def test_a_valid_kb_jwt_makes_the_result_holder_bound(world):
    assert world.verify(_bound(world)).holder_bound is True


@pytest.mark.parametrize("typ", ["JWT", "KB+JWT", "dc+sd-jwt", None])
def test_kb_of_the_wrong_type(world, typ):
    header = {"alg": "ES256"} if typ is None else {"alg": "ES256", "typ": typ}

    assert reasons(world.verify(_bound(world, header=header))) == ["kb_invalid"]


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "ES384", "HS256"])
def test_kb_with_another_algorithm(world, alg):
    header = {"alg": alg, "typ": "kb+jwt"}

    assert reasons(world.verify(_bound(world, header=header))) == ["kb_invalid"]


def test_kb_hmac_with_the_holder_public_key_as_secret(world):
    def forge(sd_jwt: str) -> str:
        header_b64 = b64json({"alg": "HS256", "typ": "kb+jwt"})
        payload_b64 = b64json({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash_of(sd_jwt)})
        secret = json.dumps(public_jwk(world.holder.key)).encode()
        mac = hmac.new(secret, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
        return f"{header_b64}.{payload_b64}.{b64url_encode(mac)}"

    assert reasons(world.verify(_with_kb(world, forge))) == ["kb_invalid"]


def sd_hash_of(sd_jwt: str) -> str:
    return digest_of(sd_jwt)


def test_kb_signed_by_another_key(world):
    presentation = _with_kb(world, lambda sd_jwt: kb_jwt(sd_jwt, world.attacker.key))

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


def test_kb_with_an_embedded_attacker_jwk_is_still_checked_against_cnf(world):
    header = {"alg": "ES256", "typ": "kb+jwt", "jwk": world.attacker.jwk}
    presentation = _with_kb(world, lambda sd_jwt: kb_jwt(sd_jwt, world.attacker.key, header=header))

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


def test_kb_with_a_der_signature(world):
    presentation = _with_kb(
        world, lambda sd_jwt: der_signed(kb_jwt(sd_jwt, world.holder.key), world.holder.key)
    )

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


def test_kb_with_a_crit_header(world):
    header = {"alg": "ES256", "typ": "kb+jwt", "crit": ["b64"], "b64": False}

    assert reasons(world.verify(_bound(world, header=header))) == ["kb_invalid"]


def test_kb_with_a_duplicate_member(world):
    def doubled(sd_jwt: str) -> str:
        payload = json.dumps({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash_of(sd_jwt)})
        text = payload[:-1] + ', "nonce": "attacker"}'
        return sign_segments(
            b64json({"alg": "ES256", "typ": "kb+jwt"}), b64url_encode(text.encode()), world.holder.key
        )

    assert reasons(world.verify(_with_kb(world, doubled))) == ["kb_invalid"]


@pytest.mark.parametrize("member", ["iat", "aud", "nonce", "sd_hash"])
def test_kb_missing_a_required_claim(world, member):
    assert reasons(world.verify(_bound(world, **{member: None}))) == ["kb_invalid"]


@pytest.mark.parametrize(
    ("member", "value"), [("aud", [AUD]), ("nonce", 1234), ("iat", "now"), ("sd_hash", 7)]
)
def test_kb_claim_of_the_wrong_type(world, member, value):
    assert reasons(world.verify(_bound(world, **{member: value}))) == ["kb_invalid"]


def test_kb_garbage(world):
    sd_jwt = world.issue().sd_jwt()

    assert reasons(world.verify(sd_jwt + "not-a-jwt")) == ["kb_invalid"]


def test_sd_hash_over_other_disclosures(world):
    """The holder signed a presentation of every claim, then the disclosures were cut down."""
    issued = world.issue()
    kb = kb_jwt(issued.sd_jwt(), world.holder.key)

    assert reasons(world.verify(issued.sd_jwt("given_name") + kb)) == ["sd_hash_mismatch"]


def test_sd_hash_moved_to_another_credential(world):
    kb = kb_jwt(world.issue().sd_jwt(), world.holder.key)

    assert reasons(world.verify(world.issue().sd_jwt() + kb)) == ["sd_hash_mismatch"]


def test_sd_hash_of_a_different_text_for_the_same_disclosures(world):
    issued = world.issue()
    presentation = issued.sd_jwt() + kb_jwt(issued.sd_jwt(), world.holder.key, sd_hash=sd_hash_of(issued.jwt))

    assert reasons(world.verify(presentation)) == ["sd_hash_mismatch"]


def test_kb_for_another_audience(world):
    assert reasons(world.verify(_bound(world, aud="https://elsewhere.example"))) == ["kb_wrong_aud"]


def test_kb_for_another_nonce(world):
    assert reasons(world.verify(_bound(world, nonce="n-000"))) == ["kb_wrong_nonce"]


def test_audience_and_nonce_are_not_compared_when_the_caller_expects_none(world):
    result = world.verify(_bound(world, aud="any", nonce="any"), audience=None, nonce=None)

    assert reasons(result) == []


@pytest.mark.parametrize(
    ("age", "stale"), [(0, False), (60, False), (61, True), (3600, True), (-5, False), (-6, True)]
)
def test_kb_freshness_window(world, age, stale):
    result = world.verify(_bound(world, iat=NOW - age))

    assert reasons(result) == (["kb_stale"] if stale else [])


def test_max_kb_age_is_configurable(world):
    verifier = Verifier(trust=world.store(), replay_cache=None, max_kb_age=300)

    result = verifier.verify(_bound(world, iat=NOW - 200), now=NOW, audience=AUD, nonce=NONCE)

    assert reasons(result) == []


def test_the_verifier_refuses_a_max_kb_age_above_the_ceiling(world):
    Verifier(trust=world.store(), replay_cache=None, max_kb_age=MAX_KB_AGE)

    with pytest.raises(ValueError, match="max_kb_age"):
        Verifier(trust=world.store(), replay_cache=None, max_kb_age=MAX_KB_AGE + 1)


def test_kb_with_an_exp_in_the_past(world):
    assert reasons(world.verify(_bound(world, exp=NOW - 10))) == ["kb_stale"]


@pytest.mark.parametrize(
    "cnf",
    [
        pytest.param({"jwk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}}, id="p384"),
        pytest.param({"jwk": {"kty": "oct", "k": "c2VjcmV0"}}, id="symmetric"),
        pytest.param(
            {
                "jwk": {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": b64url_encode(bytes(32)),
                    "y": b64url_encode(bytes(32)),
                }
            },
            id="off-curve",
        ),
        pytest.param({"kid": "holder"}, id="no-jwk"),
        pytest.param({"jwk": "text"}, id="jwk-not-an-object"),
        pytest.param("cnf", id="cnf-not-an-object"),
    ],
)
def test_unusable_holder_keys(world, cnf):
    presentation = world.present(world.issue(world.payload(cnf=cnf)))

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


def test_a_holder_key_with_its_private_part_is_refused(world):
    private = world.holder.key.private_numbers().private_value
    jwk = {**public_jwk(world.holder.key), "d": b64url_encode(private.to_bytes(32, "big"))}

    presentation = world.present(world.issue(world.payload(cnf={"jwk": jwk})))

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


def test_an_invalid_curve_point_in_cnf_is_refused(world):
    """x of one key with y of another is no point of P-256; the curve check refuses it before any ECDSA."""
    jwk = public_jwk(world.holder.key)
    other = public_jwk(ec.generate_private_key(ec.SECP256R1()))
    presentation = world.present(world.issue(world.payload(cnf={"jwk": {**jwk, "y": other["y"]}})))

    assert reasons(world.verify(presentation)) == ["kb_invalid"]


# --- replay ------------------------------------------------------------------------------------------------


def _checker(world: World, cache) -> Verifier:
    return Verifier(trust=world.store(), replay_cache=cache)


def _check(verifier: Verifier, presentation: str, now: int = NOW) -> list[str]:
    return reasons(verifier.verify(presentation, now=now, audience=AUD, nonce=NONCE))


def test_the_same_kb_jwt_twice_is_replayed(world):
    verifier, presentation = _checker(world, MemoryReplayCache()), _bound(world)

    assert _check(verifier, presentation) == []
    result = verifier.verify(presentation, now=NOW + 1, audience=AUD, nonce=NONCE)
    assert reasons(result) == ["replayed"]
    assert (result.holder_bound, result.claims) == (False, {})


def test_a_re_signed_copy_with_the_other_ecdsa_signature_is_still_replayed(world):
    verifier = _checker(world, MemoryReplayCache())
    sd_jwt = world.issue().sd_jwt()
    kb = kb_jwt(sd_jwt, world.holder.key)
    assert _check(verifier, sd_jwt + kb) == []

    assert _check(verifier, sd_jwt + malleate(kb)) == ["replayed"]


def test_a_fresh_kb_jwt_for_the_same_credential_is_not_a_replay(world):
    verifier, issued = _checker(world, MemoryReplayCache()), world.issue()

    assert _check(verifier, world.present(issued)) == []
    assert _check(verifier, world.present(issued, iat=NOW - 1)) == []


def test_a_kb_jwt_that_failed_is_not_recorded(world):
    verifier, presentation = _checker(world, MemoryReplayCache()), _bound(world)
    assert reasons(verifier.verify(presentation, now=NOW, audience=AUD, nonce="wrong")) == ["kb_wrong_nonce"]

    assert _check(verifier, presentation) == []


def test_replay_is_detected_across_processes_through_the_file_cache(world, tmp_path):
    presentation = _bound(world)
    assert _check(_checker(world, SqliteReplayCache(tmp_path / "replay.sqlite3")), presentation) == []

    assert _check(_checker(world, SqliteReplayCache(tmp_path / "replay.sqlite3")), presentation) == [
        "replayed"
    ]


def test_without_a_replay_cache_nothing_is_remembered(world):
    verifier, presentation = _checker(world, None), _bound(world)

    assert _check(verifier, presentation) == []
    assert _check(verifier, presentation) == []


@pytest.mark.parametrize("cache_kind", ["memory", "sqlite"])
def test_cache_entries_expire_after_their_window(tmp_path, cache_kind):
    cache = MemoryReplayCache() if cache_kind == "memory" else SqliteReplayCache(tmp_path / "r.sqlite3")

    assert cache.check_and_record("k", now=100, expires_at=160) is False
    assert cache.check_and_record("k", now=160, expires_at=220) is True
    assert cache.check_and_record("k", now=161, expires_at=221) is False


def test_the_memory_cache_forgets_expired_entries(world):
    cache = MemoryReplayCache()
    for i in range(50):
        cache.check_and_record(f"k{i}", now=100, expires_at=160)

    cache.check_and_record("late", now=1000, expires_at=1060)

    assert len(cache) == 1


def test_a_time_the_file_cache_cannot_store_is_a_replay_cache_error(tmp_path):
    cache = SqliteReplayCache(tmp_path / "r.sqlite3")

    with pytest.raises(ReplayCacheError, match="cannot store"):
        cache.check_and_record("k", now=NOW, expires_at=10**19)


def test_an_unusable_cache_file_is_an_error_not_a_verdict(tmp_path):
    with pytest.raises(ReplayCacheError):
        SqliteReplayCache(tmp_path / "missing-dir" / "replay.sqlite3")
