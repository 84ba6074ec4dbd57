"""Settings from ``CREDWALLET_*`` environment variables, read only by the app factory and the CLI.

Development mode may generate what it lacks (the key passphrase) and says so loudly; production refuses to
start without every secret it needs. There is no insecure default outside development.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from wallet.ratelimit import parse_rules

log = logging.getLogger(__name__)

PREFIX = "CREDWALLET_"
ENVIRONMENTS = ("development", "production")


class ConfigError(Exception):
    """The configuration cannot run the service; the message says which variable to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    # Production unless development is asked for by name: nothing insecure happens by default.
    env: str = "production"
    data_dir: Path = Path("var")
    # repr=False: these hold secrets (a database or Redis URL may carry a password).
    database_url: str = dataclasses.field(default="", repr=False)
    redis_url: str | None = dataclasses.field(default=None, repr=False)
    key_passphrase: str = dataclasses.field(default="", repr=False)
    public_url: str = "http://127.0.0.1:8000"
    access_token_ttl: int = 600
    refresh_token_ttl: int = 30 * 24 * 3600
    agency_token_ttl: int = 600
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 32
    login_limit_account: str = "5/minute;20/hour"
    login_limit_address: str = "30/minute;300/hour"
    link_limit_account: str = "10/hour;30/day"
    rego_check_limit: str = "30/minute;300/hour"  # per client address, for the public registration check
    # Per client address, for the OID4VCI nonce endpoints: open to anyone, and each nonce is a row until the
    # purge job. An app takes one nonce per credential request, so twice the log-in budget per address still
    # serves many citizens behind one address (a service centre's Wi-Fi, carrier NAT).
    nonce_limit: str = "60/minute;600/hour"
    # Per account, for device challenges: each is a row until the purge job. A phone registers once, and a
    # failed proof takes a fresh challenge; ten an hour leaves room for retries and a new phone, and caps what
    # one account can add at thirty rows a day.
    device_challenge_limit: str = "10/hour;30/day"
    # Per account, applications filed (each a row, audit events and a notification, even one the rules
    # decline at once). A citizen applies for a card a few times in years: five a day lets them correct a
    # declined declaration and try again in one sitting, and twenty a month a case that drags on; beyond
    # that it is a script, held to 240 rows a year.
    application_limit_account: str = "5/day;20/month"
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    trusted_proxies: int = 0
    # The card gateway: "sandbox" (development and tests; it takes no real money) or none, and then
    # payments are refused with 503 until one is configured.
    payment_gateway: str = ""
    payment_webhook_secret: str = dataclasses.field(default="", repr=False)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


_INT_FIELDS = {f.name for f in dataclasses.fields(Settings) if f.type == "int"}
_FIELDS = {f.name for f in dataclasses.fields(Settings)}


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings: defaults, then ``CREDWALLET_*`` variables, then ``overrides`` (upper-case names).

    Raises ConfigError for an unknown or malformed value, or for a production setup missing a secret.
    """
    values = _from_environ(os.environ if environ is None else environ)
    for name, value in (overrides or {}).items():
        values[_field_name(name)] = value
    settings = Settings(**_coerce(values))
    settings = _complete(settings)
    _check(settings)
    return settings


def _field_name(name: str) -> str:
    field = name.removeprefix(PREFIX).lower()
    if field not in _FIELDS:
        raise ConfigError(f"unknown setting {name!r}")
    return field


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        name.removeprefix(PREFIX).lower(): value
        for name, value in environ.items()
        if name.startswith(PREFIX) and name.removeprefix(PREFIX).lower() in _FIELDS
    }


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    coerced = dict(values)
    for name, value in values.items():
        if name in _INT_FIELDS and not isinstance(value, int):
            try:
                coerced[name] = int(value)
            except ValueError:
                raise ConfigError(f"{PREFIX}{name.upper()} must be a whole number") from None
        elif name == "data_dir":
            coerced[name] = Path(value)
        elif name == "redis_url" and value == "":
            coerced[name] = None
    return coerced


def _complete(settings: Settings) -> Settings:
    """Fill what can be derived: the SQLite URL under the data dir, a development key passphrase."""
    changes: dict[str, Any] = {}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{settings.data_dir.resolve() / 'credwallet.sqlite3'}"
    if not settings.key_passphrase and settings.env == "development":
        changes["key_passphrase"] = _development_passphrase(settings.data_dir)
    if settings.env == "development" and not settings.payment_gateway:
        changes["payment_gateway"] = "sandbox"
    if settings.env == "development" and not settings.payment_webhook_secret:
        changes["payment_webhook_secret"] = secrets.token_urlsafe(32)  # only the sandbox signs with it
    return dataclasses.replace(settings, **changes) if changes else settings


# Every rate-limit setting, by its name: a new limit is checked at startup without being listed again here.
_RATE_LIMITS = tuple(field.name for field in dataclasses.fields(Settings) if "_limit" in field.name)


def _check(settings: Settings) -> None:
    _check_database_url(settings.database_url)
    if settings.env not in ENVIRONMENTS:
        raise ConfigError(f"{PREFIX}ENV must be one of {', '.join(ENVIRONMENTS)}")
    if settings.is_production:
        if not settings.key_passphrase:
            raise ConfigError(f"production needs {PREFIX}KEY_PASSPHRASE to decrypt the signing keys")
        if urlsplit(settings.public_url).scheme.lower() != "https":
            raise ConfigError(f"production needs an https {PREFIX}PUBLIC_URL")
        if settings.payment_gateway == "sandbox":
            raise ConfigError(f"{PREFIX}PAYMENT_GATEWAY=sandbox takes no real money: not in production")
    if settings.payment_gateway not in ("", "sandbox"):
        raise ConfigError(f"{PREFIX}PAYMENT_GATEWAY must be sandbox or unset")
    if settings.payment_gateway and len(settings.payment_webhook_secret) < 32:
        raise ConfigError(f"{PREFIX}PAYMENT_WEBHOOK_SECRET must be at least 32 characters")
    if len(settings.key_passphrase) < 16:
        raise ConfigError(f"{PREFIX}KEY_PASSPHRASE must be at least 16 characters")
    for name in _RATE_LIMITS:
        try:
            parse_rules(getattr(settings, name))
        except ValueError:
            raise ConfigError(f"{PREFIX}{name.upper()} must look like '5/minute;20/hour'") from None


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy cannot parse fails here, once, as a config error. The message leaves the URL out:
    it may carry a password, and the parser's own errors may quote it."""
    try:
        make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(
            f"{PREFIX}DATABASE_URL is not a database URL: expected dialect+driver://user:password@host:port/"
            "database, the port a number"
        ) from None


def _development_passphrase(data_dir: Path) -> str:
    """Read, or create once, a random key passphrase under the data dir: development only."""
    path = data_dir / "dev-key-passphrase"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written whole to a private temp file, then linked into place: a sibling process either wins the
    # link or reads a complete file, never a half-written one.
    passphrase = secrets.token_urlsafe(32)
    temp = data_dir / f".dev-key-passphrase.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(passphrase)
    try:
        os.link(temp, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        temp.unlink()
    log.warning(
        "DEVELOPMENT MODE: generated a key passphrase in %s. Never use this in production: "
        "set CREDWALLET_ENV=production and CREDWALLET_KEY_PASSPHRASE.",
        path,
    )
    return passphrase
