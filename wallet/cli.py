"""The ``credwallet`` command. Server commands import the server lazily, so that ``credwallet verify``
(added with the verifier) runs on a staff device without any of it.

Every failure is a message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import click

from verifier.cli import verify
from verifier.sync_cli import sync

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wallet.runtime import Runtime

OPERATOR_ID = "credwallet-cli"


class CliError(click.ClickException):
    exit_code = 2


class LazyGroup(click.Group):
    """Subcommands named here load their module only when invoked, so that ``credwallet verify`` on a
    staff device never imports the holder or server code that other subcommands need."""

    lazy: ClassVar[dict[str, str]] = {"holder": "wallet.holder.cli:holder", "keys": "wallet.cli_keys:keys"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup)
def main() -> None:
    """credwallet: digital licences and cards, the citizen app API, and offline verification."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@contextmanager
def cli_runtime() -> Iterator[Runtime]:
    """Settings from the environment, the runtime built on them; any known failure becomes a CliError."""
    from sqlalchemy.exc import SQLAlchemyError

    from keys import KeyStoreError
    from wallet.clock import SystemClock
    from wallet.config import ConfigError, load_settings
    from wallet.errors import AppError
    from wallet.runtime import build_runtime

    try:
        rt = build_runtime(load_settings(), SystemClock())
        try:
            yield rt
        finally:
            rt.db.dispose()
    except (ConfigError, KeyStoreError) as e:
        raise CliError(str(e)) from e
    except SQLAlchemyError as e:
        raise CliError(f"database error: {e.__class__.__name__}: {str(e).splitlines()[0]}") from e
    except AppError as e:
        raise CliError(e.detail or e.title) from e


@contextmanager
def transaction(rt: Runtime) -> Iterator[Session]:
    with rt.db.session() as session, session.begin():
        yield session


def operator() -> Any:
    from wallet.audit.service import Actor

    return Actor("operator", OPERATOR_ID)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API with the production server (granian, several worker processes)."""
    from granian.constants import Interfaces
    from granian.server import Server

    from wallet.app import create_app
    from wallet.config import ConfigError
    from wallet.migrate import is_current

    try:
        app = create_app()  # fail here, once, with a clear message, rather than in every worker
    except ConfigError as e:
        raise CliError(str(e)) from e
    rt = app.extensions["credwallet"]
    if not is_current(rt.db.engine):
        raise CliError("the database is not migrated: run `credwallet init` (or `credwallet db upgrade`)")
    rt.db.dispose()
    Server(
        "wallet.app:create_served_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        factory=True,
    ).serve()


@main.command()
@click.option("--demo", is_flag=True, help="Also load demo agencies, clients and a demo citizen.")
def init(demo: bool) -> None:
    """Migrate the database, create missing keys and (with --demo) load demo data. Idempotent."""
    from wallet import demo as demo_data
    from wallet.migrate import upgrade

    with cli_runtime() as rt:
        if demo and rt.settings.is_production:
            raise CliError("demo data is for development only")
        upgrade(rt.db.engine)
        with transaction(rt) as session:
            credentials = demo_data.load(session, rt) if demo else None
            _ensure_keys(rt, session)
        click.echo("Database migrated; keys in place.")
        if credentials is not None:
            click.echo(_quickstart(rt, credentials))


def _ensure_keys(rt: Runtime, session: Session) -> None:
    from sqlalchemy import select

    from wallet.agencies.models import Agency
    from wallet.auth.tokens import SERVICE_KEYS

    now = rt.clock.now()
    purposes = [SERVICE_KEYS, "trust-anchor"]
    purposes += [f"issuer:{slug}" for slug in session.scalars(select(Agency.slug))]
    for purpose in purposes:
        rt.keystore.ensure_active(purpose, now=now)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from alembic.util import CommandError

    from wallet.migrate import upgrade

    with cli_runtime() as rt:
        try:
            upgrade(rt.db.engine, revision)
        except CommandError as e:  # a revision that is not in the migrations, and the like
            raise CliError(str(e)) from e
        click.echo(f"Database at {revision}.")


@main.group()
def agency() -> None:
    """Agencies and their API clients."""


@agency.command("create")
@click.argument("slug")
@click.option("--name", required=True)
def agency_create(slug: str, name: str) -> None:
    """Create an agency (its issuer key is made by `credwallet init`)."""
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug):
        raise CliError("SLUG must be lower-case letters, digits and dashes")
    with cli_runtime() as rt, transaction(rt) as session:
        rt.agencies(session).create_agency(slug=slug, name=name)
        rt.keystore.ensure_active(f"issuer:{slug}", now=rt.clock.now())
    click.echo(f"Agency {slug} created.")


@agency.command("create-client")
@click.argument("slug")
@click.option("--name", required=True, help="Who or what uses this client.")
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope to grant; repeatable.")
def agency_create_client(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Provision an OAuth client for agency SLUG. The secret is printed once and never again."""
    with cli_runtime() as rt, transaction(rt) as session:
        service = rt.agencies(session)
        new = service.create_client(service.find_agency(slug), name=name, scopes=scopes, actor=operator())
    click.echo(f"client_id:     {new.client.client_id}")
    click.echo(f"client_secret: {new.secret}")
    click.echo(f"scopes:        {new.client.scopes}")
    click.echo("Store the secret now: it is kept only as a digest and cannot be shown again.", err=True)


