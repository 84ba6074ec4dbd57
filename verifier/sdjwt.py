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
from dataclasses import dataclass
from typing import Any

from verifier.disclosures import SD_ALG, Disclosure, decode_disclosure
from verifier.encoding import MAX_JSON_DEPTH
from verifier.errors import FormatError
from verifier.reasons import Reason

# RFC 9901 section 4 ABNF: base64url parts joined by "." and "~", so a presentation is always ASCII.
_PRESENTATION = re.compile(r"[A-Za-z0-9_\-.~]+")
SD = "_sd"
SD_ALG_CLAIM = "_sd_alg"
ELLIPSIS = "..."


@dataclass(frozen=True, slots=True)
class SdJwtParts:
    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    sd_jwt: str  # "<issuer JWT>~<d1>~...~<dN>~", the exact text that a KB-JWT's sd_hash covers


def split_presentation(text: str) -> SdJwtParts:
    """Split ``<JWT>~<D1>~...~<DN>~[<KB-JWT>]``. Raises FormatError (``malformed``) for any other shape."""
    if not _PRESENTATION.fullmatch(text):
        raise FormatError("a presentation holds only base64url, '.' and '~'")
    head, tilde, last = text.rpartition("~")
    if not tilde:
        raise FormatError("an SD-JWT ends its issuer-signed JWT with '~'")
    issuer_jwt, *disclosures = head.split("~")
    if not issuer_jwt or "" in disclosures:
        raise FormatError("empty part in the SD-JWT")
    return SdJwtParts(issuer_jwt, tuple(disclosures), last or None, head + "~")


def _bad(message: str) -> FormatError:
    return FormatError(message, reason=Reason.BAD_DISCLOSURE)


def process_payload(payload: dict[str, Any], disclosures: Sequence[str]) -> dict[str, Any]:
    """The processed SD-JWT payload of an issuer-signed payload and the presented Disclosures.

    Raises FormatError: reason ``bad_disclosure`` for any breach of RFC 9901 section 7.1, ``malformed``
    when recursive Disclosures nest the result deeper than the JSON depth limit.
    """
    algorithm = payload.get(SD_ALG_CLAIM, SD_ALG)
    if algorithm != SD_ALG:
        raise _bad(f"_sd_alg {algorithm!r} is not supported")
    return _Processor([decode_disclosure(d) for d in disclosures]).run(payload)


class _Processor:
    def __init__(self, disclosures: list[Disclosure]) -> None:
        self._by_digest: dict[str, Disclosure] = {}
        for disclosure in disclosures:
            if disclosure.digest in self._by_digest:
                raise _bad("the same Disclosure is presented twice")
            self._by_digest[disclosure.digest] = disclosure
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


def _check_depth(depth: int) -> None:
    # Recursive Disclosures can nest deeper than any one JSON text; the same limit holds for the result.
    if depth > MAX_JSON_DEPTH:
        raise FormatError("processed payload nested too deeply")
