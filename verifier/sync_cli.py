"""``credwallet trust sync URL --anchor FILE``: bring this device's trust bundle up to date.

Exit status: 0 when the stored bundle is up to date (updated, or unchanged on the server), 2 on any error: a
bad URL or anchor, a network fault, a refused bundle (bad signature, expired, older than the stored one) or a
failed write. On an error the stored bundle is kept as it was, and its age is printed so staff know how old
the data they are checking against is.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click

from verifier.cli import LAST_UNIX_SECOND, verifier_dir
from verifier.summary import age_in_words
from verifier.sync import StoredBundle, SyncError, SyncResult, sync_bundle


def _when(unix_seconds: int) -> str:
    # A signed bundle may still carry an exp beyond what datetime can print; it is shown, not refused.
    if not 0 <= unix_seconds <= LAST_UNIX_SECOND:
        return f"{unix_seconds} (Unix time)"
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _describe(bundle: StoredBundle, now: int) -> str:
    age = age_in_words(max(0, now - bundle.iat))
    expiry = "expired" if now >= bundle.exp else "valid until"  # expired at exp itself (RFC 7519 4.1.4)
    return f"issued {_when(bundle.iat)} ({age} old), {expiry} {_when(bundle.exp)}"


def _report(result: SyncResult) -> str:
    stored = _describe(result.bundle, result.now)
    if result.outcome == "updated":
        lines = [f"updated: stored the new trust bundle, {stored}"]
    else:
        lines = [f"unchanged: the server has nothing newer; the stored bundle was {stored}"]
    for uri, why in result.rejected_status_lists.items():
        lines.append(f"warning: status list {uri} is unusable, its credentials cannot be checked ({why})")
    return "\n".join(lines)


def _failure(error: SyncError, now: int) -> str:
    what = "refused" if error.kind == "refused" else "error"
    if error.kept is None:
        return f"{what}: {error}\nno trust bundle is stored yet"
    return f"{what}: {error}\nkept the stored bundle, {_describe(error.kept, now)}"


@click.command("sync")
@click.argument("url")
@click.option(
    "--anchor",
    "anchor",
    required=True,
    metavar="FILE",
    help="The anchor JWK Set the bundle must be signed by (pinned; get it over a trusted channel).",
)
def sync(url: str, anchor: str) -> None:
    """Download the trust bundle from URL, verify it and store it for `credwallet verify`."""
    now = int(time.time())
    try:
        result = sync_bundle(url, anchor_path=anchor, store_dir=verifier_dir(), now=now)
    except SyncError as e:
        click.echo(_failure(e, now), err=True)
        click.get_current_context().exit(2)
    click.echo(_report(result))
