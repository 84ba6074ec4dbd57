"""``credwallet verify`` through click's test runner: exit codes, output shapes, inputs and trust sources."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.verifier.helpers import AUD, NONCE, NOW, World
from verifier.cli import verify

KEYS = [
    "verdict",
    "reasons",
    "issuer",
    "iss",
    "vct",
    "claims",
    "status",
    "status_age_s",
    "holder_bound",
    "checked_at",
]


@pytest.fixture
def files(world: World, tmp_path: Path) -> dict[str, Path]:
    paths = {
        "trust": tmp_path / "trust.json",
        "bundle": tmp_path / "bundle.jwt",
        "anchor": tmp_path / "anchor.json",
        "wrong_anchor": tmp_path / "wrong-anchor.json",
        "device": tmp_path / "device",
    }
    paths["trust"].write_text(json.dumps(world.trust_data()))
    paths["bundle"].write_text(world.bundle() + "\n")
    paths["anchor"].write_text(json.dumps(world.anchors()))
    paths["wrong_anchor"].write_text(json.dumps({"keys": [world.attacker.jwk]}))
    return paths


def _run(files: dict[str, Path], *args: str, input: str | None = None, trust: bool = True) -> Result:
    base = ["--trust", str(files["trust"])] if trust else []
    env = {"CREDWALLET_VERIFIER_DIR": str(files["device"])}
    return CliRunner().invoke(verify, [*base, "--at", str(NOW), *args], input=input, env=env)


def _json(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)


def test_valid_presentation_exits_0_with_a_summary(world, files):
    result = _run(files, "--aud", AUD, "--nonce", NONCE, world.present())

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "#   #   ###   #      ###  ####"
    assert "NOT" not in result.stdout
    assert "Why not valid" not in result.stdout
    assert "Licences Office" in result.stdout
    assert "given_name: Ada" in result.stdout
    assert "portrait" not in result.stdout
    assert "data:image" not in result.stdout
    assert "status data 10 min old" in result.stdout


def test_invalid_presentation_exits_1_with_reasons_in_words(world, files):
    expired = world.present(world.issue(world.payload(exp=NOW - 3600)))

    result = _run(files, expired)

    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("#   #   ###   #####")
    assert "the credential has expired" in result.stdout
    assert "given_name" not in result.stdout


def test_json_output_has_exactly_the_documented_shape(world, files):
    result = _run(files, "--json", world.present())

    assert result.exit_code == 0
    body = _json(result)
    assert list(body) == KEYS
    assert (body["verdict"], body["reasons"], body["checked_at"], body["holder_bound"]) == (
        "valid",
        [],
        NOW,
        True,
    )


def test_input_from_a_file(world, files, tmp_path):
    (tmp_path / "p.txt").write_text(world.present() + "\n")

    assert _run(files, "--json", f"@{tmp_path / 'p.txt'}").exit_code == 0


def test_input_from_stdin(world, files):
    result = _run(files, "--json", "-", input=world.present() + "\n")

    assert result.exit_code == 0, result.output


def test_an_unreadable_input_file_exits_2(files, tmp_path):
    result = _run(files, f"@{tmp_path / 'missing.txt'}")

    assert result.exit_code == 2
    assert "cannot read input" in result.output


def test_at_sets_the_time_of_the_check(world, files):
    presentation = world.present(world.issue(world.payload(exp=NOW + 30)))

    assert _run(files, presentation).exit_code == 0
    late = CliRunner().invoke(
        verify,
        [
            "--trust",
            str(files["trust"]),
            "--at",
            str(NOW + 40),
            "--max-kb-age",
            "120",
            "--json",
            presentation,
        ],
        env={"CREDWALLET_VERIFIER_DIR": str(files["device"] / "other")},
    )
    assert (late.exit_code, _json(late)["reasons"]) == (1, ["expired"])


def test_aud_and_nonce_are_compared(world, files):
    presentation = world.present()

    result = _run(files, "--json", "--aud", AUD, "--nonce", "something-else", presentation)

    assert (result.exit_code, _json(result)["reasons"]) == (1, ["kb_wrong_nonce"])
    assert _json(_run(files, "--json", "--aud", "https://x", presentation))["reasons"] == ["kb_wrong_aud"]


def test_no_kb_accepts_a_presentation_without_holder_proof(world, files):
    presentation = world.present(kb=False)

    assert _json(_run(files, "--json", presentation))["reasons"] == ["kb_required"]
    result = _run(files, "--json", "--no-kb", presentation)
    assert (result.exit_code, _json(result)["holder_bound"]) == (0, False)


def test_max_kb_age(world, files):
    presentation = world.present(iat=NOW - 100)

    assert _json(_run(files, "--json", presentation))["reasons"] == ["kb_stale"]
    assert _run(files, "--max-kb-age", "300", presentation).exit_code == 0


def test_replay_across_separate_runs_on_one_device(world, files):
    presentation = world.present()

    assert _run(files, "--json", presentation).exit_code == 0
    again = _run(files, "--json", presentation)

    assert (again.exit_code, _json(again)["reasons"]) == (1, ["replayed"])
    assert (files["device"] / "replay.sqlite3").exists()


def test_a_more_lenient_max_kb_age_does_not_reopen_the_replay_window(world, files):
    """A run with a longer --max-kb-age, sharing the cache file, must still see the earlier run's entry."""
    presentation = world.present()
    assert _run(files, "--json", presentation).exit_code == 0
    assert _json(_run(files, "--json", "--at", str(NOW + 5), presentation))["reasons"] == ["replayed"]

    lenient = _run(files, "--json", "--at", str(NOW + 70), "--max-kb-age", "300", presentation)

    assert (lenient.exit_code, _json(lenient)["reasons"]) == (1, ["replayed"])


