"""The key store interface, and the publication rules every backend shares.

Callers depend on :class:`KeyStore` only, so a PKCS#11 or cloud KMS backend can replace the file
store without touching them. keys/ has no clock: every method whose answer depends on time takes
``now`` (an aware datetime, UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import ec

from keys.model import KeyInfo, KeyState, as_utc
from keys.signing import SigningKey


@runtime_checkable
class KeyStore(Protocol):
    """Signing keys grouped by purpose: one active key per purpose, plus retired keys.

    Every method raises ``InvalidPurpose`` for a malformed purpose name and may raise another
    ``KeyStoreError`` when the backend cannot be read; time-dependent methods raise ``ValueError``
    for a naive ``now``.
    """

    def ensure_active(self, purpose: str, *, now: datetime) -> SigningKey:
        """Return the active key of ``purpose``, creating one if the purpose has none.

        Idempotent, and safe when several processes call it at once: they all get the same key.
        """
        ...

    def active(self, purpose: str) -> SigningKey:
        """Return the active key of ``purpose``.

        Raises:
            NoActiveKey: the purpose has no active key.
        """
        ...

    def rotate(self, purpose: str, *, now: datetime, publish_for: timedelta) -> SigningKey:
        """Create and return a new active key; the previous one (if any) is retired.

        The retired key gets ``retired_at=now`` and ``publish_until=now + publish_for``: set
        ``publish_for`` to the longest lifetime of anything the old key signed.

        Raises:
            ValueError: ``publish_for`` is negative.
        """
        ...

    def revoke(self, purpose: str, kid: str, *, now: datetime) -> SigningKey:
        """Withdraw a compromised key at once: it leaves the JWKS and verifies nothing more.

        If it was the active key, a new active key is made first, so signing never stops. Returns the
        purpose's active key afterwards.

        Raises:
            KeyNotFound: ``kid`` is not a key of ``purpose``.
        """
        ...

    def list_keys(self, purpose: str) -> list[KeyInfo]:
        """Return the metadata of every key of ``purpose``, oldest first ([] if none)."""
        ...

    def published(self, purpose: str, *, now: datetime) -> list[KeyInfo]:
        """Return the keys to publish at ``now``: the active key first, then retired keys whose
        ``publish_until`` is after ``now``, most recently retired first."""
        ...

    def jwks(self, purpose: str, *, now: datetime) -> dict[str, list[dict[str, str]]]:
        """Return ``{"keys": [...]}``: the public JWKs of the published keys, active first."""
        ...

    def verification_keys(self, purpose: str, *, now: datetime) -> dict[str, ec.EllipticCurvePublicKey]:
        """Return kid -> public key for the published keys (to verify tokens signed before a
        rotation)."""
        ...

    def purposes(self) -> list[str]:
        """Return the purposes that have keys, sorted."""
        ...


def select_published(keys: Iterable[KeyInfo], now: datetime) -> list[KeyInfo]:
    """Return the keys published at ``now``: active first, then the most recently retired first.

    Raises:
        ValueError: ``now`` is naive.
    """
    now = as_utc(now)
    live = [info for info in keys if info.is_published(now)]
    active = [info for info in live if info.state == KeyState.ACTIVE]
    retired = [info for info in live if info.state == KeyState.RETIRED]
    # Stable sort on the retirement time keeps creation order among keys retired together.
    retired.sort(key=_retired_at, reverse=True)
    return active + retired


def _retired_at(info: KeyInfo) -> datetime:
    # KeyInfo guarantees retired keys have retired_at; the fallback only satisfies the type.
    return info.retired_at if info.retired_at is not None else info.created_at
