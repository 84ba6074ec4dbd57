"""Property tests (hypothesis): no mutation of a valid presentation passes, and none raises.

Every part of a presentation is signed: the issuer JWT by the issuer, each Disclosure by its digest in the
signed payload, and (with a KB-JWT) the exact text of the SD-JWT by the holder's ``sd_hash``. So whatever a
mutation changes, the verdict is ``invalid`` with at least one reason, no claims and no holder binding. The
one mutation that may pass is, without a KB-JWT, showing a different set of the issuer's own Disclosures:
then exactly those claims, and nothing else, are reported.

Bounded for the suite's sake: ``max_examples`` 300 per property, derandomized (the same examples each run,
as the seeded mutation test does), no example database written into the work tree.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.verifier.helpers import AUD, NONCE, NOW, Issued, World, disclose, kb_jwt
from verifier.disclosures import encode_disclosure
from verifier.encoding import b64url_decode, b64url_encode
from verifier.result import VerificationResult
from verifier.verify import Verifier

BOUNDED = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SHOWN = ("given_name", "family_name", "birthdate")
# What a presentation is made of, what breaks parsers, and characters from anywhere in Unicode.
NEARBY = st.sampled_from(list('AZaz09-_.~=+/ \t\n\x00\x7féü\u2028\U0001f600\\"{}[]:,'))
CHARACTERS = st.one_of(NEARBY, st.characters(codec="utf-8"))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@dataclass(frozen=True)
class Sample:
    issued: Issued
    shown: tuple[str, ...]  # the encoded Disclosures shown, in order
    kb: str  # the holder's KB-JWT over exactly ``sd_jwt``
    foreign: tuple[str, ...]  # Disclosures that look right but that the issuer never signed a digest of

    @property
    def sd_jwt(self) -> str:
        return "~".join([self.issued.jwt, *self.shown]) + "~"

    def text(self, *, with_kb: bool) -> str:
        return self.sd_jwt + (self.kb if with_kb else "")


@pytest.fixture(scope="module")
def sample(world: World) -> Sample:
    issued = world.issue()
    shown = tuple(d.encoded for d in issued.disclosures if d.name in SHOWN)
    genuine = issued.disclosures[0]
    foreign = (
        disclose("given_name", "Eve").encoded,  # the same claim, another value
        encode_disclosure(genuine.salt, genuine.name, "Eve").encoded,  # even under the genuine salt
        disclose(None, "Ada").encoded,  # an array element where a property is expected
        disclose("exp", NOW + 10**8).encoded,  # a claim that must never be disclosed
        world.issue().disclosures[0].encoded,  # genuine, but another credential's
        _respaced(genuine.encoded),  # the genuine JSON, serialised differently
    )
    unbound = Sample(issued, shown, "", foreign)
    return dataclasses.replace(unbound, kb=kb_jwt(unbound.sd_jwt, world.holder.key))


@pytest.fixture(scope="module")
def verifier(world: World) -> Verifier:
    # No replay cache: a mutation that slipped through must show as valid, not hide behind "replayed".
    return Verifier(trust=world.store(), replay_cache=None)


def _respaced(encoded: str) -> str:
    return b64url_encode(json.dumps(json.loads(b64url_decode(encoded)), indent=1).encode())


def _check(verifier: Verifier, text: str, *, with_kb: bool) -> VerificationResult:
    return verifier.verify(text, now=NOW, audience=AUD, nonce=NONCE, require_kb=with_kb)


def _assert_refused(result: VerificationResult) -> None:
    assert result.verdict == "invalid"
    assert result.reasons
    assert result.claims == {}
    assert result.holder_bound is False
    json.loads(result.to_json())  # the verdict can always be reported


WITH_AND_WITHOUT_KB = pytest.mark.parametrize("with_kb", [True, False], ids=["kb", "no-kb"])


def test_the_unmutated_presentations_are_valid(verifier, sample):
    for with_kb in (True, False):
        result = _check(verifier, sample.text(with_kb=with_kb), with_kb=with_kb)
        assert result.valid, result.reasons
        assert set(result.claims) == set(SHOWN)


# --- characters: replaced, inserted, deleted anywhere; truncation; junk appended ----------------------


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        if kind == "insert" or position == len(text):
            text = text[:position] + draw(CHARACTERS) + text[position:]
        elif kind == "replace":
            text = text[:position] + draw(CHARACTERS) + text[position + 1 :]
        else:
            text = text[:position] + text[position + 1 :]
    return text


@WITH_AND_WITHOUT_KB
@BOUNDED
@given(data=st.data())
def test_edited_characters_never_pass(verifier, sample, with_kb, data):
    original = sample.text(with_kb=with_kb)
    mutated = data.draw(edited(original))
    assume(mutated != original)

    _assert_refused(_check(verifier, mutated, with_kb=with_kb))


@WITH_AND_WITHOUT_KB
@BOUNDED
@given(data=st.data())
def test_truncated_or_extended_presentations_never_pass(verifier, sample, with_kb, data):
    original = sample.text(with_kb=with_kb)
    cut = data.draw(st.integers(0, len(original) - 1))
    junk = data.draw(st.text(CHARACTERS, min_size=1, max_size=40) | st.sampled_from(["~", "~~", ".", "~x"]))
    mutated = data.draw(st.sampled_from([original[:cut], original + junk, original[:cut] + junk]))
    assume(mutated != original)

    _assert_refused(_check(verifier, mutated, with_kb=with_kb))


# --- the "~" parts: dropped, duplicated, reordered, replaced by other valid-looking Disclosures -----------


def _parts(sample: Sample) -> st.SearchStrategy[list[str]]:
    genuine = [d.encoded for d in sample.issued.disclosures]
    pool = [*genuine, *sample.foreign, sample.issued.jwt, sample.kb]
    return st.one_of(
        st.permutations(list(sample.shown)),
        st.lists(st.sampled_from(list(sample.shown)), max_size=6),  # drops and duplicates
        st.lists(st.sampled_from(pool), max_size=7),
    )


@BOUNDED
@given(data=st.data())
def test_with_a_kb_jwt_any_other_set_of_parts_fails(verifier, sample, data):
    parts = data.draw(_parts(sample))
    text = "~".join([sample.issued.jwt, *parts]) + "~" + sample.kb

    result = _check(verifier, text, with_kb=True)

    if tuple(parts) == sample.shown:
        assert result.valid
    else:
        _assert_refused(result)


@BOUNDED
@given(data=st.data())
def test_without_a_kb_jwt_only_the_issuers_own_disclosures_pass(verifier, sample, data):
    parts = data.draw(_parts(sample))
    genuine = {d.encoded: d for d in sample.issued.disclosures}

    result = _check(verifier, "~".join([sample.issued.jwt, *parts]) + "~", with_kb=False)

    if all(part in genuine for part in parts) and len(set(parts)) == len(parts):
        assert result.valid, result.reasons
        assert result.claims == {genuine[part].name: genuine[part].value for part in parts}
    else:
        _assert_refused(result)


# --- JSON re-encoded: members added, removed, changed, reordered, or only spelled differently ------------


@st.composite
def rewritten(draw: st.DrawFn, value: dict[str, Any] | list[Any]) -> bytes:
    """``value`` with one change (or none), serialised in one of several ways."""
    changed: Any = json.loads(json.dumps(value))
    keys = list(changed) if isinstance(changed, dict) else list(range(len(changed)))
    kind = draw(st.sampled_from(["none", "add", "remove", "change", "reorder"]))
    if kind == "add" and isinstance(changed, dict):
        changed[draw(st.text(max_size=6))] = draw(JSON_VALUES)
    elif kind == "add":
        changed.append(draw(JSON_VALUES))
    elif kind == "remove" and keys:
        del changed[draw(st.sampled_from(keys))]
    elif kind == "change" and keys:
        changed[draw(st.sampled_from(keys))] = draw(JSON_VALUES)
    elif kind == "reorder" and isinstance(changed, dict):
        changed = dict(draw(st.permutations(list(changed.items()))))
    spell: Callable[[Any], str] = draw(st.sampled_from(SPELLINGS))
    return spell(changed).encode()


SPELLINGS: list[Callable[[Any], str]] = [
    lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False),
    lambda v: json.dumps(v),
    lambda v: json.dumps(v, indent=2),
    lambda v: json.dumps(v, sort_keys=True, separators=(",", ":")),
    lambda v: " " + json.dumps(v, separators=(",", ":")) + "\n",
]


def _with_segment(jws: str, index: int, segment: str) -> str:
    segments = jws.split(".")
    segments[index] = segment
    return ".".join(segments)


@WITH_AND_WITHOUT_KB
@BOUNDED
@given(data=st.data())
def test_re_encoded_json_under_the_old_signature_never_passes(verifier, sample, with_kb, data):
    targets = ["issuer_header", "issuer_payload", "disclosure"] + (
        ["kb_header", "kb_payload"] if with_kb else []
    )
    target = data.draw(st.sampled_from(targets))
    jwt, shown, kb = sample.issued.jwt, list(sample.shown), sample.kb
    if target == "disclosure":
        index = data.draw(st.integers(0, len(shown) - 1))
        replacement = b64url_encode(data.draw(rewritten(json.loads(b64url_decode(shown[index])))))
        assume(replacement != shown[index])
        shown[index] = replacement
    else:
        index = 0 if target.endswith("header") else 1
        on_issuer = target.startswith("issuer")
        original = (jwt if on_issuer else kb).split(".")[index]
        segment = b64url_encode(data.draw(rewritten(json.loads(b64url_decode(original)))))
        assume(segment != original)
        if on_issuer:
            jwt = _with_segment(jwt, index, segment)
        else:
            kb = _with_segment(kb, index, segment)

    text = "~".join([jwt, *shown]) + "~" + (kb if with_kb else "")

    _assert_refused(_check(verifier, text, with_kb=with_kb))
