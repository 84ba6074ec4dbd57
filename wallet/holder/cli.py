"""``credwallet holder``: the reference phone client on the command line (receive credentials, show a QR).

The store file holds the device keys encrypted under a passphrase, read from ``$CREDWALLET_HOLDER_PASSPHRASE``
or asked for. Exit status 2 for every failure, with a message and never a traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from wallet.holder.oid4vci import HolderClient, IssuanceFailed
from wallet.holder.present import PresentationError, present, profile_named
from wallet.holder.qr import ImageFormat, QrTooLarge, presentation_qr
from wallet.holder.store import CredentialStore, StoreError
from wallet.holder.transport import UrllibTransport

PASSPHRASE_VARIABLE = "CREDWALLET_HOLDER_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
IMAGE_FORMATS: dict[str, ImageFormat] = {".png": "png", ".svg": "svg"}
LAST_UNIX_SECOND = 253402300799


class HolderCliError(click.ClickException):
    exit_code = 2


def _passphrase() -> bytes:
    value = os.environ.get(PASSPHRASE_VARIABLE) or click.prompt("Store passphrase", hide_input=True, err=True)
    return str(value).encode("utf-8")


def _store_file(path: Path | None) -> Path:
    return path if path is not None else Path.home() / ".credwallet-holder" / "store.json"


def _store_option(function: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--store",
        "store_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The credential store file [default: ~/.credwallet-holder/store.json].",
    )(function)


@click.group("holder")
def holder() -> None:
    """The phone's side: receive credentials into a store, present one as a QR code."""


@holder.command("accept")
@click.argument("offer_uri")
@click.option("--tx-code", required=True, help="The transaction code given with the offer.")
@click.option("--keys", type=click.IntRange(1, 10), default=1, show_default=True, help="Device keys to bind.")
@_store_option
def accept(offer_uri: str, tx_code: str, keys: int, store_path: Path | None) -> None:
    """Receive the credentials of an openid-credential-offer:// URI into the store."""
    try:
        path = _store_file(store_path)
        store = CredentialStore.load(path, _passphrase())
        # The offer's code works once and the credentials are bound to keys only this store holds: prove the
        # store can be written before spending the code, so a failed save cannot lose them.
        store.save(path)
        try:
            kept = store.accept_offer(HolderClient(UrllibTransport()), offer_uri, tx_code, keys=keys)
        finally:
            store.save(path)  # also when a later request failed: what arrived before it exists only here
    except (StoreError, IssuanceFailed, ValueError, OSError) as e:  # ValueError: a bad offer URI
        raise HolderCliError(str(e)) from e
    for stored in kept:
        click.echo(f"Received {stored.credential_type} ({stored.credential.vct}).")


@holder.command("present")
@click.option("--profile", type=click.Choice(["venue", "police"]), required=True, help="What to show.")
@click.option(
    "--claims", help="Comma-separated claim paths (e.g. given_name,address.locality) to show instead."
)
@click.option("--age", type=click.IntRange(1, 150), default=18, show_default=True, help="venue: age_over_NN.")
@_store_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the QR code to a .png or .svg."
)
@click.option("--plain", is_flag=True, help="The plain SD-JWT text instead of the compact CW1 form.")
@click.option("--at", type=click.IntRange(0, LAST_UNIX_SECOND), metavar="UNIX_SECONDS", help="Present as of.")
def present_command(
    profile: str,
    claims: str | None,
    age: int,
    store_path: Path | None,
    out: Path | None,
    plain: bool,
    at: int | None,
) -> None:
    """Build a fresh presentation and show it as a QR code (without --out: its text on stdout)."""
    image_format = IMAGE_FORMATS.get(out.suffix.lower()) if out else None
    if out is not None and image_format is None:
        raise click.UsageError("--out must name a .png or .svg file")
    now = int(time.time()) if at is None else at
    wanted = [c.strip() for c in claims.split(",") if c.strip()] if claims is not None else None
    try:
        chosen = profile_named(profile, claims=wanted, age=age)
        credential, device = CredentialStore.load(_store_file(store_path), _passphrase()).pick(
            chosen.credential_type, now=now
        )
        presentation = present(credential, device, chosen, now=now)
        code = presentation_qr(presentation.text, level=chosen.level, plain=plain)
    except (StoreError, PresentationError, QrTooLarge) as e:
        raise HolderCliError(str(e)) from e
    if out is None or image_format is None:
        click.echo(code.text)
    else:
        try:
            out.write_bytes(code.image(image_format))
        except OSError as e:
            raise HolderCliError(f"cannot write {out}: {e}") from e
        click.echo(f"Wrote {out}.", err=True)
    click.echo(f"Showing {', '.join(presentation.disclosed) or 'no claims'}.", err=True)
    click.echo(code.describe(), err=True)
