"""Shared fixtures: a fresh app per test, built by the factory, inside a transaction rolled back after it.

The database is SQLite by default; set CREDWALLET_TEST_DATABASE_URL to run the same tests on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, text

from wallet.app import create_app
from wallet.clock import FrozenClock
from wallet.db import make_engine
from wallet.migrate import upgrade
from wallet.runtime import Runtime

TEST_PASSPHRASE = "test-key-passphrase-not-secret"
# Cheap argon2 parameters: the tests exercise the flow, not the cost.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1}


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CREDWALLET_* variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.startswith("CREDWALLET_") and name != "CREDWALLET_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> Iterator[str]:
    """A database migrated once per run: PostgreSQL from CREDWALLET_TEST_DATABASE_URL, else SQLite."""
    with migrated_database(data_dir, "test") as url:
        yield url


@contextmanager
def migrated_database(data_dir: Path, name: str) -> Iterator[str]:
    """A freshly migrated database of its own, dropped afterwards: a SQLite file under ``data_dir``, or on
    PostgreSQL (CREDWALLET_TEST_DATABASE_URL) a schema of its own, so that two runs never meet."""
    url = os.environ.get("CREDWALLET_TEST_DATABASE_URL")
    if not url:
        sqlite_url = f"sqlite:///{data_dir}/{name}.sqlite3"
        upgrade(make_engine(sqlite_url))
        yield sqlite_url
        return
    schema = f"credwallet_{name}_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(scoped)
    upgrade(engine)
    engine.dispose()
    try:
        yield scoped
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> dict[str, Any]:
    """The config handed to create_app; tests may change it before asking for ``app``."""
    return {
        "ENV": "development",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "KEY_PASSPHRASE": TEST_PASSPHRASE,
        **FAST_HASHING,
    }


@pytest.fixture
def app(settings: dict[str, Any], clock: FrozenClock) -> Iterator[Flask]:
    app = create_app(settings, clock=clock)
    rt: Runtime = app.extensions["credwallet"]
    connection = rt.db.engine.connect()
    transaction = connection.begin()
    rt.db.bind(connection)
    yield app
    transaction.rollback()
    connection.close()
    rt.db.dispose()


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["credwallet"]
    return runtime


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
