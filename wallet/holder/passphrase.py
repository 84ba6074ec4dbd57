"""The credential store's passphrase, stretched by argon2id into the secret its device keys are kept under.

A PEM's own key derivation (PBES2 with PBKDF2-HMAC-SHA256, 2048 iterations) makes a guess cost microseconds,
so a copied store file would give up a typical passphrase quickly. argon2id is memory-hard: every guess costs
the parameters below in memory and time. The salt and parameters are kept in the store file, so a file still
opens after the defaults here are raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from verifier.encoding import b64url_decode, b64url_encode

KDF_NAME = "argon2id"
# At 8 characters a passphrase is guessed slowly even offline, given argon2id; shorter ones are refused when
# a store is made.
MIN_PASSPHRASE_LENGTH = 8
SALT_BYTES = 16
SECRET_BYTES = 32
# RFC 9106's second recommended option, as the service uses for passwords: about 0.2 s and 64 MiB a guess.
TIME_COST = 3
MEMORY_KIB = 64 * 1024
PARALLELISM = 4
# What a store file may ask for: a damaged or hostile file must not make opening it take hours or all memory.
MAX_TIME_COST = 16
MAX_MEMORY_KIB = 1024 * 1024
MAX_PARALLELISM = 16


def check_new_passphrase(passphrase: bytes) -> None:
    """Raises ValueError when ``passphrase`` is too short to choose for a new store."""
    if len(passphrase.decode("utf-8", "replace")) < MIN_PASSPHRASE_LENGTH:
        raise ValueError(
            f"the credential store's passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters"
        )


@dataclass(frozen=True, slots=True)
class PassphraseKdf:
    """argon2id with one store's salt; ``derive`` gives the secret its device keys are encrypted under."""

    salt: bytes
    time_cost: int = TIME_COST
    memory_kib: int = MEMORY_KIB
    parallelism: int = PARALLELISM

    @classmethod
    def new(cls) -> PassphraseKdf:
        return cls(os.urandom(SALT_BYTES))

    def derive(self, passphrase: bytes) -> bytes:
        return hash_secret_raw(
            passphrase, self.salt, self.time_cost, self.memory_kib, self.parallelism, SECRET_BYTES, Type.ID
        )

    def document(self) -> dict[str, Any]:
        """What the store file records of it."""
        return {
            "name": KDF_NAME,
            "salt": b64url_encode(self.salt),
            "time_cost": self.time_cost,
            "memory_kib": self.memory_kib,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_document(cls, document: Any) -> PassphraseKdf:
        """The KDF a store file records. Raises ValueError when it is not one this client would run."""
        if not isinstance(document, dict) or document.get("name") != KDF_NAME:
            raise ValueError(f"the store's key derivation is not {KDF_NAME}")
        parallelism = _bounded(document, "parallelism", 1, MAX_PARALLELISM)
        return cls(
            salt=_salt(document.get("salt")),
            time_cost=_bounded(document, "time_cost", 1, MAX_TIME_COST),
            memory_kib=_bounded(document, "memory_kib", 8 * parallelism, MAX_MEMORY_KIB),  # argon2's floor
            parallelism=parallelism,
        )


def _bounded(document: dict[str, Any], name: str, low: int, high: int) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"the store's key derivation {name} is not a whole number from {low} to {high}")
    return value


def _salt(value: Any) -> bytes:
    salt = b64url_decode(value) if isinstance(value, str) else b""  # FormatError is a ValueError
    if len(salt) < SALT_BYTES:
        raise ValueError(f"the store's key derivation salt is not {SALT_BYTES} bytes or more of base64url")
    return salt
