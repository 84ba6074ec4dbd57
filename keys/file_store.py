"""A key store on the local file system: encrypted PKCS#8 PEM files plus a JSON manifest.

Layout, one directory per purpose (``issuer:transport`` is stored as ``issuer__transport``)::

    <directory>/<purpose-dir>/keyset.json   metadata of every key, oldest first
    <directory>/<purpose-dir>/<kid>.pem     private key, PKCS#8 encrypted with the passphrase
    <directory>/<purpose-dir>/.lock         flock taken while creating or rotating keys

Files are 0600 and written atomically; directories are 0700. Several processes may share the
directory: writers serialize on the lock, and readers notice a new manifest with one ``stat``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from keys.errors import KeyDecryptionError, KeyNotFound, KeyStoreCorrupt, NoActiveKey
from keys.fsutil import atomic_write, exclusive_lock, make_private_dir
from keys.manifest import decode_manifest, encode_manifest
from keys.model import KeyInfo, KeyState, as_utc
from keys.purpose import dirname_to_purpose, purpose_to_dirname
from keys.signing import SigningKey
from keys.store import KeyStore, select_published

MANIFEST_NAME = "keyset.json"
LOCK_NAME = ".lock"
PEM_HEADER = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


@dataclass(frozen=True, slots=True)
class _CachedManifest:
    # (inode, mtime_ns, size): every write is a rename to a new inode, so any change shows here.
    signature: tuple[int, int, int]
    keys: tuple[KeyInfo, ...]


def _signature(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _active_info(keys: tuple[KeyInfo, ...] | list[KeyInfo]) -> KeyInfo | None:
    return next((info for info in keys if info.state == KeyState.ACTIVE), None)


def _retire(info: KeyInfo, now: datetime, publish_for: timedelta) -> KeyInfo:
    """Return ``info`` retired at ``now`` if it is the active key, else ``info`` unchanged."""
    if info.state != KeyState.ACTIVE:
        return info
    return replace(info, state=KeyState.RETIRED, retired_at=now, publish_until=now + publish_for)


class FileKeyStore(KeyStore):
    """A :class:`KeyStore` keeping passphrase-encrypted keys under one directory.

    Decrypted keys are cached in memory by kid, so each key is decrypted once per process, and
    signing never touches the disk. The manifest is re-read only when its inode, mtime or size
    changes, which is how a worker sees a rotation made by another process.

    Reading methods raise ``KeyStoreCorrupt`` for an unreadable or inconsistent store and
    ``KeyDecryptionError`` when a key cannot be decrypted; writing methods may also raise
    ``OSError`` when the disk refuses a write (the store is then unchanged).
    """

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        """Open (lazily: nothing is read or created yet) the store under ``directory``.

        Raises:
            ValueError: ``passphrase`` is empty or not bytes.
        """
        if not isinstance(passphrase, bytes) or not passphrase:
            raise ValueError("the key store passphrase must be non-empty bytes")
        self._directory = Path(directory)
        self._passphrase = passphrase
        # Plain dicts: under concurrent threads the worst case is decrypting a key twice.
        self._manifests: dict[str, _CachedManifest] = {}
        self._keys: dict[tuple[str, str], SigningKey] = {}
        self._passphrase_proven = False

    def __repr__(self) -> str:
        return f"FileKeyStore(directory={str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        """The directory holding one subdirectory per purpose."""
        return self._directory

    def ensure_active(self, purpose: str, *, now: datetime) -> SigningKey:
        """Return the active key of ``purpose``, creating one (created_at=now) if there is none."""
        now = as_utc(now)
        existing = self._find_active(purpose)
        if existing is not None:
            return existing
        with self._write_lock(purpose):
            # Another process may have created the key while we waited for the lock.
            keys = self._load_manifest(purpose)
            current = _active_info(keys)
            if current is not None:
                return self._signing_key(purpose, current.kid)
            return self._add_active_key(purpose, list(keys), now)

    def active(self, purpose: str) -> SigningKey:
        """Return the active key of ``purpose`` (raises NoActiveKey if there is none)."""
        key = self._find_active(purpose)
        if key is None:
            raise NoActiveKey(f"key purpose {purpose!r} has no active key")
        return key

    def rotate(self, purpose: str, *, now: datetime, publish_for: timedelta) -> SigningKey:
        """Retire the active key (if any) and return a new active key (see KeyStore.rotate)."""
        now = as_utc(now)
        if publish_for < timedelta(0):
            raise ValueError("publish_for must not be negative")
        with self._write_lock(purpose):
            keys = [_retire(info, now, publish_for) for info in self._load_manifest(purpose)]
            return self._add_active_key(purpose, keys, now)

    def revoke(self, purpose: str, kid: str, *, now: datetime) -> SigningKey:
        """Withdraw a compromised key (see KeyStore.revoke). Raises KeyNotFound."""
        now = as_utc(now)
        with self._write_lock(purpose):
            keys = list(self._load_manifest(purpose))
            target = next((info for info in keys if info.kid == kid), None)
            if target is None:
                raise KeyNotFound(f"key purpose {purpose!r} has no key {kid}")
            revoked = replace(target, state=KeyState.REVOKED, retired_at=now, publish_until=now)
            keys = [revoked if info.kid == kid else info for info in keys]
            if target.state != KeyState.ACTIVE:
                atomic_write(self._purpose_dir(purpose) / MANIFEST_NAME, encode_manifest(purpose, keys))
                self._manifests.pop(purpose, None)
                return self._signing_key(purpose, self._require_active(keys).kid)
            return self._add_active_key(purpose, keys, now)

    @staticmethod
    def _require_active(keys: list[KeyInfo]) -> KeyInfo:
        active = _active_info(keys)
        if active is None:
            raise NoActiveKey("the key set has no active key")
        return active

    def list_keys(self, purpose: str) -> list[KeyInfo]:
        """Return the metadata of every key of ``purpose``, oldest first."""
        return list(self._manifest(purpose))

    def published(self, purpose: str, *, now: datetime) -> list[KeyInfo]:
        """Return the keys published at ``now`` (see KeyStore.published)."""
        return select_published(self._manifest(purpose), now)

    def jwks(self, purpose: str, *, now: datetime) -> dict[str, list[dict[str, str]]]:
        """Return ``{"keys": [public JWKs]}`` for the keys published at ``now``, active first."""
        infos = self.published(purpose, now=now)
        return {"keys": [self._signing_key(purpose, info.kid).public_jwk() for info in infos]}

    def verification_keys(self, purpose: str, *, now: datetime) -> dict[str, ec.EllipticCurvePublicKey]:
        """Return kid -> public key for the keys published at ``now``."""
        infos = self.published(purpose, now=now)
        return {info.kid: self._signing_key(purpose, info.kid).public_key() for info in infos}

    def purposes(self) -> list[str]:
        """Return the purposes that have a manifest in this store, sorted.

        Raises:
            KeyStoreCorrupt: the store directory exists but cannot be listed.
        """
        try:
            with os.scandir(self._directory) as entries:
                names = [entry.name for entry in entries if entry.is_dir()]
        except FileNotFoundError:
            return []
        except OSError as e:
            raise KeyStoreCorrupt(f"{self._directory}: cannot list the key store") from e
        found = [dirname_to_purpose(name) for name in names]
        return sorted(
            purpose
            for purpose in found
            if purpose is not None and (self._purpose_dir(purpose) / MANIFEST_NAME).is_file()
        )

    # -- manifest ---------------------------------------------------------------------------

    def _purpose_dir(self, purpose: str) -> Path:
        return self._directory / purpose_to_dirname(purpose)

    def _manifest(self, purpose: str) -> tuple[KeyInfo, ...]:
        """Return the cached manifest of ``purpose``, reloading it if the file changed."""
        path = self._purpose_dir(purpose) / MANIFEST_NAME
        try:
            st = os.stat(path)
        except FileNotFoundError:
            self._manifests.pop(purpose, None)
            return ()
        except OSError as e:
            raise KeyStoreCorrupt(f"{path}: cannot read the keyset manifest") from e
        cached = self._manifests.get(purpose)
        if cached is not None and cached.signature == _signature(st):
            return cached.keys
        return self._load_manifest(purpose)

    def _load_manifest(self, purpose: str) -> tuple[KeyInfo, ...]:
        """Read the manifest of ``purpose`` from disk and cache it."""
        path = self._purpose_dir(purpose) / MANIFEST_NAME
        try:
            with open(path, "rb") as f:
                # fstat the file we read, so the cached signature matches the cached content.
                st = os.fstat(f.fileno())
                content = f.read()
        except FileNotFoundError:
            self._manifests.pop(purpose, None)
            return ()
        except OSError as e:
            raise KeyStoreCorrupt(f"{path}: cannot read the keyset manifest") from e
        keys = tuple(decode_manifest(purpose, content, str(path)))
        self._manifests[purpose] = _CachedManifest(_signature(st), keys)
        return keys

    @contextlib.contextmanager
    def _write_lock(self, purpose: str) -> Iterator[None]:
        purpose_dir = self._purpose_dir(purpose)
        make_private_dir(purpose_dir)
        with exclusive_lock(purpose_dir / LOCK_NAME):
            yield

    def _add_active_key(self, purpose: str, keys: list[KeyInfo], now: datetime) -> SigningKey:
        """Create a key, then list it as active after ``keys`` (call with the lock held)."""
        self._prove_passphrase(purpose, keys)
        private_key = ec.generate_private_key(ec.SECP256R1())
        key = SigningKey(private_key, purpose)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        purpose_dir = self._purpose_dir(purpose)
        # Key file first: a crash before the manifest write leaves an unused file, never a
        # manifest naming a key that does not exist.
        atomic_write(purpose_dir / f"{key.kid}.pem", pem)
        info = KeyInfo(kid=key.kid, purpose=purpose, state=KeyState.ACTIVE, created_at=now)
        atomic_write(purpose_dir / MANIFEST_NAME, encode_manifest(purpose, [*keys, info]))
        self._manifests.pop(purpose, None)
        self._keys[(purpose, key.kid)] = key
        return key

    def _prove_passphrase(self, purpose: str, keys: list[KeyInfo]) -> None:
        """Refuse to write under a passphrase that cannot open the keys already stored.

        Otherwise a mistyped passphrase would retire a good key for one nobody can decrypt, and the
        service would not start again. Raises KeyDecryptionError.
        """
        if self._passphrase_proven:
            return
        sample = (purpose, keys[-1].kid) if keys else self._any_stored_key()
        if sample is not None:
            self._signing_key(*sample)
        self._passphrase_proven = True

    def _any_stored_key(self) -> tuple[str, str] | None:
        for purpose in self.purposes():
            listed = self._manifest(purpose)
            if listed:
                return purpose, listed[-1].kid
        return None

    # -- private keys -----------------------------------------------------------------------

    def _find_active(self, purpose: str) -> SigningKey | None:
        info = _active_info(self._manifest(purpose))
        return None if info is None else self._signing_key(purpose, info.kid)

    def _signing_key(self, purpose: str, kid: str) -> SigningKey:
        """Return the key ``kid`` of ``purpose``, decrypting it on first use."""
        key = self._keys.get((purpose, kid))
        if key is None:
            key = self._load_key(purpose, kid)
            self._keys[(purpose, kid)] = key
        return key

    def _load_key(self, purpose: str, kid: str) -> SigningKey:
        path = self._purpose_dir(purpose) / f"{kid}.pem"
        try:
            pem = path.read_bytes()
        except FileNotFoundError as e:
            raise KeyStoreCorrupt(f"{path}: key {kid} is in {MANIFEST_NAME} but its file is missing") from e
        except OSError as e:
            raise KeyStoreCorrupt(f"{path}: cannot read key {kid}") from e
        if not pem.startswith(PEM_HEADER):
            raise KeyStoreCorrupt(f"{path}: key {kid} is not an encrypted PKCS#8 PEM file")
        private_key = self._decrypt(pem, path, kid)
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise KeyStoreCorrupt(f"{path}: key {kid} is not a P-256 key")
        key = SigningKey(private_key, purpose)
        if key.kid != kid:
            # The kid is the key's thumbprint: a mismatch means the file was swapped or damaged.
            raise KeyStoreCorrupt(f"{path}: file holds a different key than kid {kid}")
        return key

    def _decrypt(self, pem: bytes, path: Path, kid: str) -> PrivateKeyTypes:
        try:
            return serialization.load_pem_private_key(pem, password=self._passphrase)
        except ValueError as e:
            raise KeyDecryptionError(
                f"{path}: cannot decrypt key {kid}: wrong passphrase or damaged file"
            ) from e
        except (TypeError, UnsupportedAlgorithm) as e:
            raise KeyStoreCorrupt(f"{path}: key {kid} cannot be loaded") from e
