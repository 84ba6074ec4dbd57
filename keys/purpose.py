"""Purpose names: what a key is for, and the directory a file store keeps it in."""

from __future__ import annotations

import re

from keys.errors import InvalidPurpose

# Lower-case segments only, so a purpose can never be ".", "..", contain a slash or differ from
# another purpose by case alone (case-insensitive file systems).
_PURPOSE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}(:[a-z0-9][a-z0-9-]{0,62})?")

# ":" is not portable in file names; "__" cannot occur in a valid purpose, so the mapping is
# reversible and two purposes never share a directory.
_SEPARATOR = ":"
_DIR_SEPARATOR = "__"


def validate_purpose(purpose: str) -> str:
    """Return ``purpose`` unchanged if it is a valid purpose name.

    Valid names are one or two ``:``-separated segments of 1-63 characters from ``a-z 0-9 -``,
    each starting with a letter or digit (``service-tokens``, ``issuer:transport``).

    Raises:
        InvalidPurpose: anything else.
    """
    if not isinstance(purpose, str) or _PURPOSE.fullmatch(purpose) is None:
        shown = purpose[:80] if isinstance(purpose, str) else type(purpose).__name__
        raise InvalidPurpose(f"invalid key purpose: {shown!r}")
    return purpose


def purpose_to_dirname(purpose: str) -> str:
    """Return the directory name that holds the keys of ``purpose``.

    Raises:
        InvalidPurpose: ``purpose`` is not a valid purpose name.
    """
    return validate_purpose(purpose).replace(_SEPARATOR, _DIR_SEPARATOR)


def dirname_to_purpose(dirname: str) -> str | None:
    """Return the purpose stored in directory ``dirname``, or None if it is not a purpose's."""
    purpose = dirname.replace(_DIR_SEPARATOR, _SEPARATOR)
    if _PURPOSE.fullmatch(purpose) is None or purpose_to_dirname(purpose) != dirname:
        return None
    return purpose
