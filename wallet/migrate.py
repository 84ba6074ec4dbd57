"""Schema migrations with Alembic; the app never creates tables behind its back."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "wallet:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``, in one transaction where the database allows it."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        heads = ScriptDirectory.from_config(alembic_config(connection)).get_heads()
    return set(current) == set(heads)
