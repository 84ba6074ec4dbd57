"""The keyset manifest (keyset.json): the metadata of every key of one purpose, oldest first."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from keys.errors import KeyStoreCorrupt
from keys.model import KeyInfo, KeyState, as_utc

FORMAT_VERSION = 1

# A kid is a SHA-256 thumbprint: 43 base64url characters. Checking it also guarantees that
# "<kid>.pem" stays inside the purpose directory whatever the manifest says.
_KID = re.compile(r"[A-Za-z0-9_-]{43}")


def encode_manifest(purpose: str, keys: list[KeyInfo]) -> bytes:
    """Return the manifest file content for ``keys`` of ``purpose``."""
    document = {
        "version": FORMAT_VERSION,
        "purpose": purpose,
        "keys": [_encode_key(info) for info in keys],
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _encode_key(info: KeyInfo) -> dict[str, str | None]:
    return {
        "kid": info.kid,
        "state": info.state.value,
        "created_at": info.created_at.isoformat(),
        "retired_at": _encode_time(info.retired_at),
        "publish_until": _encode_time(info.publish_until),
    }


def _encode_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def decode_manifest(purpose: str, content: bytes, source: str) -> list[KeyInfo]:
    """Return the keys listed in manifest ``content`` of ``purpose``, oldest first.

    ``source`` names the file in error messages.

    Raises:
        KeyStoreCorrupt: the content is not a valid manifest for ``purpose``, lists a kid twice
            or has more than one active key.
    """
    try:
        document = json.loads(content.decode("utf-8"))
        keys = _decode_document(purpose, document)
    except (ValueError, TypeError, KeyError) as e:
        # json.JSONDecodeError and UnicodeDecodeError are ValueErrors.
        raise KeyStoreCorrupt(f"{source}: invalid keyset manifest: {e}") from e
    _check_consistent(keys, source)
    return keys


def _decode_document(purpose: str, document: Any) -> list[KeyInfo]:
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError(f"not a version {FORMAT_VERSION} manifest")
    if document.get("purpose") != purpose:
        raise ValueError("manifest belongs to another purpose")
    entries = document["keys"]
    if not isinstance(entries, list):
        raise TypeError("'keys' must be a list")
    return [_decode_key(purpose, entry) for entry in entries]


def _decode_key(purpose: str, entry: Any) -> KeyInfo:
    if not isinstance(entry, dict):
        raise TypeError("each key entry must be an object")
    kid = entry["kid"]
    if not isinstance(kid, str) or _KID.fullmatch(kid) is None:
        raise ValueError("malformed kid")
    return KeyInfo(
        kid=kid,
        purpose=purpose,
        state=KeyState(entry["state"]),
        created_at=_decode_time(entry["created_at"], "created_at"),
        retired_at=_decode_optional_time(entry.get("retired_at"), "retired_at"),
        publish_until=_decode_optional_time(entry.get("publish_until"), "publish_until"),
    )


def _decode_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be an ISO-8601 string")
    return as_utc(datetime.fromisoformat(value), name)


def _decode_optional_time(value: Any, name: str) -> datetime | None:
    return None if value is None else _decode_time(value, name)


def _check_consistent(keys: list[KeyInfo], source: str) -> None:
    kids = [info.kid for info in keys]
    if len(set(kids)) != len(kids):
        raise KeyStoreCorrupt(f"{source}: a kid is listed twice")
    if sum(info.state == KeyState.ACTIVE for info in keys) > 1:
        raise KeyStoreCorrupt(f"{source}: more than one active key")
