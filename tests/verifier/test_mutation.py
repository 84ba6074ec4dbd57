"""Deterministic mutation testing: thousands of one-character changes to a valid presentation.

Every part of a presentation is covered by a signature (the issuer's over the JWT, the digests over the
Disclosures, the holder's sd_hash over all of it), and base64url is decoded in its one canonical form, so no
changed text may pass. None may raise either. (``hypothesis`` would widen this; it is not installed.)
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.verifier.helpers import AUD, NONCE, NOW, World
from verifier.verify import Verifier

SEED = 20261122
ALPHABET = 'AZaz09-_.~=+/ \n\x00é"{}[]:,'


def _mutate(rng: random.Random, text: str) -> str:
    position = rng.randrange(len(text) + 1)
    kind = rng.choice(("flip", "delete", "insert", "duplicate"))
    if kind == "flip" and position < len(text):
        return text[:position] + rng.choice(ALPHABET) + text[position + 1 :]
    if kind == "delete" and position < len(text):
        return text[:position] + text[position + 1 :]
    if kind == "duplicate" and position < len(text):
        return text[:position] + text[position] + text[position:]
    return text[:position] + rng.choice(ALPHABET) + text[position:]


def _run(verifier: Verifier, presentation: str, *, require_kb: bool, count: int) -> Counter[str]:
    rng = random.Random(SEED)
    seen: Counter[str] = Counter()
    tried = 0
    while tried < count:
        mutated = _mutate(rng, presentation)
        if mutated == presentation:
            continue
        tried += 1
        result = verifier.verify(mutated, now=NOW, audience=AUD, nonce=NONCE, require_kb=require_kb)
        assert result.verdict == "invalid", f"mutation accepted: {mutated!r}"
        assert result.claims == {}
        assert result.holder_bound is False
        seen.update(str(reason) for reason in result.reasons)
    return seen


@pytest.mark.parametrize("require_kb", [True, False], ids=["with-kb", "without-kb"])
def test_no_one_character_mutation_passes_or_raises(world: World, require_kb):
    verifier = Verifier(trust=world.store(), replay_cache=None)
    issued = world.issue()
    presentation = world.present(issued, "given_name", "family_name", kb=require_kb)
    assert verifier.verify(presentation, now=NOW, audience=AUD, nonce=NONCE, require_kb=require_kb).valid

    seen = _run(verifier, presentation, require_kb=require_kb, count=2500)

    # The mutations reach every layer, not just the parser.
    assert {"malformed", "bad_signature", "bad_disclosure"} <= set(seen)
    if require_kb:
        assert {"kb_invalid", "sd_hash_mismatch"} & set(seen)


def test_mutations_of_the_whole_tail_never_pass(world: World):
    """Cut the presentation at every '~' and at random points: a truncated presentation never passes."""
    verifier = Verifier(trust=world.store(), replay_cache=None)
    presentation = world.present(world.issue())
    cuts = [i for i, ch in enumerate(presentation) if ch == "~"] + list(range(0, len(presentation), 37))

    for cut in cuts:
        for text in (presentation[:cut], presentation[: cut + 1]):
            if text != presentation:
                result = verifier.verify(text, now=NOW, audience=AUD, nonce=NONCE)
                assert result.verdict == "invalid"
