"""Settings: defaults, ``CREDWALLET_*`` variables, overrides; development help; production refusals."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keys import FileKeyStore
from tests.conftest import FAST_HASHING, TEST_PASSPHRASE
from wallet.app import create_app
from wallet.auth.tokens import SERVICE_KEYS
from wallet.config import ConfigError, load_settings

HTTPS_URL = "https://wallet.example.gov"


def production(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a complete production setup (keys aside)."""
    return {
        "CREDWALLET_ENV": "production",
        "CREDWALLET_DATA_DIR": str(home),
        "CREDWALLET_PUBLIC_URL": HTTPS_URL,
        "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE,
        **extra,
    }


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def dispose(app) -> None:
    app.extensions["credwallet"].db.dispose()


# -- where values come from ------------------------------------------------------------------------


def test_the_default_is_production_which_refuses_what_development_allows(tmp_path):
    """Nothing insecure by default: an http public URL or a missing passphrase is refused unless
    development is asked for by name."""
    with pytest.raises(ConfigError, match="https"):
        load_settings(
            environ={"CREDWALLET_DATA_DIR": str(tmp_path), "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE}
        )
    with pytest.raises(ConfigError, match="KEY_PASSPHRASE"):
        load_settings(environ={"CREDWALLET_DATA_DIR": str(tmp_path), "CREDWALLET_PUBLIC_URL": HTTPS_URL})
    assert not (tmp_path / "dev-key-passphrase").exists()


def test_defaults_put_the_sqlite_database_under_the_data_dir(tmp_path):
    settings = load_settings(
        environ={
            "CREDWALLET_ENV": "development",
            "CREDWALLET_DATA_DIR": str(tmp_path),
            "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE,
        }
    )

    assert settings.env == "development"
    assert not settings.is_production
    assert settings.data_dir == tmp_path
    assert settings.keys_dir == tmp_path / "keys"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'credwallet.sqlite3'}"
    assert settings.key_passphrase == TEST_PASSPHRASE
    assert settings.redis_url is None
    assert settings.access_token_ttl == 600


def test_prefixed_environment_variables_are_read_and_converted(tmp_path):
    settings = load_settings(
        environ={
            "CREDWALLET_ENV": "development",
            "CREDWALLET_DATA_DIR": str(tmp_path),
            "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE,
            "CREDWALLET_ACCESS_TOKEN_TTL": "120",
            "CREDWALLET_DATABASE_URL": "postgresql+psycopg://wallet@db.internal/wallet",
            "CREDWALLET_PUBLIC_URL": "http://127.0.0.1:9000",
            "CREDWALLET_REDIS_URL": "",
            "ACCESS_TOKEN_TTL": "5",  # not ours: no prefix
            "CREDWALLET_NOT_A_SETTING": "ignored",
        }
    )

    assert settings.access_token_ttl == 120
    assert settings.database_url == "postgresql+psycopg://wallet@db.internal/wallet"
    assert settings.public_url == "http://127.0.0.1:9000"
    assert settings.redis_url is None


def test_the_process_environment_is_read_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDWALLET_KEY_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.setenv("CREDWALLET_AGENCY_TOKEN_TTL", "90")

    settings = load_settings({"ENV": "development", "DATA_DIR": str(tmp_path)})

    assert settings.key_passphrase == TEST_PASSPHRASE
    assert settings.agency_token_ttl == 90


def test_overrides_win_over_the_environment(tmp_path):
    settings = load_settings(
        {
            "ENV": "development",
            "ACCESS_TOKEN_TTL": 60,
            "PUBLIC_URL": "http://127.0.0.1:7000",
            "DATA_DIR": str(tmp_path),
        },
        environ={
            "CREDWALLET_ACCESS_TOKEN_TTL": "120",
            "CREDWALLET_PUBLIC_URL": "http://127.0.0.1:9000",
            "CREDWALLET_DATA_DIR": "/nonexistent/elsewhere",
            "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE,
        },
    )

    assert settings.access_token_ttl == 60
    assert settings.public_url == "http://127.0.0.1:7000"
    assert settings.data_dir == tmp_path


# -- production ------------------------------------------------------------------------------------


