"""The one way secrets that are only ever compared (codes, tokens, client secrets) are kept: SHA-256.

They are random and long (or, for a short code, bound to a long one), so a slow hash would add nothing.
Several parts are joined with NUL, so no two part lists give the same input; one part is its plain hash.
"""

from __future__ import annotations

import hashlib


def digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode()).digest()
