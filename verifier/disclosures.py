"""SD-JWT disclosures (RFC 9901 section 4.2): encoding, digests, and the strict decoding of one disclosure.

An object-property disclosure is ``[salt, name, value]``, an array-element disclosure ``[salt, value]``;
on the wire each is the base64url of its JSON, and the issuer-signed payload holds the base64url SHA-256 of
that text.
"""

from __future__ import annotations

import binascii
import hashlib
from typing import Any, NamedTuple

from verifier.encoding import b64url_decode, b64url_encode, dumps_compact, loads_strict
from verifier.errors import FormatError

SD_ALG = "sha-256"
RESERVED_NAMES = frozenset({"_sd", "..."})
_TO_URL = bytes.maketrans(b"+/", b"-_")


class Disclosure(NamedTuple):
    encoded: str
    salt: str
    name: str | None  # None for an array element
    value: Any

    @property
    def digest(self) -> str:
        return digest_of(self.encoded)


def digest_of(encoded: str) -> str:
    """The ``sha-256`` digest that the payload carries for an encoded disclosure (or for an SD-JWT)."""
    # b64url_encode written out: 32 bytes are 43 base64 characters and one "=", and this runs several
    # times on every check.
    digest = hashlib.sha256(encoded.encode("ascii")).digest()
    return binascii.b2a_base64(digest, newline=False)[:43].translate(_TO_URL).decode("ascii")


def encode_disclosure(salt: str, name: str | None, value: Any) -> Disclosure:
    """A new disclosure: for an object property when ``name`` is given, else for an array element."""
    if name is not None and name in RESERVED_NAMES:
        raise ValueError(f"{name!r} cannot be a disclosed claim name")
    array = [salt, value] if name is None else [salt, name, value]
    return Disclosure(b64url_encode(dumps_compact(array)), salt, name, value)


def decode_disclosure(encoded: str) -> Disclosure:
    """Parse one disclosure. Raises FormatError (reason ``bad_disclosure``) for any malformed one."""
    try:
        array = loads_strict(b64url_decode(encoded))
    except FormatError as e:
        raise FormatError(f"disclosure is not base64url JSON: {e}", reason="bad_disclosure") from e
    if not isinstance(array, list) or len(array) not in (2, 3) or not isinstance(array[0], str):
        raise FormatError("disclosure must be [salt, name, value] or [salt, value]", reason="bad_disclosure")
    if len(array) == 2:
        return Disclosure(encoded, array[0], None, array[1])
    name = array[1]
    if not isinstance(name, str) or name in RESERVED_NAMES:
        raise FormatError(f"disclosure claim name {name!r} is not allowed", reason="bad_disclosure")
    return Disclosure(encoded, array[0], name, array[2])
