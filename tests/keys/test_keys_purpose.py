"""Purpose names: validation and their safe mapping to directories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keys import FileKeyStore, InvalidPurpose, KeyStoreError, validate_purpose
from keys.purpose import dirname_to_purpose, purpose_to_dirname

NOW = datetime(2025, 1, 1, tzinfo=UTC)

INVALID_PURPOSES = [
    "",
    "../etc",
    "Issuer",
    "a/b",
    "issuer:",
    "x" * 70,
    "..",
    ".",
    "-leading-dash",
    "a:b:c",
    ":x",
    "issuer:Transport",
    "under_score",
    "new\nline",
    "trailing\n",
    "a b",
    "issuer__transport",
    "ünicode",
]


@pytest.mark.parametrize("purpose", INVALID_PURPOSES)
def test_invalid_purposes_are_rejected(purpose: str) -> None:
    with pytest.raises(InvalidPurpose):
        validate_purpose(purpose)


@pytest.mark.parametrize(
    "purpose",
    ["service-tokens", "trust-anchor", "issuer:transport", "x", "a" * 63, f"{'a' * 63}:{'b' * 63}"],
)
def test_valid_purposes_are_accepted(purpose: str) -> None:
    assert validate_purpose(purpose) == purpose


def test_invalid_purpose_is_a_key_store_error_and_a_value_error() -> None:
    assert issubclass(InvalidPurpose, KeyStoreError)
    assert issubclass(InvalidPurpose, ValueError)


@pytest.mark.parametrize("purpose", ["service-tokens", "issuer:transport", "a-b:c-d"])
def test_directory_names_map_back_to_their_purpose(purpose: str) -> None:
    dirname = purpose_to_dirname(purpose)
    assert ":" not in dirname
    assert "/" not in dirname
    assert dirname_to_purpose(dirname) == purpose


@pytest.mark.parametrize("dirname", ["..", "Issuer", "a__b__c", "__x", "x__", "issuer:transport"])
def test_foreign_directory_names_are_not_purposes(dirname: str) -> None:
    assert dirname_to_purpose(dirname) is None


@pytest.mark.parametrize("purpose", INVALID_PURPOSES)
def test_store_rejects_invalid_purposes_without_touching_the_disk(tmp_path: Path, purpose: str) -> None:
    directory = tmp_path / "store" / "keys"
    store = FileKeyStore(directory, b"passphrase")
    with pytest.raises(InvalidPurpose):
        store.ensure_active(purpose, now=NOW)
    with pytest.raises(InvalidPurpose):
        store.rotate(purpose, now=NOW, publish_for=timedelta(days=1))
    with pytest.raises(InvalidPurpose):
        store.active(purpose)
    with pytest.raises(InvalidPurpose):
        store.list_keys(purpose)
    with pytest.raises(InvalidPurpose):
        store.jwks(purpose, now=NOW)
    with pytest.raises(InvalidPurpose):
        store.verification_keys(purpose, now=NOW)
    assert list(tmp_path.iterdir()) == []


def test_invalid_purpose_message_is_bounded() -> None:
    with pytest.raises(InvalidPurpose) as caught:
        validate_purpose("y" * 10_000)
    assert len(str(caught.value)) < 200