def test_production_without_a_key_passphrase_is_refused(tmp_path):
    environ = production(tmp_path)
    del environ["CREDWALLET_KEY_PASSPHRASE"]

    with pytest.raises(ConfigError, match="CREDWALLET_KEY_PASSPHRASE"):
        load_settings(environ=environ)

    assert files_under(tmp_path) == []  # in particular, no generated passphrase


@pytest.mark.parametrize(
    "url", ["http://wallet.example.gov", "HTTP://wallet.example.gov", "wallet.example.gov"]
)
def test_production_needs_an_https_public_url(tmp_path, url):
    with pytest.raises(ConfigError, match="CREDWALLET_PUBLIC_URL"):
        load_settings(environ=production(tmp_path, CREDWALLET_PUBLIC_URL=url))


def test_production_with_its_secrets_loads(tmp_path):
    settings = load_settings(environ=production(tmp_path))

    assert settings.is_production
    assert settings.key_passphrase == TEST_PASSPHRASE
    assert settings.public_url == HTTPS_URL


def test_production_refuses_to_start_without_keys_and_does_not_make_them(tmp_path, monkeypatch):
    for name, value in production(tmp_path).items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match="credwallet init"):
        create_app(FAST_HASHING)

    assert [p for p in files_under(tmp_path) if p.suffix == ".pem" or p.name == "keyset.json"] == []
    assert not (tmp_path / "dev-key-passphrase").exists()
    assert FileKeyStore(tmp_path / "keys", TEST_PASSPHRASE.encode()).purposes() == []


def test_production_starts_once_the_keys_exist(tmp_path, monkeypatch):
    key = FileKeyStore(tmp_path / "keys", TEST_PASSPHRASE.encode()).ensure_active(
        SERVICE_KEYS, now=datetime.now(UTC)
    )
    for name, value in production(tmp_path).items():
        monkeypatch.setenv(name, value)

    app = create_app(FAST_HASHING)
    try:
        jwks = app.test_client().get("/.well-known/jwks.json").json
    finally:
        dispose(app)

    assert [k["kid"] for k in jwks["keys"]] == [key.kid]


# -- development -----------------------------------------------------------------------------------


def test_development_generates_a_private_passphrase_once_and_says_so(tmp_path, caplog):
    home = tmp_path / "var"
    caplog.set_level(logging.WARNING, logger="wallet.config")

    first = load_settings({"ENV": "development", "DATA_DIR": str(home)}, environ={})

    path = home / "dev-key-passphrase"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert path.read_text().strip() == first.key_passphrase
    assert len(first.key_passphrase) >= 32
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "DEVELOPMENT MODE" in message
    assert "production" in message
    assert first.key_passphrase not in message
    assert [p.name for p in files_under(home)] == ["dev-key-passphrase"]  # no temp file left
    caplog.clear()

    second = load_settings({"ENV": "development", "DATA_DIR": str(home)}, environ={})

    assert second.key_passphrase == first.key_passphrase
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_development_with_a_passphrase_generates_nothing(tmp_path):
    settings = load_settings(
        {"ENV": "development", "DATA_DIR": str(tmp_path), "KEY_PASSPHRASE": TEST_PASSPHRASE}, {}
    )

    assert settings.key_passphrase == TEST_PASSPHRASE
    assert files_under(tmp_path) == []


def test_development_app_creates_the_service_key(tmp_path):
    app = create_app({"ENV": "development", "DATA_DIR": str(tmp_path), **FAST_HASHING})
    try:
        passphrase = app.extensions["credwallet"].settings.key_passphrase
    finally:
        dispose(app)

    assert (tmp_path / "dev-key-passphrase").read_text().strip() == passphrase
    store = FileKeyStore(tmp_path / "keys", passphrase.encode())
    infos = store.list_keys(SERVICE_KEYS)
    assert [info.state for info in infos] == ["active"]
    store.active(SERVICE_KEYS)  # decrypts with the generated passphrase


# -- bad values ------------------------------------------------------------------------------------


def test_an_unknown_override_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="NOT_A_SETTING"):
        load_settings({"NOT_A_SETTING": 1, "DATA_DIR": str(tmp_path)}, {})


