"""``credwallet keys``: list, rotate and withdraw signing keys; withdrawing an issuer key re-issues
everything it signed. Loaded only when invoked (see ``wallet.cli.LazyGroup``)."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from wallet.cli import CliError, cli_runtime, operator, transaction

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wallet.runtime import Runtime


@click.group()
def keys() -> None:
    """Signing keys."""


@keys.command("list")
@click.argument("purpose")
def keys_list(purpose: str) -> None:
    """List the keys of PURPOSE (service-tokens, trust-anchor, issuer:SLUG)."""
    with cli_runtime() as rt:
        for info in rt.keystore.list_keys(purpose):
            until = f" published until {info.publish_until:%Y-%m-%d %H:%M}Z" if info.publish_until else ""
            click.echo(f"{info.kid}  {info.state}  created {info.created_at:%Y-%m-%d %H:%M}Z{until}")


@keys.command("rotate")
@click.argument("purpose", required=False)
@click.option("--issuer", "issuer", metavar="AGENCY", help="Rotate this agency's issuer key (issuer:AGENCY).")
@click.option(
    "--publish-days",
    default=31,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="How long the retired key stays published: at least the lifetime of what it signed.",
)
def keys_rotate(purpose: str | None, issuer: str | None, publish_days: int) -> None:
    """Make a new active key for PURPOSE (or --issuer AGENCY); the old one is retired but stays published.

    New credentials are signed with the new key at once; those signed with the old one keep verifying
    until they expire, as long as --publish-days covers their lifetime (30 days).
    """
    from wallet.audit.service import record

    if (purpose is None) == (issuer is None):
        raise CliError("name either PURPOSE or --issuer AGENCY")
    purpose = purpose or f"issuer:{issuer}"
    with cli_runtime() as rt, transaction(rt) as session:
        if purpose.startswith("issuer:"):
            # An issuer key is an agency's: one for no agency would be published and used by nothing.
            rt.agencies(session).find_agency(purpose.removeprefix("issuer:"))
        now = rt.clock.now()
        key = rt.keystore.rotate(purpose, now=now, publish_for=timedelta(days=publish_days))
        record(
            session,
            event="key_rotated",
            actor=operator(),
            at=now,
            subject=("key", key.kid),
            purpose=purpose,
            publish_days=publish_days,
        )
    click.echo(f"New active key for {purpose}: {key.kid}")


@keys.command("revoke")
# An option, not an argument: a kid is base64url and may begin with "-", which click would read as a flag.
@click.option("--kid", required=True, metavar="KID", help="The compromised key, as `keys list` shows it.")
@click.option(
    "--issuer", "issuer", required=True, metavar="AGENCY", help="The agency whose key was compromised."
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes sharing the work (above 1 needs PostgreSQL).",
)
def keys_revoke(kid: str, issuer: str, batch_size: int, workers: int) -> None:
    """Withdraw a compromised issuer key KID and re-issue everything it signed.

    The key leaves the JWKS at once; each credential it signed is signed anew for the same device and
    queued for its app, and the old one is revoked. Runs in batches, each its own transaction; if
    interrupted, run the same command again to carry on.
    """
    from wallet.audit.service import record
    from wallet.issuance.reissue import refresh_statistics

    with cli_runtime() as rt:
        if workers > 1 and rt.db.engine.dialect.name != "postgresql":
            # SQLite has no SKIP LOCKED, and takes one writer at a time anyway.
            raise CliError("--workers above 1 needs PostgreSQL; on SQLite run with one worker")
        with transaction(rt) as session:
            agency = rt.agencies(session).find_agency(issuer)  # an unknown agency stops here, before any key
            if _withdraw(rt, f"issuer:{issuer}", kid):
                record(
                    session,
                    event="key_revoked",
                    actor=operator(),
                    at=rt.clock.now(),
                    subject=("key", kid),
                    purpose=f"issuer:{issuer}",
                )
            refresh_statistics(session)
            total = _reissuer(rt, session).remaining(agency, kid)
        done = _reissue_all(rt, issuer, kid, batch_size, total, workers)
    click.echo(f"Key {kid} withdrawn; {done} credentials re-issued and queued for their holders.")


def _withdraw(rt: Runtime, purpose: str, kid: str) -> bool:
    """Revoke the key unless an earlier, interrupted run already did. Returns whether it did now."""
    from keys import KeyState

    states = {info.kid: info.state for info in rt.keystore.list_keys(purpose)}
    if states.get(kid) == KeyState.REVOKED:
        click.echo(f"Key {kid} was already withdrawn; carrying on with the re-issue.")
        return False
    rt.keystore.revoke(purpose, kid, now=rt.clock.now())
    return True


def _reissuer(rt: Runtime, session: Session) -> Any:
    from wallet.issuance.reissue import Reissuer

    return Reissuer(rt.issuance(session))


def _reissue_all(rt: Runtime, issuer: str, kid: str, batch_size: int, total: int, workers: int) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from wallet.issuance.reissue_runner import run_batches, run_workers

    with click.progressbar(length=total, label="Re-issuing", file=sys.stderr) as bar:
        if workers == 1:
            return run_batches(rt, issuer, kid, size=batch_size, actor=operator(), progress=bar.update)
        try:
            return run_workers(
                rt.settings,
                rt.clock,
                issuer,
                kid,
                workers=workers,
                size=batch_size,
                actor=operator(),
                progress=bar.update,
            )
        except BrokenProcessPool as e:
            raise CliError("a re-issue worker stopped; run the same command again to carry on") from e
