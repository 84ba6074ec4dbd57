"""Token Status List (draft-ietf-oauth-status-list): the status of token ``i`` in a compressed bit array.

Statuses are packed from the least significant bit of each byte, ``bits`` per token (1, 2, 4 or 8), and the
byte array travels ZLIB-compressed and base64url-encoded. A decoded list keeps the raw bytes, so a lookup is
O(1) and ten million 2-bit entries take 2.5 MB.
"""

from __future__ import annotations

import zlib
from enum import IntEnum
from typing import Any

from verifier.encoding import b64url_decode, b64url_encode
from verifier.errors import FormatError

ALLOWED_BITS = (1, 2, 4, 8)
# A decompression bomb stops here: 64 MiB is 256 million 2-bit entries, far past any real list.
MAX_LIST_BYTES = 64 * 1024 * 1024


class Status(IntEnum):
    VALID = 0
    INVALID = 1  # "revoked" in this product
    SUSPENDED = 2


class StatusList:
    """A mutable status list of ``size`` entries of ``bits`` bits each, all VALID at first."""

    __slots__ = ("_data", "bits")

    def __init__(self, size: int, bits: int = 2, data: bytes | bytearray | None = None) -> None:
        if bits not in ALLOWED_BITS:
            raise ValueError(f"bits must be one of {ALLOWED_BITS}")
        self.bits = bits
        needed = -(-size * bits // 8)
        self._data = bytearray(data) if data is not None else bytearray(needed)
        if len(self._data) < needed:
            raise ValueError("data is shorter than size entries")

    def __len__(self) -> int:
        return len(self._data) * 8 // self.bits

    def __getitem__(self, index: int) -> int:
        # _locate written out: this lookup is on every check of a presentation, the setter is not.
        bits = self.bits
        if not 0 <= index < len(self._data) * 8 // bits:
            raise IndexError(f"status index {index} is outside the list")
        per_byte = 8 // bits
        return (self._data[index // per_byte] >> (index % per_byte) * bits) & ((1 << bits) - 1)

    def __setitem__(self, index: int, value: int) -> None:
        if not 0 <= value < (1 << self.bits):
            raise ValueError(f"status {value} does not fit in {self.bits} bits")
        byte, shift = self._locate(index)
        mask = ((1 << self.bits) - 1) << shift
        self._data[byte] = (self._data[byte] & ~mask) | (value << shift)

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"status index {index} is outside the list")
        per_byte = 8 // self.bits
        return index // per_byte, (index % per_byte) * self.bits

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def encode(self) -> dict[str, Any]:
        """The ``status_list`` claim ``{"bits": .., "lst": base64url(zlib(bytes))}``, best compression."""
        return {"bits": self.bits, "lst": b64url_encode(zlib.compress(self._data, 9))}

    @classmethod
    def decode(cls, claim: Any) -> StatusList:
        """Parse a ``status_list`` claim. Raises FormatError for a malformed claim or an oversized list."""
        if not isinstance(claim, dict) or claim.get("bits") not in ALLOWED_BITS:
            raise FormatError("status_list needs bits of 1, 2, 4 or 8")
        lst = claim.get("lst")
        if not isinstance(lst, str):
            raise FormatError("status_list needs lst")
        data = _inflate(b64url_decode(lst))
        bits: int = claim["bits"]
        return cls(len(data) * 8 // bits, bits, data)


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, MAX_LIST_BYTES)
    except zlib.error as e:
        raise FormatError("status list is not ZLIB data") from e
    if inflater.unconsumed_tail:
        raise FormatError("status list is larger than allowed")
    if not inflater.eof or inflater.unused_data:
        raise FormatError("status list ZLIB stream is truncated or followed by junk")
    return data
