"""The phone's credential store: received SD-JWT VCs and the device keys they are bound to, in one JSON file.

On a phone the device keys stay in the secure element. This reference client keeps each one in the file as an
encrypted PKCS#8 PEM under a secret argon2id derives from the store's passphrase (holder/passphrase.py), and
writes the file atomically with mode 0600, so a copied store file alone presents nothing.

File versions: 2 records the key derivation (``kdf``: name, salt, parameters). 1, from before, encrypted the
keys under the passphrase itself; it is still read, and written back as version 2 by the next save.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys import jwk_thumbprint
from keys.fsutil import atomic_write, make_private_dir
from wallet.holder.oid4vci import DeviceKey, HolderClient, Received
from wallet.holder.passphrase import PassphraseKdf, check_new_passphrase
from wallet.holder.present import SdJwtCredential

STORE_VERSION = 2
PASSPHRASE_PEM_VERSION = 1  # keys encrypted under the passphrase itself (PBKDF2, 2048 rounds): read only


class StoreError(Exception):
    """The store cannot be read or written, its passphrase is wrong, or it holds no credential as asked."""


@dataclass(frozen=True, slots=True)
class StoredCredential:
    credential_type: str  # the OpenID4VCI credential_configuration_id: driver_licence, proof_of_age, ...
    credential: SdJwtCredential
    holder_key: str  # RFC 7638 thumbprint of the device key in its cnf

    @property
    def issued_at(self) -> int:
        return _int(self.credential.payload.get("iat"))

    @property
    def expires_at(self) -> int:
        return _int(self.credential.payload.get("exp"))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class CredentialStore:
    def __init__(self, passphrase: bytes) -> None:
        """A new, empty store. Raises StoreError when the passphrase is too short (MIN_PASSPHRASE_LENGTH)."""
        try:
            check_new_passphrase(passphrase)
        except ValueError as e:
            raise StoreError(str(e)) from e
        self._start(passphrase)

    @classmethod
    def _existing(cls, passphrase: bytes) -> CredentialStore:
        """A store to read a file into. Its passphrase was chosen under the rules of its day: refusing it now
        for its length would lock the holder out of their credentials."""
        store = cls.__new__(cls)
        store._start(passphrase)
        return store

    def _start(self, passphrase: bytes) -> None:
        self._passphrase = passphrase
        self._kdf = PassphraseKdf.new()
        self._secret: bytes | None = None  # derived once: each derivation costs what a guess costs
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._credentials: list[StoredCredential] = []

    def new_device_key(self) -> DeviceKey:
        """A new P-256 device key, kept in the store, to request credentials with."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        device = DeviceKey(private_key)
        self._keys[jwk_thumbprint(device.jwk)] = private_key
        return device

    def add(self, credential_type: str, text: str) -> StoredCredential:
        """Keep a received credential. Raises StoreError unless it is an SD-JWT VC bound to a key here."""
        try:
            credential = SdJwtCredential(text)
            holder_key = jwk_thumbprint(credential.holder_jwk)
        except ValueError as e:  # PresentationError, or a cnf.jwk with no thumbprint
            raise StoreError(f"not a credential this store can keep: {e}") from e
        if holder_key not in self._keys:
            raise StoreError("the credential is bound to a device key this store does not hold")
        stored = StoredCredential(credential_type, credential, holder_key)
        self._credentials.append(stored)
        return stored

    def add_received(self, received: Received) -> list[StoredCredential]:
        return [self.add(received.configuration_id, text) for text in received.credentials]

    def accept_offer(
        self, client: HolderClient, uri: str, tx_code: str, *, keys: int = 1
    ) -> list[StoredCredential]:
        """Run an offer's OpenID4VCI flow with ``keys`` new device keys and keep what is issued.

        Each batch is kept as it arrives, so when a later request fails what came before stays in the store
        (save it still). Raises IssuanceFailed (from the client) or StoreError.
        """
        devices = [self.new_device_key() for _ in range(keys)]
        kept: list[StoredCredential] = []
        client.accept_offer(uri, tx_code, devices, keep=lambda batch: kept.extend(self.add_received(batch)))
        return kept

    def credentials(self, credential_type: str | None = None) -> list[StoredCredential]:
        return [c for c in self._credentials if credential_type in (None, c.credential_type)]

    def device_key(self, stored: StoredCredential) -> DeviceKey:
        return DeviceKey(self._keys[stored.holder_key])

    def pick(self, credential_type: str, *, now: int) -> tuple[SdJwtCredential, DeviceKey]:
        """The newest credential of this type still unexpired at ``now``, with its device key.

        Raises StoreError when there is none.
        """
        usable = [c for c in self.credentials(credential_type) if c.expires_at > now]
        if not usable:
            raise StoreError(f"no unexpired {credential_type} credential in the store")
        newest = max(usable, key=lambda c: c.issued_at)  # max keeps the first of equals: the first received
        return newest.credential, self.device_key(newest)

    def save(self, path: Path) -> None:
        """Write the store to ``path`` (atomically, mode 0600), creating its directory (mode 0700) if missing.

        Raises StoreError.
        """
        encryption = serialization.BestAvailableEncryption(self._key_secret())
        document = {
            "version": STORE_VERSION,
            "kdf": self._kdf.document(),
            "device_keys": [
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
                ).decode()
                for key in self._keys.values()
            ],
            "credentials": [
                {"type": c.credential_type, "credential": c.credential.text} for c in self._credentials
            ],
        }
        try:
            make_private_dir(path.parent)  # a first run has no ~/.credwallet-holder yet
            atomic_write(path, json.dumps(document, indent=1).encode())
        except OSError as e:
            raise StoreError(f"cannot write the credential store {path}: {e}") from e

    @classmethod
    def load(cls, path: Path, passphrase: bytes) -> CredentialStore:
        """The store saved at ``path``; a new, empty store when there is no file yet.

        A version 1 file is read as well; the next save writes it as version 2. Raises StoreError.
        """
        if not path.exists():
            return cls(passphrase)
        store = cls._existing(passphrase)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            secret = store._secret_for(document, path)
            for pem in document["device_keys"]:
                store._add_key(pem.encode(), secret)
            for entry in document["credentials"]:
                store.add(entry["type"], entry["credential"])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise StoreError(f"cannot read the credential store {path}: {e}") from e
        return store

    def _secret_for(self, document: Any, path: Path) -> bytes:
        """What the device keys of ``document`` are encrypted under. Raises StoreError, ValueError."""
        version = document.get("version") if isinstance(document, dict) else None
        if version == PASSPHRASE_PEM_VERSION:
            return self._passphrase  # the store keeps its new KDF, so the next save upgrades the file
        if version != STORE_VERSION:
            raise StoreError(f"{path} is not a version {STORE_VERSION} credential store")
        self._kdf = PassphraseKdf.from_document(document.get("kdf"))
        return self._key_secret()

    def _key_secret(self) -> bytes:
        if self._secret is None:
            self._secret = self._kdf.derive(self._passphrase)
        return self._secret

    def _add_key(self, pem: bytes, secret: bytes) -> None:
        try:
            key = serialization.load_pem_private_key(pem, secret)
        except (ValueError, TypeError) as e:  # cryptography: a wrong passphrase is a ValueError
            raise StoreError("cannot decrypt a device key: wrong passphrase, or a damaged store") from e
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise StoreError("a device key in the store is not a P-256 key")
        self._keys[jwk_thumbprint(DeviceKey(key).jwk)] = key
