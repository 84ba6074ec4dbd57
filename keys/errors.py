"""Exceptions raised by the keys package.

Every store error derives from :class:`KeyStoreError`, so callers can catch one type. Messages name
purposes, kids and file paths only: never passphrases or key bytes.
"""

from __future__ import annotations


class KeyStoreError(Exception):
    """Base class of every error a key store raises."""


class InvalidPurpose(KeyStoreError, ValueError):
    """A purpose name does not match the allowed syntax (it would be unsafe as a directory name)."""


class NoActiveKey(KeyStoreError):
    """The purpose has no active signing key (call ``ensure_active`` or ``rotate`` first)."""


class KeyNotFound(KeyStoreError):
    """No key of that purpose has that kid."""


class KeyDecryptionError(KeyStoreError):
    """A stored private key could not be decrypted: wrong passphrase or a damaged file."""


class KeyStoreCorrupt(KeyStoreError):
    """The stored keyset is unreadable or inconsistent (bad manifest, missing or mismatched key)."""


class Base64UrlError(ValueError):
    """A string is not strict unpadded base64url (RFC 7515 section 2)."""
