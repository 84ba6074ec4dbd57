"""Claims into RFC 9901 disclosures and ``_sd`` digests, at a cost small beside the signature.

A disclosure is the base64url of the JSON ``[salt, name, value]``. Only the salt changes from one credential
to the next, so the JSON after it (``,"name",value]``) is written once per set of claims, as a ``Layout``,
and each credential only draws salts and hashes. The text is byte for byte what ``json.dumps`` with compact
separators and ``ensure_ascii=False`` writes for the array, so any RFC 9901 reader decodes it as such.

Every salt is 128 bits from ``secrets``; a credential's salts and decoy seeds come from one draw. Each ``_sd``
array holds decoy digests (hashes of fresh random bytes, as RFC 9901 section 4.2.5 recommends) and is sorted,
so neither its length nor its order tells which claims exist.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Any

SALT_BYTES = 16  # 128 bits, as RFC 9901 section 9.3 recommends
DECOY_SEED_BYTES = 32
DIGEST_BYTES = 32  # sha-256
RESERVED_NAMES = frozenset({"_sd", "..."})

_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_json_string = json.encoder.encode_basestring  # what _JSON writes for a str (ensure_ascii=False)
_sha256 = hashlib.sha256
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def claim_json(value: Any) -> str:
    """The compact JSON of a claim value; plain strings, booleans and integers skip the general encoder.

    Raises ValueError for NaN or infinity, TypeError for a value JSON cannot hold.
    """
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return repr(value)  # what json writes for an int
    return _JSON.encode(value)


def _tail(name: str, value: Any) -> str:
    if name in RESERVED_NAMES:
        raise ValueError(f"{name!r} cannot be a disclosed claim name")
    return f",{_json_string(name)},{claim_json(value)}]"


@dataclass(frozen=True, slots=True)
class Group:
    """Claims disclosed one by one into the same ``_sd`` array; ``tails`` is each disclosure's JSON after
    its salt (``,"name",value]``)."""

    names: tuple[str, ...]
    values: tuple[Any, ...]
    tails: tuple[str, ...]

    @classmethod
    def of(cls, claims: Mapping[str, Any]) -> Group:
        return cls(tuple(claims), tuple(claims.values()), tuple(_tail(n, v) for n, v in claims.items()))


@dataclass(frozen=True, slots=True)
class Nested:
    """An object claim: each member disclosed on its own, then the object holding their digests."""

    name: str
    members: Group

    def outer(self, value: dict[str, list[str]]) -> Group:
        return Group((self.name,), (value,), (_tail(self.name, value),))


@dataclass(frozen=True, slots=True)
class Layout:
    """What a set of claims becomes in every credential minted from it, salts and decoys aside."""

    plain: dict[str, Any]  # claims the payload carries as they are
    parts: tuple[Group | Nested, ...]  # the disclosable claims in their order, runs of whole ones grouped
    decoys: tuple[int, int]  # how many decoy digests per _sd array, drawn in this range

    @classmethod
    def of(
        cls,
        claims: Mapping[str, Any],
        *,
        disclosable: frozenset[str],
        recursive: frozenset[str],
        decoys: tuple[int, int],
    ) -> Layout:
        """Raises ValueError for a disclosable claim named ``_sd`` or ``...`` or a NaN, TypeError for a
        value JSON cannot hold."""
        plain: dict[str, Any] = {}
        parts: list[Group | Nested] = []
        run: dict[str, Any] = {}
        for name, value in claims.items():
            if name not in disclosable:
                plain[name] = value
            elif name in recursive and isinstance(value, dict):
                _tail(name, None)  # the object's own name is checked now, its disclosure made per credential
                if run:
                    parts.append(Group.of(run))
                    run = {}
                parts.append(Nested(name, Group.of(value)))
            else:
                run[name] = value
        if run:
            parts.append(Group.of(run))
        return cls(plain, tuple(parts), decoys)

    @property
    def salt_count(self) -> int:
        return sum(len(p.members.names) + 1 if isinstance(p, Nested) else len(p.names) for p in self.parts)

    @property
    def sd_arrays(self) -> int:
        return 1 + sum(isinstance(part, Nested) for part in self.parts)


@dataclass(frozen=True, slots=True)
class Concealed:
    """One credential's share of the claims: what its payload carries, and its disclosures in wire order."""

    body: dict[str, Any]  # plain claims, then _sd
    encoded: list[str]
    salts: list[str]
    names: list[str]
    values: list[Any]


