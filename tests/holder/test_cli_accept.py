"""``credwallet holder accept`` against the app itself (the Flask test client): where the store goes, and that
no failure costs the holder a credential or the offer's one-time code."""

from __future__ import annotations

import stat
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.holder.scripted import FailingCredentialRequest
from tests.wallet.issuance.conftest import FlaskTransport
from wallet.holder import cli
from wallet.holder.oid4vci import HolderClient
from wallet.holder.store import CredentialStore

PASSPHRASE = "cli-accept-passphrase"


@pytest.fixture(autouse=True)
def over_the_test_client(monkeypatch, client, clock) -> None:
    """The CLI's HTTP goes to the app's test client, at the test clock's time."""
    monkeypatch.setattr(cli, "UrllibTransport", lambda: FlaskTransport(client))
    monkeypatch.setattr(
        cli, "HolderClient", lambda transport: HolderClient(transport, clock=lambda: clock.now().timestamp())
    )


def _accept(offer: dict[str, Any], *args: str) -> Result:
    return CliRunner().invoke(
        cli.holder,
        ["accept", offer["credential_offer_uri"], "--tx-code", offer["tx_code"], *args],
        env={cli.PASSPHRASE_VARIABLE: PASSPHRASE},
    )


def test_accept_creates_the_default_store_directory_on_first_use(offer, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))

    result = _accept(offer)

    assert result.exit_code == 0, result.output
    assert "Received driver_licence" in result.output
    directory = home / ".credwallet-holder"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    store = CredentialStore.load(directory / "store.json", PASSPHRASE.encode())
    assert sorted(c.credential_type for c in store.credentials()) == ["driver_licence", "proof_of_age"]


def test_accept_into_an_unwritable_store_fails_before_the_offer_is_redeemed(offer, tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")

    refused = _accept(offer, "--store", str(not_a_directory / "store.json"))
    retried = _accept(offer, "--store", str(tmp_path / "store.json"))

    assert refused.exit_code == 2
    assert "cannot write the credential store" in refused.output
    assert retried.exit_code == 0, retried.output  # the one-time code was not spent by the failed run


def test_accept_saves_what_arrived_before_a_later_request_failed(offer, tmp_path, monkeypatch, client):
    failing = FailingCredentialRequest(FlaskTransport(client), nth=2)  # the offer's second configuration
    monkeypatch.setattr(cli, "UrllibTransport", lambda: failing)
    path = tmp_path / "store.json"

    result = _accept(offer, "--store", str(path))

    assert result.exit_code == 2
    assert "credential failed: 503" in result.output
    kept = CredentialStore.load(path, PASSPHRASE.encode()).credentials()
    assert [c.credential_type for c in kept] == ["driver_licence"]
