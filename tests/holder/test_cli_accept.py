"""``credwallet holder accept`` against the app itself (the Flask test client): where the store goes, and that
no failure costs the holder a credential or the offer's one-time code."""

from __future__ import annotations

import json
import stat
import urllib.parse
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.holder.scripted import FailingCredentialRequest
from tests.wallet.issuance.conftest import FlaskTransport
from wallet.holder import cli
from wallet.holder.oid4vci import HolderClient
from wallet.holder.store import CredentialStore

PASSPHRASE = "cli-accept-passphrase"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
GOOD_OFFER = {
    "credential_issuer": "https://wallet.example.gov/issuers/transport",
    "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "code"}},
    "credential_configuration_ids": ["driver_licence"],
}


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


@pytest.mark.parametrize(
    ("offer_json", "message"),
    [
        ("{", "not JSON"),
        ("[1]", "not a JSON object"),
        ("{}", "credential_issuer"),
        (json.dumps({**GOOD_OFFER, "credential_issuer": 7}), "credential_issuer"),
        (json.dumps({**GOOD_OFFER, "credential_issuer": "ftp://wallet.example.gov"}), "credential_issuer"),
        (json.dumps({**GOOD_OFFER, "grants": []}), "pre-authorized code grant"),
        (json.dumps({**GOOD_OFFER, "grants": {}}), "pre-authorized code grant"),
        (json.dumps({**GOOD_OFFER, "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": 1}}}), "grant"),
        (json.dumps({**GOOD_OFFER, "credential_configuration_ids": []}), "credential_configuration_ids"),
        (json.dumps({**GOOD_OFFER, "credential_configuration_ids": "driver_licence"}), "configuration_ids"),
        (json.dumps({**GOOD_OFFER, "credential_configuration_ids": [1]}), "credential_configuration_ids"),
    ],
    ids=[
        "not-json",
        "a-list",
        "empty-object",
        "issuer-a-number",
        "issuer-not-http",
        "grants-a-list",
        "no-pre-authorized-grant",
        "code-a-number",
        "no-configurations",
        "configurations-a-string",
        "configuration-a-number",
    ],
)
def test_a_malformed_offer_exits_2_with_a_message(tmp_path, offer_json, message):
    uri = f"openid-credential-offer://?credential_offer={urllib.parse.quote(offer_json)}"

    result = _accept({"credential_offer_uri": uri, "tx_code": "123456"}, "--store", str(tmp_path / "s.json"))

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
