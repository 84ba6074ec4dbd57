"""From issuance over HTTP to an offline check of a QR code image, and a revocation seen by the next check.

The holder receives a licence and its proof-of-age companion through OpenID4VCI (the app, over the Flask test
client), shows each as a compact QR PNG (venue and police), the PNG is read back with verifier/image.py, and
a verifier whose trust comes only from GET /v1/trust-bundle and the pinned anchor keys checks it. The agency
then revokes the licence; after a new bundle, the next codes are refused as revoked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.factories import bearer
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import FlaskTransport
from verifier.cli import verify
from verifier.image import decode_qr_image
from verifier.replay import MemoryReplayCache
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.holder import cli as holder_cli
from wallet.holder.oid4vci import HolderClient
from wallet.holder.present import POLICE, present, venue
from wallet.holder.qr import presentation_qr
from wallet.holder.store import CredentialStore

AGES = {"age_over_16": True, "age_over_18": True, "age_over_21": True, "age_over_65": False}
PASSPHRASE = "e2e-store-passphrase"


@pytest.fixture
def anchor(rt):
    return rt.keystore.ensure_active("trust-anchor", now=rt.clock.now())


@pytest.fixture
def now(clock) -> int:
    return int(clock.now().timestamp())


@pytest.fixture
def store(holder, offer) -> CredentialStore:
    wallet = CredentialStore(PASSPHRASE.encode())
    wallet.accept_offer(holder, offer["credential_offer_uri"], offer["tx_code"])
    return wallet


def _trust(client, anchor, now: int) -> TrustStore:
    bundle = client.get("/v1/trust-bundle").get_data(as_text=True)
    anchors = client.get("/v1/trust-anchor/jwks.json").json
    return TrustStore.from_signed_bundle(bundle, anchors=anchors, now=now)


def _qr_png(store: CredentialStore, profile, now: int, tmp_path: Path) -> tuple[Path, str]:
    credential, device = store.pick(profile.credential_type, now=now)
    code = presentation_qr(present(credential, device, profile, now=now).text, level=profile.level)
    path = tmp_path / f"{profile.name}.png"
    path.write_bytes(code.image("png"))
    assert code.compact
    return path, code.text


def _check(client, anchor, now: int, text: str):
    verifier = Verifier(trust=_trust(client, anchor, now), replay_cache=MemoryReplayCache())
    return verifier.verify(text, now=now, audience="offline")


def _revoke_licence(client, transport_agency: str, person_id: str, store: CredentialStore) -> None:
    [licence] = store.credentials("driver_licence")
    records = client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(transport_agency)).json
    [record] = [
        r
        for r in records
        if (r["credential_type"], r["holder_key"]) == ("driver_licence", licence.holder_key)
    ]
    response = client.post(
        f"/v1/agency/credentials/{record['id']}/status",
        json={"status": "revoked", "reason": "licence cancelled"},
        headers=bearer(transport_agency),
    )
    assert response.status_code == 200, response.json


def _police_claims() -> dict[str, Any]:
    return {**LICENCE, **AGES}


@pytest.mark.parametrize(
    ("profile", "expected"), [(venue(), {"age_over_18": True}), (POLICE, None)], ids=["venue", "police"]
)
def test_a_qr_png_verifies_offline_with_exactly_the_disclosed_claims(
    client, anchor, store, now, tmp_path, profile, expected
):
    path, text = _qr_png(store, profile, now, tmp_path)

    scanned = decode_qr_image(path)
    result = _check(client, anchor, now, scanned)

    assert scanned == text
    assert result.valid, result.reasons
    assert result.claims == (expected or _police_claims())
    assert (result.status, result.holder_bound) == ("valid", True)


def test_after_revocation_the_next_codes_are_refused_as_revoked(
    client, anchor, store, now, tmp_path, transport_agency, person_id
):
    _revoke_licence(client, transport_agency, person_id, store)

    for profile in (POLICE, venue()):  # the proof-of-age companion shares the licence's fate
        path, _ = _qr_png(store, profile, now, tmp_path)
        result = _check(client, anchor, now, decode_qr_image(path))

        assert [str(r) for r in result.reasons] == ["revoked"]
        assert result.status == "revoked"


def _cli_verify(client, anchor, now: int, tmp_path: Path, image: Path) -> tuple[int, dict[str, Any]]:
    bundle, anchors = tmp_path / "bundle.jwt", tmp_path / "anchor.json"
    bundle.write_text(client.get("/v1/trust-bundle").get_data(as_text=True))
    anchors.write_text(json.dumps(client.get("/v1/trust-anchor/jwks.json").json))
    args = ["--json", "--trust", str(bundle), "--anchor", str(anchors), "--at", str(now), str(image)]
    result = CliRunner().invoke(verify, args, env={"CREDWALLET_VERIFIER_DIR": str(tmp_path / "device")})
    return result.exit_code, json.loads(result.stdout)


def test_credwallet_verify_reads_the_png_before_and_after_revocation(
    client, anchor, store, now, tmp_path, transport_agency, person_id
):
    before, _ = _qr_png(store, venue(), now, tmp_path)
    status, verdict = _cli_verify(client, anchor, now, tmp_path, before)
    assert (status, verdict["verdict"], verdict["claims"]) == (0, "valid", {"age_over_18": True})

    _revoke_licence(client, transport_agency, person_id, store)
    after, _ = _qr_png(store, venue(), now, tmp_path)
    status, verdict = _cli_verify(client, anchor, now, tmp_path, after)

    assert (status, verdict["verdict"], verdict["reasons"]) == (1, "invalid", ["revoked"])


def test_the_holder_commands_receive_and_present_a_code_that_verifies(
    client, anchor, offer, now, tmp_path, monkeypatch
):
    """``credwallet holder accept`` then ``present --out``, the app talking to the test client."""
    # The app's HTTP goes to the test client, and its clock is the server's frozen one.
    app = HolderClient(FlaskTransport(client), clock=lambda: now)
    monkeypatch.setattr(holder_cli, "HolderClient", lambda _transport: app)
    store_file, png = tmp_path / "store.json", tmp_path / "police.png"
    env = {holder_cli.PASSPHRASE_VARIABLE: PASSPHRASE}
    runner = CliRunner()

    accepted = runner.invoke(
        holder_cli.holder,
        ["accept", offer["credential_offer_uri"], "--tx-code", offer["tx_code"], "--store", str(store_file)],
        env=env,
    )
    shown = runner.invoke(
        holder_cli.holder,
        ["present", "--profile", "police", "--store", str(store_file), "--at", str(now), "--out", str(png)],
        env=env,
    )

    assert accepted.exit_code == 0, accepted.output
    assert "Received driver_licence" in accepted.output
    assert shown.exit_code == 0, shown.output
    assert "at level L" in shown.stderr
    result = _check(client, anchor, now, decode_qr_image(png))
    assert result.valid, result.reasons
    assert result.claims == _police_claims()