def test_a_check_dated_in_the_future_does_not_empty_the_replay_cache(world, files, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: float(NOW + 10))  # the device's real clock
    presentation = world.present()
    assert _run(files, "--json", presentation).exit_code == 0
    assert _run(files, "--json", "--at", str(NOW + 3000), world.present(iat=NOW + 3000)).exit_code == 0

    again = _run(files, "--json", "--at", str(NOW + 10), presentation)

    assert (again.exit_code, _json(again)["reasons"]) == (1, ["replayed"])


@pytest.mark.parametrize("seconds", ["3601", "10000000000000000000"])
def test_max_kb_age_above_the_ceiling_is_a_usage_error(world, files, seconds):
    result = _run(files, "--max-kb-age", seconds, world.present())

    assert result.exit_code == 2
    assert "--max-kb-age" in result.output
    assert _run(files, "--max-kb-age", "3600", world.present()).exit_code == 0


def test_batch_prints_one_json_line_per_presentation(world, files, tmp_path):
    lines = [world.present(), "", world.present(world.issue(world.payload(exp=NOW - 10))), world.present()]
    (tmp_path / "batch.txt").write_text("\n".join(lines) + "\n")

    result = _run(files, "--batch", str(tmp_path / "batch.txt"))

    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["verdict"] for o in outputs] == ["valid", "invalid", "valid"]
    assert all(list(o) == KEYS for o in outputs)
    assert result.exit_code == 1


def test_batch_of_valid_presentations_exits_0(world, files):
    result = _run(files, "--batch", "-", input=f"{world.present()}\n{world.present()}\n")

    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"issuers": "x"}', '{"issuers": [], "extra": 1}', "", '{"issuers": [], "issuers": []}'],
)
def test_a_bad_trust_file_exits_2(world, files, content):
    files["trust"].write_text(content)

    result = _run(files, world.present())

    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_missing_trust_file_exits_2(world, files, tmp_path):
    result = CliRunner().invoke(verify, ["--trust", str(tmp_path / "nope.json"), world.present()])

    assert result.exit_code == 2
    assert "cannot read trust file" in result.output


def test_a_signed_bundle_with_its_anchor(world, files):
    result = _run(
        files, "--trust", str(files["bundle"]), "--anchor", str(files["anchor"]), world.present(), trust=False
    )

    assert result.exit_code == 0, result.output


def test_a_bundle_with_the_wrong_anchor_exits_2(world, files):
    result = _run(
        files,
        "--trust",
        str(files["bundle"]),
        "--anchor",
        str(files["wrong_anchor"]),
        world.present(),
        trust=False,
    )

    assert result.exit_code == 2
    assert "unknown_key" in result.output


def test_a_bundle_without_an_anchor_exits_2(world, files):
    result = _run(files, "--trust", str(files["bundle"]), world.present(), trust=False)

    assert result.exit_code == 2
    assert "--anchor" in result.output


def test_a_bad_anchor_file_exits_2(world, files):
    files["anchor"].write_text('{"keys": [{"kty": "RSA"}]}')

    result = _run(
        files, "--trust", str(files["bundle"]), "--anchor", str(files["anchor"]), world.present(), trust=False
    )

    assert result.exit_code == 2
    assert "bad anchor" in result.output


def test_an_expired_bundle_exits_2(world, files):
    files["bundle"].write_text(world.bundle(exp=NOW - 3600))

    result = _run(
        files, "--trust", str(files["bundle"]), "--anchor", str(files["anchor"]), world.present(), trust=False
    )

    assert result.exit_code == 2


def test_without_trust_the_synced_bundle_is_used(world, files):
    files["device"].mkdir()
    (files["device"] / "trust-bundle.jwt").write_text(world.bundle())
    (files["device"] / "anchor.json").write_text(json.dumps(world.anchors()))

    assert _run(files, world.present(), trust=False).exit_code == 0


def test_without_trust_and_nothing_synced_exits_2(world, files):
    result = _run(files, world.present(), trust=False)

    assert result.exit_code == 2
    assert "credwallet trust sync" in result.output


def test_several_trust_files_combine(world, files, tmp_path):
    data = world.trust_data()
    (tmp_path / "a.json").write_text(
        json.dumps({"issuers": data["issuers"][:1], "status_lists": data["status_lists"]})
    )
    (tmp_path / "b.json").write_text(json.dumps({"issuers": data["issuers"][1:]}))

    result = _run(
        files,
        "--trust",
        str(tmp_path / "a.json"),
        "--trust",
        str(tmp_path / "b.json"),
        world.present(),
        trust=False,
    )

    assert result.exit_code == 0, result.output


def test_usage_errors_exit_2(files):
    assert _run(files).exit_code == 2
    assert _run(files, "--at", "soon", "x").exit_code == 2
    assert _run(files, "--max-kb-age", "0", "x").exit_code == 2