@pytest.mark.parametrize(
    ("overrides", "environ"),
    [
        pytest.param({}, {"CREDWALLET_ACCESS_TOKEN_TTL": "ten"}, id="env"),
        pytest.param({}, {"CREDWALLET_MAX_BODY_BYTES": ""}, id="env-empty"),
        pytest.param({"REFRESH_TOKEN_TTL": "1 month"}, {}, id="override"),
    ],
)
def test_a_malformed_number_is_refused(tmp_path, overrides, environ):
    environ = {"CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE, **environ}

    with pytest.raises(ConfigError, match="must be a whole number"):
        load_settings({"DATA_DIR": str(tmp_path), **overrides}, environ)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql+psycopg://u:s3cret-pw@127.0.0.1:notaport/db", id="port-not-a-number"),
        pytest.param("not a url s3cret-pw", id="not-a-url"),
    ],
)
def test_a_malformed_database_url_is_a_config_error_that_keeps_its_password(tmp_path, url):
    config = {"ENV": "development", "DATA_DIR": str(tmp_path), "KEY_PASSPHRASE": TEST_PASSPHRASE}

    with pytest.raises(ConfigError, match="CREDWALLET_DATABASE_URL is not a database URL") as refused:
        load_settings({**config, "DATABASE_URL": url}, {})
    assert "s3cret-pw" not in str(refused.value)


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_short_passphrase_is_refused(tmp_path, env):
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_settings(
            {"ENV": env, "DATA_DIR": str(tmp_path), "KEY_PASSPHRASE": "short", "PUBLIC_URL": HTTPS_URL},
            {},
        )


def test_an_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="CREDWALLET_ENV"):
        load_settings(
            {"ENV": "staging", "DATA_DIR": str(tmp_path)}, {"CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE}
        )


@pytest.mark.parametrize(
    "name",
    [
        "LOGIN_LIMIT_ACCOUNT",
        "LOGIN_LIMIT_ADDRESS",
        "LINK_LIMIT_ACCOUNT",
        "REGO_CHECK_LIMIT",
        "NONCE_LIMIT",
        "DEVICE_CHALLENGE_LIMIT",
        "APPLICATION_LIMIT_ACCOUNT",
    ],
)
def test_a_malformed_rate_limit_is_a_config_error_at_startup(tmp_path, name):
    config = {
        "ENV": "development",
        "DATA_DIR": str(tmp_path),
        "KEY_PASSPHRASE": TEST_PASSPHRASE,
        name: "lots",
    }

    with pytest.raises(ConfigError, match=f"CREDWALLET_{name}"):
        load_settings(config, {})
    with pytest.raises(ConfigError, match=f"CREDWALLET_{name}"):
        create_app({**config, **FAST_HASHING})


# -- import ----------------------------------------------------------------------------------------

IMPORT_PROBE = textwrap.dedent(
    """
    import json, sqlite3, sqlite3.dbapi2
    import psycopg

    opened = []
    real_sqlite, real_psycopg = sqlite3.dbapi2.connect, psycopg.connect

    def spy_sqlite(*args, **kwargs):
        opened.append("sqlite")
        return real_sqlite(*args, **kwargs)

    def spy_psycopg(*args, **kwargs):
        opened.append("postgresql")
        return real_psycopg(*args, **kwargs)

    sqlite3.connect = sqlite3.dbapi2.connect = spy_sqlite
    psycopg.connect = spy_psycopg

    import wallet.app, wallet.cli, wallet.migrate, wallet.models, wallet.demo  # noqa

    at_import = list(opened)
    # The spies work: connections made on purpose (in memory; to a closed port) are seen.
    import wallet.db
    wallet.db.make_engine("sqlite://").connect().close()
    try:
        wallet.db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/x").connect()
    except Exception:
        pass
    print(json.dumps({"at_import": at_import, "probe": opened[len(at_import):]}))
    """
)


def test_importing_the_app_creates_nothing_and_opens_no_database(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDWALLET_")}
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        CREDWALLET_DATA_DIR=str(tmp_path / "data"),
        CREDWALLET_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"at_import": [], "probe": ["sqlite", "postgresql"]}
    assert list(cwd.iterdir()) == []  # no var/, no database, no keys in the working directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd"]