def conceal(layout: Layout) -> Concealed:
    """Fresh salts and decoys for one credential over ``layout``."""
    salts, decoys = _draw(layout)
    concealed = Concealed(dict(layout.plain), [], [], [], [])
    hashes = decoys[0]
    nested_decoys = iter(decoys[1:])
    for part in layout.parts:
        if isinstance(part, Nested):
            inner = _disclose(concealed, part.members, salts) + next(nested_decoys)
            hashes += _disclose(concealed, part.outer(_sd(inner)), salts)
        else:
            hashes += _disclose(concealed, part, salts)
    if hashes:
        concealed.body.update(_sd(hashes))
    return concealed


def _draw(layout: Layout) -> tuple[Iterator[str], list[list[bytes]]]:
    """The salts, and the decoy digests of each _sd array (the top one first), from one draw."""
    low, high = layout.decoys
    counts = [low + secrets.randbelow(high - low + 1) for _ in range(layout.sd_arrays)]
    salt_bytes = SALT_BYTES * layout.salt_count
    pool = secrets.token_bytes(salt_bytes + DECOY_SEED_BYTES * sum(counts))
    salts = b64url_each([pool[i : i + SALT_BYTES] for i in range(0, salt_bytes, SALT_BYTES)], SALT_BYTES)
    decoys = [
        _sha256(pool[i : i + DECOY_SEED_BYTES]).digest()
        for i in range(salt_bytes, len(pool), DECOY_SEED_BYTES)
    ]
    ends = list(accumulate(counts))
    return iter(salts), [decoys[end - count : end] for count, end in zip(counts, ends, strict=True)]


def _disclose(concealed: Concealed, group: Group, salts: Iterator[str]) -> list[bytes]:
    """Append the disclosures of ``group``, each with the next of ``salts``; return their SHA-256 hashes."""
    taken = list(islice(salts, len(group.tails)))
    # Kept as bytes to be hashed, so a large disclosure (a portrait) is not copied once more to hash it.
    wire = [_b64url(f'["{s}"{tail}'.encode()) for s, tail in zip(taken, group.tails, strict=True)]
    concealed.encoded.extend(map(bytes.decode, wire))
    concealed.salts.extend(taken)
    concealed.names.extend(group.names)
    concealed.values.extend(group.values)
    return [_sha256(text).digest() for text in wire]


def _b64url(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URLSAFE)


def _sd(hashes: list[bytes]) -> dict[str, list[str]]:
    return {"_sd": sorted(b64url_each(hashes, DIGEST_BYTES))}


def b64url_each(chunks: list[bytes], size: int) -> list[str]:
    """The unpadded base64url of each of ``chunks``, all ``size`` bytes long, in one pass of the encoder.

    Each chunk is followed by zero bytes up to a multiple of 3, so that every one starts on a 4-character
    boundary; the zeros only fill bits that unpadded base64url leaves zero anyway, and the characters made
    only of them are cut off.
    """
    if not chunks:
        return []
    filler = bytes(-size % 3)
    stride, length = (size + len(filler)) // 3 * 4, (size * 4 + 2) // 3
    text = binascii.b2a_base64(filler.join(chunks) + filler, newline=False).translate(_URLSAFE).decode()
    return [text[i : i + length] for i in range(0, len(text), stride)]
