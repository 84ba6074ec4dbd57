"""``credwallet verify``: check presentations offline on a staff device.

Exit status: 0 valid, 1 not valid (in batch mode: any line not valid), 2 a usage or configuration error (an
unreadable trust file, a bad anchor, a bundle that does not verify, no trust data yet). The trust comes from
``--trust`` files, or else from the bundle that ``credwallet trust sync`` stored in the verifier directory
(``$CREDWALLET_VERIFIER_DIR``, default ``~/.credwallet-verifier/``), which also holds the replay cache shared
by every run on the device.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric import ec

from verifier.errors import ReplayCacheError, TrustError
from verifier.keybinding import MAX_KB_AGE
from verifier.replay import SqliteReplayCache
from verifier.store import TrustStore
from verifier.summary import render
from verifier.sync import ANCHOR_FILE, BUNDLE_FILE
from verifier.trust import TrustDocument, load_json, parse_anchors, parse_trust_file, verify_trust_bundle
from verifier.verify import Verifier

VERIFIER_DIR_VARIABLE = "CREDWALLET_VERIFIER_DIR"
REPLAY_CACHE = "replay.sqlite3"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
LAST_UNIX_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last time a summary can print


class ConfigError(click.ClickException):
    exit_code = 2


def verifier_dir() -> Path:
    """Where this device keeps its synced trust bundle, anchor and replay cache."""
    configured = os.environ.get(VERIFIER_DIR_VARIABLE)
    return Path(configured) if configured else Path.home() / ".credwallet-verifier"


def _read_file(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {what} {path}: {e}") from e


def _anchors(path: str | Path) -> dict[str, ec.EllipticCurvePublicKey]:
    try:
        return parse_anchors(load_json(_read_file(path, "anchor JWK Set"), what=f"anchor {path}"))
    except TrustError as e:
        raise ConfigError(f"bad anchor {path}: {e}") from e


def _trust_document(
    path: str, anchors: dict[str, ec.EllipticCurvePublicKey] | None, now: int
) -> TrustDocument:
    text = _read_file(path, "trust file")
    try:
        if text.lstrip().startswith("{"):
            return parse_trust_file(load_json(text, what=f"trust file {path}"))
        if anchors is None:
            raise ConfigError(f"{path} is a signed trust bundle: pass --anchor JWKS_FILE to verify it")
        return verify_trust_bundle(text, anchors=anchors, now=now)
    except TrustError as e:
        raise ConfigError(f"{path}: {e}") from e


def _trust_store(trust_files: tuple[str, ...], anchor: str | None, now: int) -> TrustStore:
    anchors = _anchors(anchor) if anchor else None
    try:
        if trust_files:
            return TrustStore(*(_trust_document(path, anchors, now) for path in trust_files))
        return _stored_trust(anchors, now)
    except TrustError as e:
        raise ConfigError(str(e)) from e


def _stored_trust(anchors: dict[str, ec.EllipticCurvePublicKey] | None, now: int) -> TrustStore:
    directory = verifier_dir()
    bundle, anchor = directory / BUNDLE_FILE, directory / ANCHOR_FILE
    if not bundle.is_file() or (anchors is None and not anchor.is_file()):
        raise ConfigError(f"no trust data in {directory}: run `credwallet trust sync` first, or pass --trust")
    return TrustStore(_trust_document(str(bundle), anchors or _anchors(anchor), now))


def _replay_cache() -> SqliteReplayCache:
    directory = verifier_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return SqliteReplayCache(directory / REPLAY_CACHE)
    except (OSError, ReplayCacheError) as e:
        raise ConfigError(f"cannot use the replay cache in {directory}: {e}") from e


def _decode_image(path: str) -> str:
    """The presentation in a QR code image; an unreadable image or one without a QR code is exit status 2."""
    # Imported here: Pillow and zxing-cpp are only needed, and only loaded, when INPUT is an image.
    from verifier.image import ImageError, decode_qr_image

    try:
        return decode_qr_image(path)
    except ImageError as e:
        raise ConfigError(str(e)) from e


def _read_input(source: str) -> str:
    """INPUT as text: ``-`` for stdin, ``@FILE`` for a file, an image for its QR code, else INPUT itself."""
    path = source[1:] if source.startswith("@") else source
    if path.lower().endswith(IMAGE_SUFFIXES):
        return _decode_image(path)
    if source == "-":
        return sys.stdin.read()
    if source.startswith("@"):
        return _read_file(path, "input")
    return source


def _batch_lines(source: str) -> list[str]:
    text = _read_input(source if source == "-" or source.startswith("@") else f"@{source}")
    return [line.strip() for line in text.splitlines() if line.strip()]


@click.command("verify")
@click.option("--trust", "trust_files", multiple=True, metavar="FILE", help="Trust file or signed bundle.")
@click.option("--anchor", metavar="FILE", help="Anchor JWK Set that signs trust bundles.")
@click.option("--at", type=click.IntRange(0, LAST_UNIX_SECOND), metavar="UNIX_SECONDS", help="Check as of.")
@click.option("--aud", help="The audience the holder's proof must name.")
@click.option("--nonce", help="The nonce the holder's proof must carry.")
@click.option(
    "--max-kb-age",
    type=click.IntRange(1, MAX_KB_AGE),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help=f"How old a holder proof may be (at most {MAX_KB_AGE}).",
)
@click.option("--no-kb", is_flag=True, help="Accept presentations without a holder proof (KB-JWT).")
@click.option("--batch", is_flag=True, help="INPUT is a file of one presentation per line; JSON lines out.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.argument("source", metavar="INPUT")
def verify(
    trust_files: tuple[str, ...],
    anchor: str | None,
    at: int | None,
    aud: str | None,
    nonce: str | None,
    max_kb_age: int,
    no_kb: bool,
    batch: bool,
    as_json: bool,
    source: str,
) -> None:
    """Check a credential presentation: the text, @FILE, or - for stdin."""
    now = int(time.time()) if at is None else at
    verifier = Verifier(
        trust=_trust_store(trust_files, anchor, now), replay_cache=_replay_cache(), max_kb_age=max_kb_age
    )
    presentations = _batch_lines(source) if batch else [_read_input(source).strip()]
    all_valid = True
    for presentation in presentations:
        try:
            result = verifier.verify(presentation, now=now, audience=aud, nonce=nonce, require_kb=not no_kb)
        except ReplayCacheError as e:
            raise ConfigError(str(e)) from e
        all_valid = all_valid and result.valid
        click.echo(result.to_json() if as_json or batch else render(result))
    click.get_current_context().exit(0 if all_valid else 1)
