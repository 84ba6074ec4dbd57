"""``credwallet holder present`` through click's test runner: images, text, claims; failures exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.holder.credentials import NOW, mint_credential, scan_png, verifier_for
from verifier.qrcodec import decode_transport
from wallet.holder.cli import PASSPHRASE_VARIABLE, holder
from wallet.holder.store import CredentialStore

PASSPHRASE = "cli-test-passphrase"


@pytest.fixture
def store_file(tmp_path: Path, issuer_key) -> Path:
    store = CredentialStore(PASSPHRASE.encode())
    device = store.new_device_key()
    store.add("driver_licence", mint_credential("driver_licence", device, issuer_key))
    store.add("proof_of_age", mint_credential("proof_of_age", device, issuer_key))
    path = tmp_path / "store.json"
    store.save(path)
    return path


def _present(store_file: Path, *args: str, passphrase: str = PASSPHRASE) -> Result:
    return CliRunner().invoke(
        holder,
        ["present", "--store", str(store_file), "--at", str(NOW), *args],
        env={PASSPHRASE_VARIABLE: passphrase},
    )


def test_venue_to_png_writes_a_compact_code_and_reports_version_and_size(store_file, tmp_path, issuer_key):
    out = tmp_path / "qr.png"

    result = _present(store_file, "--profile", "venue", "--out", str(out))

    assert result.exit_code == 0, result.output
    text = scan_png(out.read_bytes())
    assert text.startswith("CW1:")
    assert f", {len(text)} bytes (compact CW1)" in result.stderr
    assert "at level M" in result.stderr
    verdict = verifier_for(issuer_key).verify(text, now=NOW, audience="offline")
    assert verdict.valid, verdict.reasons
    assert verdict.claims == {"age_over_18": True}


def test_police_to_svg_at_level_l(store_file, tmp_path):
    out = tmp_path / "qr.svg"

    result = _present(store_file, "--profile", "police", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml")
    assert "at level L" in result.stderr


def test_without_out_the_text_goes_to_stdout(store_file, issuer_key):
    result = _present(store_file, "--profile", "venue", "--age", "21")

    assert result.exit_code == 0, result.output
    verdict = verifier_for(issuer_key).verify(result.stdout.strip(), now=NOW)
    assert verdict.claims == {"age_over_21": True}


def test_claims_replace_the_profiles_choice(store_file, issuer_key):
    result = _present(store_file, "--profile", "police", "--claims", "given_name, address.locality")

    assert result.exit_code == 0, result.output
    assert "Showing given_name, address.locality, address." in result.stderr
    verdict = verifier_for(issuer_key).verify(result.stdout.strip(), now=NOW)
    assert verdict.claims == {"given_name": "Alex", "address": {"locality": "Parramatta"}}


def test_plain_prints_the_sd_jwt_itself(store_file):
    result = _present(store_file, "--profile", "venue", "--plain")

    assert result.exit_code == 0, result.output
    text = result.stdout.strip()
    assert text.startswith("eyJ")
    assert decode_transport(text) == text
    assert "(plain SD-JWT)" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "venue", "--claims", "nickname"], "no claim 'nickname'"),
        (["--profile", "police", "--plain"], "do not fit in a QR code"),
    ],
    ids=["unknown-claim", "plain-police-too-large"],
)
def test_what_cannot_be_presented_exits_2(store_file, args, message):
    result = _present(store_file, *args)

    assert result.exit_code == 2
    assert message in result.output


def test_an_expired_store_exits_2(store_file):
    result = CliRunner().invoke(
        holder,
        ["present", "--store", str(store_file), "--at", str(NOW + 90 * 86400), "--profile", "venue"],
        env={PASSPHRASE_VARIABLE: PASSPHRASE},
    )

    assert result.exit_code == 2
    assert "no unexpired proof_of_age" in result.output


def test_a_wrong_passphrase_exits_2(store_file):
    result = _present(store_file, "--profile", "venue", passphrase="wrong")

    assert result.exit_code == 2
    assert "wrong passphrase" in result.output


def test_an_out_file_that_is_not_png_or_svg_is_a_usage_error(store_file, tmp_path):
    result = _present(store_file, "--profile", "venue", "--out", str(tmp_path / "qr.gif"))

    assert result.exit_code == 2
    assert ".png or .svg" in result.output


def test_an_unwritable_out_file_exits_2(store_file, tmp_path):
    result = _present(store_file, "--profile", "venue", "--out", str(tmp_path / "no-dir" / "qr.png"))

    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_the_passphrase_is_asked_for_when_not_in_the_environment(store_file):
    result = CliRunner().invoke(
        holder,
        ["present", "--store", str(store_file), "--at", str(NOW), "--profile", "venue"],
        input=PASSPHRASE + "\n",
        env={PASSPHRASE_VARIABLE: ""},
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("CW1:")
