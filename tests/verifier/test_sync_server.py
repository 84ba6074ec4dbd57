"""``sync_bundle`` against the service itself, served over real HTTP on 127.0.0.1 by werkzeug in a thread.

The ``app`` fixture binds every database session to the test's transaction; the one server thread and the
test take turns on it (each request is answered before the test goes on). Credentials are issued over the
test client with the issuance fixtures, then checked offline by ``credwallet verify`` from the synced bundle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from werkzeug.serving import make_server

from tests.factories import bearer
from tests.verifier.test_sync import serving
from tests.wallet.issuance import conftest as issuance
from verifier.cli import verify
from verifier.encoding import b64url_encode
from verifier.jws import parse_compact
from verifier.sync import ANCHOR_FILE, BUNDLE_FILE, STATE_FILE, sync_bundle
from wallet.holder.oid4vci import DeviceKey

holder, offer, person_id, transport_agency = (
    issuance.holder,
    issuance.offer,
    issuance.person_id,
    issuance.transport_agency,
)
AUD = "https://venue.example.gov/door-1"


@pytest.fixture
def service(app, rt) -> Iterator[str]:
    """The service's trust bundle URL, served by a real HTTP server; the trust-anchor key in place."""
    rt.keystore.ensure_active("trust-anchor", now=rt.clock.now())
    server = make_server("127.0.0.1", 0, app)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_port}/v1/trust-bundle"


@pytest.fixture
def pinned(client, tmp_path) -> Path:
    """The anchor JWK Set, as an operator would pin it from the service."""
    path = tmp_path / "pinned-anchor.json"
    path.write_bytes(client.get("/v1/trust-anchor/jwks.json").get_data())
    return path


@pytest.fixture
def now(clock) -> int:
    return int(clock.now().timestamp())


def _presentation(credential: str, device: DeviceKey, *, now: int, nonce: str) -> str:
    """The whole credential with a KB-JWT: sd_hash over the ASCII of everything through the last '~'."""
    sd_jwt = credential if credential.endswith("~") else credential + "~"
    sd_hash = b64url_encode(hashlib.sha256(sd_jwt.encode("ascii")).digest())
    payload = {"iat": now, "aud": AUD, "nonce": nonce, "sd_hash": sd_hash}
    return sd_jwt + device.sign_bound(payload, typ="kb+jwt")


def _verify(directory: Path, presentation: str, *, now: int, nonce: str) -> Result:
    args = ["--at", str(now), "--aud", AUD, "--nonce", nonce, "--json", presentation]
    return CliRunner().invoke(verify, args, env={"CREDWALLET_VERIFIER_DIR": str(directory)})


def test_the_first_sync_stores_what_the_service_serves(
    service, pinned, client, rt, now, tmp_path, transport_agency
):
    device = tmp_path / "device"

    result = sync_bundle(service, anchor_path=pinned, store_dir=device, now=now)

    served = client.get("/v1/trust-bundle")
    assert result.outcome == "updated"
    assert result.age == 0
    stored = (device / BUNDLE_FILE).read_text()
    # ECDSA signs afresh each time: the same header and payload, under another signature.
    assert stored.rsplit(".", 1)[0] == served.get_data(as_text=True).rsplit(".", 1)[0]
    assert stored == result.bundle.token + "\n"
    assert (device / ANCHOR_FILE).read_bytes() == pinned.read_bytes()
    assert json.loads((device / STATE_FILE).read_text())["etag"] == served.headers["ETag"]
    issuers = parse_compact(result.bundle.token).payload["issuers"]
    assert [issuer["iss"] for issuer in issuers] == [f"{rt.settings.public_url}/issuers/transport"]


def test_the_second_sync_gets_304_and_keeps_the_files(service, pinned, now, tmp_path, transport_agency):
    device = tmp_path / "device"
    sync_bundle(service, anchor_path=pinned, store_dir=device, now=now)
    before = {path.name: path.read_bytes() for path in device.iterdir()}

    result = sync_bundle(service, anchor_path=pinned, store_dir=device, now=now + 600)

    assert result.outcome == "unchanged"
    assert result.age == 600
    assert {path.name: path.read_bytes() for path in device.iterdir()} == before


def test_verify_checks_an_issued_credential_against_the_synced_bundle(
    service, pinned, client, clock, holder, offer, person_id, transport_agency, now, tmp_path
):
    phone = DeviceKey()
    received = holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    licence = next(r.credentials[0] for r in received if r.configuration_id == "driver_licence")
    device = tmp_path / "device"
    sync_bundle(service, anchor_path=pinned, store_dir=device, now=now)

    checked = _verify(device, _presentation(licence, phone, now=now, nonce="n-1"), now=now, nonce="n-1")

    assert checked.exit_code == 0, checked.output
    result = json.loads(checked.stdout)
    assert (result["verdict"], result["status"], result["holder_bound"]) == ("valid", "valid", True)
    assert result["claims"]["licence_number"] == "12345678"

    # A suspension changes the bundle's contents, so its ETag: the next sync downloads it, and the same
    # credential is now refused offline.
    response = client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "suspended", "reason": "test"},
        headers=bearer(transport_agency),
    )
    assert response.status_code == 200, response.json
    # The service's clock moves with the device's: a device takes another bundle only with a later iat.
    clock.advance(seconds=60)
    assert sync_bundle(service, anchor_path=pinned, store_dir=device, now=now + 60).outcome == "updated"

    later = _verify(
        device, _presentation(licence, phone, now=now + 60, nonce="n-2"), now=now + 60, nonce="n-2"
    )

    assert later.exit_code == 1, later.output
    assert json.loads(later.stdout)["reasons"] == ["suspended"]
