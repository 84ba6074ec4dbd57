"""Strict base64url and JSON, as every format here needs them.

base64url is the unpadded alphabet of RFC 7515 section 2; anything else (padding, ``+``, ``/``, white space,
non-zero trailing bits) is refused, so that one value has exactly one encoding. JSON is parsed with duplicate
member names refused (RFC 7515 section 5.2 and RFC 9901 section 7.1 both call for it), without NaN or
Infinity, and never deeper than a fixed limit.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from json.scanner import make_scanner
from typing import Any, AnyStr, Final

import orjson
import pybase64

from verifier.errors import FormatError

MAX_JSON_DEPTH = 32
# What a parsed JSON object may be, for isinstance: dict is named first, as a parsed object always is one, so
# the slower abstract Mapping check (a Python call) runs only for a caller's own mapping.
JSON_OBJECT = (dict, Mapping)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {char: index for index, char in enumerate(_ALPHABET)} | {"": 0}
_PADDING = ("", "", "==", "=")
_TO_URL = bytes.maketrans(b"+/", b"-_")
# The last character of a 2- or 3-character final group carries 4 or 2 bits that encode nothing; they must
# be zero, or the same bytes would have several spellings.
_TRAILING_BITS = (0, 0, 0b1111, 0b11)


def b64url_encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url. Raises FormatError for anything not in its one canonical form."""
    remainder = len(text) % 4
    # pybase64 decodes a payload several times faster than binascii (SIMD). With validate it refuses every
    # character outside the alphabet, but "-_" as altchars adds them to the standard one rather than taking
    # the place of "+" and "/", and the padding we add would let a text's own "=" through: those three are
    # refused here, each found at memchr speed.
    if "+" in text or "/" in text or "=" in text:
        raise FormatError("not base64url")
    try:
        data = pybase64.b64decode(text + _PADDING[remainder], altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as e:  # a text that is not ASCII is a ValueError
        raise FormatError("not base64url") from e
    if _TRAILING_BITS[remainder] & _VALUE[text[-1:]]:  # a second spelling of the same bytes
        raise FormatError("not canonical base64url")
    return data


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise FormatError(f"duplicate JSON member {_first_duplicate(pairs)!r}")
    return result


def _first_duplicate(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            return name
        seen.add(name)
    raise AssertionError("no duplicate among the pairs")


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"JSON constant {name} is not allowed")


# One decoder for every document: json.loads would build a new one for each call that passes hooks.
_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
# What the decoder scans with, called directly. typeshed has make_scanner take a scanner; it takes a decoder.
_SCAN = make_scanner(_DECODER)  # type: ignore[arg-type]


def _depth_exceeds(value: Any, limit: int) -> bool:
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        # Only containers nest: strings and numbers (most of a payload) are never pushed.
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_strict(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON refusing duplicate names, NaN/Infinity, invalid UTF-8, lone surrogates and nesting past
    ``max_depth``.

    Raises FormatError (reason ``malformed``).
    """
    if isinstance(data, bytes):
        value = _canonical(data)
        if value is not _NOT_CANONICAL:
            # Every object or array opens and closes with a bracket, so a short text, or one with few
            # brackets, cannot nest deeply: most documents here never need the walk, and short ones (a
            # Disclosure, a header) not even the search.
            if _may_nest_deeper(data, (b"{", b"["), max_depth) and _depth_exceeds(value, max_depth):
                raise FormatError("JSON nested too deeply")
            return value
    return _loads_general(data, max_depth)


_NOT_CANONICAL: Final = object()


def _canonical(data: bytes) -> Any:
    """The value of ``data`` when orjson reads it and writes it back byte for byte, else _NOT_CANONICAL.

    orjson (compiled, several times the standard parser's speed) refuses invalid UTF-8, lone surrogates, NaN
    and Infinity, but keeps the last of duplicate names. A text it writes back unchanged has none, though:
    orjson writes each member of the dict it built once. What our issuers sign (compact, UTF-8 as is) comes
    back unchanged; any other text, well formed or not, is parsed the general way, which is the one that
    refuses, and says why.
    """
    try:
        value = orjson.loads(data)
        return value if orjson.dumps(value) == data else _NOT_CANONICAL
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _NOT_CANONICAL


def _loads_general(data: bytes | str, max_depth: int) -> Any:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        # A document with no white space around it is exactly one scan; JSONDecoder.decode would add two
        # regex matches and two calls. Anything else (white space, an error) gets decode's own handling and
        # messages.
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            value = _DECODER.decode(text)
    except FormatError:
        raise
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise FormatError("not valid JSON") from e
    if _may_nest_deeper(text, ("{", "["), max_depth) and _depth_exceeds(value, max_depth):
        raise FormatError("JSON nested too deeply")
    # Bytes were checked by UTF-8 decoding, escapes were not. "\\" alone is found at memchr speed, and is
    # rare, so the slower two-character search seldom runs.
    if isinstance(data, str) or ("\\" in text and "\\u" in text):
        _refuse_lone_surrogates(value)
    return value


def _may_nest_deeper(text: AnyStr, brackets: tuple[AnyStr, AnyStr], limit: int) -> bool:
    """False when ``text`` holds at most ``limit`` opening ``brackets`` ("{" and "[") in all.

    Each bracket is found by find, at memchr speed, where count steps through every character; a document
    has a handful of brackets, and the search stops as soon as the limit is passed.
    """
    if len(text) < 2 * (limit + 1):
        return False
    found = 0
    for bracket in brackets:
        at = text.find(bracket)
        while at >= 0:
            found += 1
            if found > limit:
                return True
            at = text.find(bracket, at + 1)
    return False


def _refuse_lone_surrogates(value: Any) -> None:
    # A "\ud800" escape is valid JSON syntax but no Unicode text (RFC 7493 section 2.1 forbids it): such a
    # string could not be written out again, so it would break whoever prints a claim later.
    try:
        dumps_compact(value)
    except UnicodeEncodeError as e:
        raise FormatError("JSON string holds a lone surrogate") from e


def b64url_json(text: str) -> Any:
    """A base64url segment holding JSON (a JWS header or payload, a disclosure). Raises FormatError."""
    return loads_strict(b64url_decode(text))


def dumps_compact(value: Any) -> bytes:
    """JSON as this project writes it: no spaces, UTF-8 as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
