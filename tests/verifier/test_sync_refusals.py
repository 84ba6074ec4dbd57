"""A sync never puts a bad bundle in place of a good one: a refusal keeps the stored files byte for byte."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

import verifier.sync
from issuers.tokens import TrustContents, TrustedIssuer
from keys import SigningKey
from tests.verifier import test_sync as base
from tests.verifier.helpers import NOW, STATUS_URI
from tests.verifier.test_sync import DAY, Stub, closed_port_url, contents, mint, stored_files, sync
from verifier.sync import ANCHOR_FILE, BUNDLE_FILE, MAX_BUNDLE_BYTES, Fetched, SyncError, sync_bundle

# The stub server and the device of the sync tests.
stub, anchor_key, anchor, device = base.stub, base.anchor_key, base.anchor, base.device


@pytest.fixture
def synced(world, stub, anchor, anchor_key, device) -> dict[str, bytes]:
    """A device that holds a good bundle (issued NOW - 60); the files as they are."""
    stub.serve(mint(world, anchor_key), etag='"v1"')
    sync(stub, anchor, device)
    return stored_files(device)


def _refused(stub: Stub, anchor: Path, device: Path, synced: dict[str, bytes], *, kind: str, now: int = NOW):
    with pytest.raises(SyncError) as caught:
        sync(stub, anchor, device, now=now)
    assert caught.value.kind == kind, str(caught.value)
    assert caught.value.kept is not None
    assert caught.value.kept.iat == NOW - 60
    assert stored_files(device) == synced  # byte for byte
    return caught.value


def test_a_bundle_signed_by_another_key_is_refused(world, stub, anchor, device, synced):
    stub.serve(mint(world, SigningKey.generate("trust-anchor"), iat=NOW), etag='"evil"')

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "unknown_key" in str(error)


def test_a_bundle_with_the_anchors_kid_but_another_key_is_refused(
    world, stub, anchor, anchor_key, device, synced
):
    impostor = mint(world, SigningKey.generate("trust-anchor"), iat=NOW)
    _, payload, signature = impostor.split(".")
    genuine_header = mint(world, anchor_key, iat=NOW).split(".")[0]
    stub.serve(f"{genuine_header}.{payload}.{signature}", etag='"evil"')

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "bad_signature" in str(error)


def test_an_older_bundle_is_refused(world, stub, anchor, anchor_key, device, synced):
    stub.serve(mint(world, anchor_key, iat=NOW - 3600), etag='"old"')

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "before the stored one" in str(error)


def _with_status(world, *, revoked: bool, iat: int) -> TrustContents:
    token = world.status_token({0: 1} if revoked else {}, iat=iat)
    return TrustContents(contents(world).issuers, {STATUS_URI: token})


def _synced_with_a_revocation(world, stub, anchor, anchor_key, device) -> dict[str, bytes]:
    """A device whose bundle (issued NOW - 60) carries a list, issued NOW - 100, that revokes index 0."""
    stub.serve(mint(world, anchor_key, trusted=_with_status(world, revoked=True, iat=NOW - 100)))
    sync(stub, anchor, device)
    return stored_files(device)


def test_another_bundle_with_the_same_iat_is_refused(world, stub, anchor, anchor_key, device):
    synced = _synced_with_a_revocation(world, stub, anchor, anchor_key, device)
    stub.serve(mint(world, anchor_key, trusted=_with_status(world, revoked=False, iat=NOW - 200)))

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "not newer" in str(error)


def test_a_newer_bundle_with_an_older_status_list_is_refused(world, stub, anchor, anchor_key, device):
    synced = _synced_with_a_revocation(world, stub, anchor, anchor_key, device)
    older_list = _with_status(world, revoked=False, iat=NOW - 200)
    stub.serve(mint(world, anchor_key, iat=NOW - 30, trusted=older_list))

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert f"older status list for {STATUS_URI}" in str(error)


def test_the_same_content_signed_again_in_the_same_second_is_taken(world, stub, anchor, anchor_key, device):
    trusted = _with_status(world, revoked=True, iat=NOW - 100)
    first, second = mint(world, anchor_key, trusted=trusted), mint(world, anchor_key, trusted=trusted)
    assert first != second  # ECDSA signs afresh: only the signature differs
    stub.serve(first)
    sync(stub, anchor, device)
    stub.serve(second)

    assert sync(stub, anchor, device).bundle.token == second


def test_a_newer_bundle_with_a_newer_status_list_is_taken(world, stub, anchor, anchor_key, device):
    _synced_with_a_revocation(world, stub, anchor, anchor_key, device)
    reinstated = _with_status(world, revoked=False, iat=NOW - 50)
    stub.serve(mint(world, anchor_key, iat=NOW - 30, trusted=reinstated))

    assert sync(stub, anchor, device).outcome == "updated"


def test_an_expired_bundle_is_refused(world, stub, anchor, anchor_key, device, synced):
    stub.serve(mint(world, anchor_key, iat=NOW, days=1), etag='"v2"')

    error = _refused(stub, anchor, device, synced, kind="refused", now=NOW + 2 * DAY)

    assert "expired" in str(error)


def test_a_bundle_from_the_future_is_refused(world, stub, anchor, anchor_key, device, synced):
    stub.serve(mint(world, anchor_key, iat=NOW + 3600), etag='"v2"')

    _refused(stub, anchor, device, synced, kind="refused")


def test_a_signed_bundle_that_makes_no_usable_trust_store_is_refused(
    world, stub, anchor, anchor_key, device, synced
):
    twice = TrustedIssuer("https://copy.example.gov", "Copy", {"keys": [world.issuer.jwk]})
    unusable = TrustContents([*contents(world).issuers, twice])
    stub.serve(mint(world, anchor_key, iat=NOW, trusted=unusable), etag='"v2"')

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "two issuers" in str(error)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>maintenance</html>", b'{"issuers": []}', b"\xff\xfe\x00garbage", b"a.b.c", b"~" * 100],
    ids=["empty", "html", "unsigned-json", "binary", "three-dots", "tildes"],
)
def test_a_garbage_body_is_refused(stub, anchor, device, synced, body):
    stub.serve(body, etag='"junk"')

    _refused(stub, anchor, device, synced, kind="refused")


def test_a_download_over_the_size_limit_is_refused(stub, anchor, device, synced):
    stub.serve(b"A" * (MAX_BUNDLE_BYTES + 1), etag='"huge"')

    error = _refused(stub, anchor, device, synced, kind="refused")

    assert "larger than" in str(error)


def test_a_download_past_its_time_limit_is_abandoned(
    world, stub, anchor, anchor_key, device, synced, monkeypatch
):
    # A limit already passed stands in for a server that trickles the body out: no test waits for a clock.
    monkeypatch.setattr(verifier.sync, "DOWNLOAD_SECONDS", -1.0)
    stub.serve(mint(world, anchor_key, iat=NOW), etag='"v2"')

    error = _refused(stub, anchor, device, synced, kind="network")

    assert "took longer than" in str(error)


def test_a_server_error_keeps_the_stored_bundle(stub, anchor, device, synced):
    stub.serve(b"down for maintenance", status=503)

    error = _refused(stub, anchor, device, synced, kind="network")

    assert "503" in str(error)


def test_an_unreachable_server_keeps_the_stored_bundle(stub, anchor, device, synced):
    with pytest.raises(SyncError) as caught:
        sync(stub, anchor, device, url=closed_port_url())

    assert caught.value.kind == "network"
    assert "cannot download" in str(caught.value)
    assert stored_files(device) == synced


def test_an_unreachable_server_on_a_new_device_stores_nothing(anchor, device):
    with pytest.raises(SyncError) as caught:
        sync_bundle(closed_port_url(), anchor_path=anchor, store_dir=device, now=NOW)

    assert caught.value.kind == "network"
    assert caught.value.kept is None
    assert not device.exists()


def _not_modified(url: str, etag: str | None) -> Fetched:
    """A server (or a cache in between) that answers 304 whatever was asked."""
    return Fetched(304, b"", '"v1"')


def test_a_304_to_a_request_that_named_no_bundle_is_refused(anchor, device):
    url = "https://wallet.example.gov/v1/trust-bundle"

    with pytest.raises(SyncError) as caught:
        sync_bundle(url, anchor_path=anchor, store_dir=device, now=NOW, fetch=_not_modified)

    assert caught.value.kind == "refused"
    assert not device.exists()


def test_a_304_is_no_answer_when_the_stored_bundle_was_not_named(stub, anchor, device, synced):
    # Past half its lifetime no ETag is sent: a 304 then must not pass off the ageing bundle as current.
    with pytest.raises(SyncError) as caught:
        sync_bundle(stub.url, anchor_path=anchor, store_dir=device, now=NOW + 4 * DAY, fetch=_not_modified)

    assert caught.value.kind == "refused"
    assert stored_files(device) == synced


def test_a_failed_write_of_the_anchor_leaves_the_stored_files_as_they_were(
    world, stub, anchor, device, synced, tmp_path, monkeypatch
):
    # An anchor rotation, so that a new bundle beside the old anchor would be a device that cannot verify.
    rotated_key = SigningKey.generate("trust-anchor-2")
    rotated = tmp_path / "rotated-anchor.json"
    rotated.write_text(json.dumps({"keys": [rotated_key.public_jwk()]}))
    stub.serve(mint(world, rotated_key, iat=NOW), etag='"v2"')
    real_open = os.open

    def full_disk_for_the_anchor(path, *args, **kwargs):
        if Path(path).name.startswith(f".{ANCHOR_FILE}."):  # the anchor's temporary file, in old and new code
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk_for_the_anchor)
    with pytest.raises(SyncError) as caught:
        sync(stub, rotated, device)
    monkeypatch.undo()

    assert caught.value.kind == "storage"
    assert "No space left on device" in str(caught.value)
    assert stored_files(device) == synced  # byte for byte: the old bundle with the old anchor
    assert caught.value.kept is not None
    assert caught.value.kept.token == (device / BUNDLE_FILE).read_text().strip()


# --- configuration errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/bundle",
        "127.0.0.1:8000/v1/trust-bundle",
        "http://",
        "http://[::1",
    ],
)
def test_only_http_and_https_urls_are_fetched(anchor, device, url):
    fetched: list[str] = []

    def record(url: str, etag: str | None) -> Fetched:
        fetched.append(url)
        raise AssertionError("nothing may be fetched")

    with pytest.raises(SyncError) as caught:
        sync_bundle(url, anchor_path=anchor, store_dir=device, now=NOW, fetch=record)

    assert caught.value.kind == "url"
    assert fetched == []


@pytest.mark.parametrize(
    "content",
    ["", "not json", '{"keys": []}', '{"keys": [{"kty": "EC"}]}', "[]"],
    ids=["empty", "not-json", "no-keys", "bad-key", "not-a-set"],
)
def test_a_bad_anchor_is_an_error_and_keeps_the_stored_bundle(
    stub, anchor, device, synced, tmp_path, content
):
    bad = tmp_path / "bad-anchor.json"
    bad.write_text(content)

    with pytest.raises(SyncError) as caught:
        sync(stub, bad, device)

    assert caught.value.kind == "anchor"
    assert stored_files(device) == synced


def test_a_missing_anchor_file_is_an_error(stub, device, tmp_path):
    with pytest.raises(SyncError) as caught:
        sync(stub, tmp_path / "nowhere.json", device)

    assert caught.value.kind == "anchor"
    assert stub.sent_etags == []
