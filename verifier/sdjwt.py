"""SD-JWT (RFC 9901): splitting a presentation; turning payload plus Disclosures into the processed payload.

``process_payload`` is section 7.1, steps 2.5 and 3 to 5: every Disclosure must be referenced exactly once
(from the payload or from another Disclosure), no digest may appear twice, property Disclosures only from
``_sd`` arrays and element Disclosures only from ``{"...": digest}`` entries, a disclosed name must be new at
its level, and ``_sd``, ``_sd_alg`` and undisclosed array entries leave the result. Digests without a
Disclosure are decoys or undisclosed claims and are dropped, as the RFC requires.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from typing import Any, NamedTuple

from verifier.disclosures import SD_ALG, Disclosure, decode_disclosure
from verifier.encoding import MAX_JSON_DEPTH
from verifier.errors import FormatError
from verifier.reasons import Reason

# RFC 9901 section 4 ABNF: base64url parts joined by "." and "~", so a presentation is always ASCII.
_PRESENTATION_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
SD = "_sd"
SD_ALG_CLAIM = "_sd_alg"
ELLIPSIS = "..."
# Where a member name "_sd..." or "..." may begin in a JSON text.
_MARKERS = re.compile(rb'"(?:_sd|\.\.\.)')


class SdJwtParts(NamedTuple):
    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    sd_jwt: str  # "<issuer JWT>~<d1>~...~<dN>~", the exact text that a KB-JWT's sd_hash covers


def split_presentation(text: str) -> SdJwtParts:
    """Split ``<JWT>~<D1>~...~<DN>~[<KB-JWT>]``. Raises FormatError (``malformed``) for any other shape."""
    # Deleting every allowed character leaves nothing: a table lookup per byte, several times a regex's speed.
    if not text.isascii() or text.encode("ascii").translate(None, _PRESENTATION_CHARS):
        raise FormatError("a presentation holds only base64url, '.' and '~'")
    head, tilde, last = text.rpartition("~")
    if not tilde:
        raise FormatError("an SD-JWT ends its issuer-signed JWT with '~'")
    # The issuer JWT is most of the text: partition finds its end at memchr speed, and only the short rest is
    # split, which steps through every character.
    issuer_jwt, tilde, rest = head.partition("~")
    disclosures = tuple(rest.split("~")) if tilde else ()
    if not issuer_jwt or "" in disclosures:
        raise FormatError("empty part in the SD-JWT")
    return SdJwtParts(issuer_jwt, disclosures, last or None, head + "~")


def _bad(message: str) -> FormatError:
    return FormatError(message, reason=Reason.BAD_DISCLOSURE)


def process_payload(
    payload: dict[str, Any], disclosures: Sequence[str], *, payload_json: bytes | None = None
) -> dict[str, Any]:
    """The processed SD-JWT payload of an issuer-signed payload and the presented Disclosures.

    ``payload_json``, the JSON text that ``payload`` was parsed from, lets the common flat shape skip the
    general walk (see ``_process_flat``); the result is the same with or without it.

    Raises FormatError: reason ``bad_disclosure`` for any breach of RFC 9901 section 7.1, ``malformed``
    when recursive Disclosures nest the result deeper than the JSON depth limit.
    """
    algorithm = payload.get(SD_ALG_CLAIM, SD_ALG)
    if algorithm != SD_ALG:
        raise _bad(f"_sd_alg {algorithm!r} is not supported")
    by_digest = _by_digest([decode_disclosure(d) for d in disclosures])
    if payload_json is not None and _only_top_level_digests(payload, payload_json):
        processed = _process_flat(payload, by_digest)
        if processed is not None:
            return processed
    return _Processor(by_digest).run(payload)


def _by_digest(disclosures: list[Disclosure]) -> dict[str, Disclosure]:
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        digest = disclosure.digest  # a hash each time it is read
        if digest in by_digest:
            raise _bad("the same Disclosure is presented twice")
        by_digest[digest] = disclosure
    return by_digest


class _Processor:
    def __init__(self, by_digest: dict[str, Disclosure]) -> None:
        self._by_digest = by_digest
        self._seen: set[str] = set()

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        result = self._object(payload, 1, top=True)
        if not self._seen.issuperset(self._by_digest):
            raise _bad("a Disclosure is not referenced by the payload or by another Disclosure")
        return result

    def _lookup(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise _bad("a digest must be a string")
        if digest in self._seen:
            raise _bad("a digest appears more than once")
        self._seen.add(digest)
        return self._by_digest.get(digest)

    def _value(self, value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            return self._object(value, depth)
        if isinstance(value, list):
            return self._array(value, depth)
        return value

    def _object(self, obj: dict[str, Any], depth: int, *, top: bool = False) -> dict[str, Any]:
        _check_depth(depth)
        result: dict[str, Any] = {}
        for name, value in obj.items():
            if name == ELLIPSIS or (name == SD_ALG_CLAIM and not top):
                raise _bad(f"claim name {name!r} is reserved")
            if name not in (SD, SD_ALG_CLAIM):
                result[name] = self._value(value, depth + 1)
        for digest in _sd_digests(obj):
            disclosure = self._lookup(digest)
            if disclosure is not None:
                self._insert(result, disclosure, depth)
        return result

    def _insert(self, result: dict[str, Any], disclosure: Disclosure, depth: int) -> None:
        name = disclosure.name
        if name is None:
            raise _bad("an array-element Disclosure is referenced from _sd")
        if name in result or name == SD_ALG_CLAIM:
            raise _bad(f"disclosed claim {name!r} already exists at its level")
        result[name] = self._value(disclosure.value, depth + 1)

    def _array(self, array: list[Any], depth: int) -> list[Any]:
        _check_depth(depth)
        result: list[Any] = []
        for element in array:
            if not (isinstance(element, dict) and ELLIPSIS in element):
                result.append(self._value(element, depth + 1))
                continue
            if len(element) != 1:
                raise _bad('an array digest entry must be {"...": digest} alone')
            disclosure = self._lookup(element[ELLIPSIS])
            if disclosure is None:
                continue  # a decoy or an element the holder did not disclose
            if disclosure.name is not None:
                raise _bad("an object-property Disclosure is referenced from an array")
            result.append(self._value(disclosure.value, depth + 1))
        return result


def _sd_digests(obj: dict[str, Any]) -> list[Any]:
    digests = obj.get(SD, [])
    if not isinstance(digests, list):
        raise _bad("_sd must be an array of digests")
    return digests


def _only_top_level_digests(payload: dict[str, Any], payload_json: bytes) -> bool:
    """True when no object below the top holds ``_sd`` or ``_sd_alg`` and no object or array entry holds
    ``...``, so that nothing but the top-level ``_sd`` can reference a Disclosure.

    Read off the JSON text, at C speed: with no backslash in it every member name is written as itself, so
    each name starting ``_sd`` adds one ``"_sd`` to the text. A string value that merely looks like one only
    sends the payload down the general walk. Both markers are found in one pass of the regex engine, which
    takes a third less time here than two substring searches (neither can overlap the other: each starts
    with the only quote it holds).
    """
    if b"\\" in payload_json:
        return False
    markers = _MARKERS.findall(payload_json)
    return b'"...' not in markers and len(markers) == (SD in payload) + (SD_ALG_CLAIM in payload)


def _process_flat(payload: dict[str, Any], by_digest: dict[str, Disclosure]) -> dict[str, Any] | None:
    """``_Processor.run`` for a payload whose only digests are its top-level ``_sd`` (see above) and
    Disclosures of claims whose values are not objects or arrays (so they reference nothing either).

    None when anything is amiss: the general walk then finds the same fault and names it.
    """
    digests = payload.get(SD, [])
    if not _distinct_strings(digests):
        return None
    result = {name: value for name, value in payload.items() if name != SD and name != SD_ALG_CLAIM}
    referenced = 0
    for digest in digests:
        disclosure = by_digest.get(digest)
        if disclosure is None:
            continue  # a decoy or a claim the holder did not disclose
        name, value = disclosure.name, disclosure.value
        if name is None or name in result or name == SD_ALG_CLAIM or isinstance(value, dict | list):
            return None
        result[name] = value
        referenced += 1
    # Each digest is distinct, so this counts distinct Disclosures: fewer means one is referenced by nothing.
    return result if referenced == len(by_digest) else None


def _distinct_strings(digests: Any) -> bool:
    return (
        isinstance(digests, list)
        and all(map(isinstance, digests, repeat(str)))
        and len(set(digests)) == len(digests)
    )


def _check_depth(depth: int) -> None:
    # Recursive Disclosures can nest deeper than any one JSON text; the same limit holds for the result.
    if depth > MAX_JSON_DEPTH:
        raise FormatError("processed payload nested too deeply")
