"""The holder against an issuer whose successful replies lack what the flow needs: each such reply fails its
step with a message (IssuanceFailed, ``malformed_reply``), never a KeyError or TypeError, so the CLI exits 2
with that message instead of a traceback."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import pytest
from click.testing import CliRunner

from wallet.holder import cli
from wallet.holder.oid4vci import DeviceKey, HolderClient, IssuanceFailed
from wallet.holder.transport import Reply

ISSUER = "https://wallet.example.gov/issuers/transport"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER = {
    "credential_issuer": ISSUER,
    "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "code"}},
    "credential_configuration_ids": ["driver_licence"],
}
OFFER_URI = f"openid-credential-offer://?credential_offer={urllib.parse.quote(json.dumps(OFFER))}"
GOOD = {
    "metadata": {
        "credential_issuer": ISSUER,
        "nonce_endpoint": f"{ISSUER}/nonce",
        "credential_endpoint": f"{ISSUER}/credential",
    },
    "token": {"access_token": "token", "token_type": "Bearer"},
    "nonce": {"c_nonce": "nonce"},
    "credential": {"credentials": [{"credential": "header.payload.signature~"}]},
}


class CannedIssuer:
    """Answers each step of the flow with 200 and its canned body."""

    def __init__(self, **bodies: Any) -> None:
        self.bodies = {**GOOD, **bodies}

    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        step = "metadata" if "/.well-known/" in url else url.rsplit("/", 1)[-1]
        return Reply(200, self.bodies[step])


MALFORMED = {
    "metadata-empty": ("metadata", {}, "has no nonce_endpoint"),
    "metadata-other-issuer": (
        "metadata",
        {**GOOD["metadata"], "credential_issuer": "https://evil.example"},
        "names another issuer",
    ),
    "metadata-endpoint-not-text": (
        "metadata",
        {**GOOD["metadata"], "nonce_endpoint": 7},
        "has no nonce_endpoint",
    ),
    "token-empty": ("token", {}, "has no access_token"),
    "token-not-text": ("token", {"access_token": ["token"]}, "has no access_token"),
    "nonce-empty": ("nonce", {}, "has no c_nonce"),
    "credential-empty": ("credential", {}, "has no credentials"),
    "credential-none-issued": ("credential", {"credentials": []}, "has no credentials"),
    "credential-not-a-list": (
        "credential",
        {"credentials": "header.payload.signature~"},
        "has no credentials",
    ),
    "credential-entry-empty": ("credential", {"credentials": [{}]}, "has no credential"),
    "credential-entry-not-object": ("credential", {"credentials": ["x~"]}, "has no credential"),
}


@pytest.mark.parametrize(("step", "body", "why"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_reply_without_what_its_step_needs_fails_that_step(step, body, why):
    holder = HolderClient(CannedIssuer(**{step: body}))

    with pytest.raises(IssuanceFailed, match=f"^{step} failed: the issuer's reply {why}") as failed:
        holder.accept_offer(OFFER_URI, "123456", [DeviceKey()])

    assert failed.value.error == "malformed_reply"


def test_the_well_formed_canned_flow_goes_through():
    [received] = HolderClient(CannedIssuer()).accept_offer(OFFER_URI, "123456", [DeviceKey()])

    assert received.credentials == ["header.payload.signature~"]


@pytest.mark.parametrize("step", ["metadata", "token", "nonce", "credential"])
def test_the_cli_exits_2_with_the_message_not_a_traceback(step, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "UrllibTransport", lambda: CannedIssuer(**{step: {}}))

    result = CliRunner().invoke(
        cli.holder,
        ["accept", OFFER_URI, "--tx-code", "123456", "--store", str(tmp_path / "store.json")],
        env={cli.PASSPHRASE_VARIABLE: "replies-passphrase"},
    )

    assert result.exit_code == 2, result.output
    assert f"{step} failed: the issuer's reply has no" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
