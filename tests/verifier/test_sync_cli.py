"""``credwallet trust sync`` through click's runner, and ``credwallet verify`` using what it stored."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from issuers.tokens import TrustContents, TrustedIssuer
from keys import SigningKey
from tests.verifier import test_sync as base
from tests.verifier.helpers import AUD, NONCE, NOW, World
from tests.verifier.test_sync import closed_port_url, contents, mint, sync
from verifier.cli import verify
from verifier.sync import BUNDLE_FILE, StoredBundle
from verifier.sync_cli import _describe
from verifier.sync_cli import sync as sync_command

stub, anchor_key, anchor, device = base.stub, base.anchor_key, base.anchor, base.device


def _sync(device: Path, *args: str) -> Result:
    return CliRunner().invoke(sync_command, list(args), env={"CREDWALLET_VERIFIER_DIR": str(device)})


def _verify(device: Path, *args: str) -> Result:
    env = {"CREDWALLET_VERIFIER_DIR": str(device)}
    return CliRunner().invoke(verify, ["--at", str(NOW), "--aud", AUD, "--nonce", NONCE, *args], env=env)


def _current(
    world: World, key: SigningKey, *, hours_ago: int = 0, trusted: TrustContents | None = None
) -> str:
    """A bundle issued by the wall clock, which is what the command checks against."""
    return mint(world, key, iat=int(time.time()) - 3600 * hours_ago - 5, trusted=trusted)


def test_a_first_sync_reports_updated_and_exits_0(world, stub, anchor, anchor_key, device):
    stub.serve(_current(world, anchor_key), etag='"v1"')

    result = _sync(device, stub.url, "--anchor", str(anchor))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("updated: stored the new trust bundle, issued ")
    assert " old), valid until " in result.stdout
    assert (device / BUNDLE_FILE).is_file()


def test_a_second_sync_reports_unchanged_with_the_age(world, stub, anchor, anchor_key, device):
    stub.serve(_current(world, anchor_key, hours_ago=3), etag='"v1"')
    _sync(device, stub.url, "--anchor", str(anchor))

    result = _sync(device, stub.url, "--anchor", str(anchor))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("unchanged: the server has nothing newer; the stored bundle was issued ")
    assert " (3 h old), valid until " in result.stdout
    assert stub.sent_etags == [None, '"v1"']


def test_a_refused_bundle_exits_2_and_says_what_is_kept(world, stub, anchor, anchor_key, device):
    stub.serve(_current(world, anchor_key), etag='"v1"')
    _sync(device, stub.url, "--anchor", str(anchor))
    before = (device / BUNDLE_FILE).read_bytes()
    stub.serve(_current(world, SigningKey.generate("trust-anchor")), etag='"v2"')

    result = _sync(device, stub.url, "--anchor", str(anchor))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("refused: the trust bundle is not acceptable (unknown_key)")
    assert "kept the stored bundle, issued " in result.stderr
    assert (device / BUNDLE_FILE).read_bytes() == before


def test_an_unreachable_server_exits_2(anchor, device):
    result = _sync(device, closed_port_url(), "--anchor", str(anchor))

    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot download http://127.0.0.1:")
    assert "no trust bundle is stored yet" in result.stderr


@pytest.mark.parametrize("content", ["", '{"keys": "none"}'], ids=["empty", "not-a-jwk-set"])
def test_a_bad_anchor_exits_2(stub, device, tmp_path, content):
    bad = tmp_path / "anchor.json"
    bad.write_text(content)

    result = _sync(device, stub.url, "--anchor", str(bad))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: bad anchor {bad}")
    assert stub.sent_etags == []


@pytest.mark.parametrize(
    "args", [[], ["--anchor", "anchor.json"], ["https://wallet.example.gov/v1/trust-bundle"]]
)
def test_usage_errors_exit_2(device, args):
    assert _sync(device, *args).exit_code == 2


def test_a_status_list_the_bundle_cannot_vouch_for_is_warned_about(world, stub, anchor, anchor_key, device):
    issuers = contents(world).issuers
    forged = {uri: world.status_token(signer=world.attacker) for uri in contents(world).status_lists}
    stub.serve(_current(world, anchor_key, trusted=TrustContents(issuers, forged)), etag='"v1"')

    result = _sync(device, stub.url, "--anchor", str(anchor))

    assert result.exit_code == 0, result.output
    assert "warning: status list https://licences.example.gov/status/1 is unusable" in result.stdout


def test_verify_without_trust_uses_the_synced_bundle(world, stub, anchor, anchor_key, device):
    presentation = world.present()
    assert _verify(device, presentation).exit_code == 2  # nothing synced yet
    stub.serve(mint(world, anchor_key), etag='"v1"')

    sync(stub, anchor, device)
    result = _verify(device, "--json", presentation)

    assert result.exit_code == 0, result.output
    assert '"verdict":"valid"' in result.stdout
    assert '"issuer":"Licences Office"' in result.stdout


def test_verify_follows_the_bundle_a_later_sync_stored(world, stub, anchor, anchor_key, device):
    stub.serve(mint(world, anchor_key), etag='"v1"')
    sync(stub, anchor, device)
    assert _verify(device, world.present()).exit_code == 0
    trusted = contents(world)
    no_types = TrustedIssuer(trusted.issuers[0].iss, "Licences Office", trusted.issuers[0].jwks, vcts=[])
    stub.serve(mint(world, anchor_key, iat=NOW, trusted=TrustContents([no_types], trusted.status_lists)))

    sync(stub, anchor, device)
    result = _verify(device, "--json", world.present())

    assert result.exit_code == 1
    assert "vct_not_allowed" in result.stdout


@pytest.mark.parametrize(("at", "said"), [(-1, "valid until"), (0, "expired"), (1, "expired")])
def test_the_stored_bundle_is_described_as_expired_from_its_exp_on(at, said):
    # A bundle is refused from exp itself (RFC 7519 section 4.1.4); the summary says the same.
    bundle = StoredBundle("token", iat=NOW - 3600, exp=NOW)

    assert f"{said} " in _describe(bundle, NOW + at)