@main.group()
def jobs() -> None:
    """Periodic work."""


@jobs.command("run")
def jobs_run() -> None:
    """Mark credentials a birthday has changed, purge expired single-use rows, deliver push notifications.

    Idempotent and safe to run from cron on several machines at once.
    """
    from wallet.jobs import run_jobs

    with cli_runtime() as rt:
        click.echo(run_jobs(rt).summary())


@main.group()
def trust() -> None:
    """Trust for offline verifiers."""


trust.add_command(sync)


@trust.command("export")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="File to write."
)
def trust_export(out: str) -> None:
    """Write the signed trust bundle (what GET /v1/trust-bundle serves) to a file."""
    from pathlib import Path

    with cli_runtime() as rt, transaction(rt) as session:
        bundle = rt.trust(session).bundle()
    try:
        Path(out).write_text(bundle.token + "\n", encoding="ascii")
    except OSError as e:  # a missing folder, no permission, a full disk
        raise CliError(f"cannot write {out}: {e.strerror or e}") from e
    click.echo(f"Trust bundle written to {out}.")


@trust.command("anchor-jwks")
def trust_anchor_jwks() -> None:
    """Print the trust-anchor public keys that verifiers pin (--anchor FILE)."""
    import json

    with cli_runtime() as rt, transaction(rt) as session:
        click.echo(json.dumps(rt.trust(session).anchor_jwks(), indent=2))


def _quickstart(rt: Runtime, credentials: dict[str, dict[str, str]]) -> str:
    from wallet.demo import DEMO_EMAIL, DEMO_PASSWORD

    base = rt.settings.public_url
    transport = credentials["transport"]
    login = f'{{"email": "{DEMO_EMAIL}", "password": "{DEMO_PASSWORD}"}}'
    return f"""
Demo data loaded (development only). Once the server below is up:

  Demo citizen:   {DEMO_EMAIL} / {DEMO_PASSWORD}
  Agency client:  {transport["client_id"]} / {transport["client_secret"]}  (transport)
  API docs:       {base}/docs    (OpenAPI: {base}/openapi.json)

Try:
  curl -s {base}/readyz
  TOKEN=$(curl -s -X POST {base}/v1/sessions -H 'Content-Type: application/json' \\
      -d '{login}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s {base}/v1/accounts/me -H "Authorization: Bearer $TOKEN"
  curl -s -u '{transport["client_id"]}:{transport["client_secret"]}' \\
      -d grant_type=client_credentials {base}/oauth/token
"""


main.add_command(verify)

if __name__ == "__main__":
    sys.exit(main())
