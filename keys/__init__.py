"""Signing keys: ES256 keys grouped by purpose, rotation, JWKS publication, file storage.

Imports nothing of ours and no web or database framework, so any package may depend on it.
"""

from keys.errors import (
    Base64UrlError,
    InvalidPurpose,
    KeyDecryptionError,
    KeyNotFound,
    KeyStoreCorrupt,
    KeyStoreError,
    NoActiveKey,
)
from keys.file_store import FileKeyStore
from keys.jwk import b64url_decode, b64url_encode, ec_public_jwk, jwk_thumbprint
from keys.model import KeyInfo, KeyState
from keys.purpose import validate_purpose
from keys.signing import SigningKey
from keys.store import KeyStore, select_published

__all__ = [
    "Base64UrlError",
    "FileKeyStore",
    "InvalidPurpose",
    "KeyDecryptionError",
    "KeyInfo",
    "KeyNotFound",
    "KeyState",
    "KeyStore",
    "KeyStoreCorrupt",
    "KeyStoreError",
    "NoActiveKey",
    "SigningKey",
    "b64url_decode",
    "b64url_encode",
    "ec_public_jwk",
    "jwk_thumbprint",
    "select_published",
    "validate_purpose",
]
