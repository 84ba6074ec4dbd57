"""The ``credwallet`` command, run in-process with Click's runner against a data dir of its own.

Each test gets an empty data dir (never the repository's ``var/``); the database is the SQLite file the
settings derive under it. Results are checked in the database, on disk and through an app built on the
same data dir, not only in the command's output.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from keys import FileKeyStore
from tests.conftest import FAST_HASHING, TEST_PASSPHRASE
from tests.factories import bearer, log_in, register
from wallet.accounts.models import Account
from wallet.agencies.models import Agency, AgencyClient, Person
from wallet.app import create_app
from wallet.audit.models import AuditEvent
from wallet.cli import main
from wallet.db import make_engine
from wallet.demo import AGENCIES, DEMO_EMAIL, DEMO_PASSWORD, LICENCE_CLAIMS
from wallet.issuance.models import CredentialAuthorisation
from wallet.migrate import is_current
from wallet.models import Base

WRONG_PASSPHRASE = "not-the-passphrase-of-these-keys"
UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/x"
DEMO_SLUGS = {demo.slug for demo in AGENCIES}
DEMO_TABLES = (Agency, AgencyClient, Account, Person, CredentialAuthorisation)


# -- helpers ---------------------------------------------------------------------------------------


def cli_env(home: Path, **extra: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "CREDWALLET_ENV": "development",
        "CREDWALLET_DATA_DIR": str(home),
        "CREDWALLET_KEY_PASSPHRASE": TEST_PASSPHRASE,
        "CREDWALLET_ARGON2_TIME_COST": "1",
        "CREDWALLET_ARGON2_MEMORY_KIB": "1024",
        "CREDWALLET_ARGON2_PARALLELISM": "1",
    }
    env.update(extra)
    return env


def run(home: Path, *args: str, **env: str | None) -> Result:
    return CliRunner().invoke(main, list(args), env=cli_env(home, **env))


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def refused(result: Result, message: str) -> None:
    """Exit status 2, a message on stderr, no traceback, nothing claimed on stdout."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def database_url(home: Path) -> str:
    return f"sqlite:///{home.resolve() / 'credwallet.sqlite3'}"


@contextmanager
def database(home: Path) -> Iterator[Session]:
    engine = make_engine(database_url(home))
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def counts(home: Path, models: Any = None) -> dict[str, int]:
    tables = [m.__table__ for m in models] if models else Base.metadata.sorted_tables
    with database(home) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


def keystore(home: Path, passphrase: str = TEST_PASSPHRASE) -> FileKeyStore:
    return FileKeyStore(home / "keys", passphrase.encode())


def snapshot(home: Path) -> dict[str, Any]:
    """Every row count, and every file's digest (locks and the SQLite files aside)."""
    files = {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.rglob("*"))
        if path.is_file() and path.name != ".lock" and not path.name.startswith("credwallet.sqlite3")
    }
    return {"rows": counts(home), "files": files}


@contextmanager
def web(home: Path) -> Iterator[FlaskClient]:
    """The app, built by its factory on the same data dir as the command."""
    app = create_app(
        {"ENV": "development", "DATA_DIR": str(home), "KEY_PASSPHRASE": TEST_PASSPHRASE, **FAST_HASHING}
    )
    try:
        yield app.test_client()
    finally:
        app.extensions["credwallet"].db.dispose()


def client_token(client: FlaskClient, client_id: str, secret: str) -> dict[str, Any]:
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[return-value]


def demo_credentials(home: Path) -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads((home / "demo-credentials.json").read_text())
    return loaded


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture
def initialised(home: Path) -> Path:
    """A data dir after `credwallet init`, with one agency, `transport`."""
    ok(run(home, "init"))
    ok(run(home, "agency", "create", "transport", "--name", "Transport Agency"))
    return home


# -- init ------------------------------------------------------------------------------------------


def test_init_migrates_and_creates_the_service_and_trust_anchor_keys(home):
    result = ok(run(home, "init"))

    assert "Database migrated" in result.stdout
    engine = make_engine(database_url(home))
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    store = keystore(home)
    assert store.purposes() == ["service-tokens", "trust-anchor"]
    for purpose in store.purposes():
        store.active(purpose)  # there, and encrypted with the configured passphrase
    assert not (home / "demo-credentials.json").exists()
    assert counts(home, DEMO_TABLES) == dict.fromkeys(
        ["agencies", "agency_clients", "accounts", "people", "credential_authorisations"], 0
    )


def test_init_creates_a_missing_data_dir(tmp_path):
    home = tmp_path / "fresh" / "var"

    ok(run(home, "init"))

    assert (home / "credwallet.sqlite3").is_file()
    assert keystore(home).purposes() == ["service-tokens", "trust-anchor"]


def test_init_demo_loads_agencies_clients_and_a_citizen_with_a_licence(home):
    public = "http://127.0.0.1:8123"

    result = ok(run(home, "init", "--demo", CREDWALLET_PUBLIC_URL=public))

    with database(home) as session:
        agencies = {a.slug: a for a in session.scalars(select(Agency))}
        assert set(agencies) == DEMO_SLUGS == {"transport", "revenue", "seniors"}
        for demo in AGENCIES:
            clients = session.scalars(
                select(AgencyClient).where(AgencyClient.agency_id == agencies[demo.slug].id)
            ).all()
            assert len(clients) == 1
            assert set(clients[0].scopes.split()) == set(demo.scopes)
        account = session.scalars(select(Account).where(Account.email == DEMO_EMAIL)).one()
        person = session.scalars(select(Person).where(Person.account_id == account.id)).one()
        assert person.agency_id == agencies["transport"].id
        authorisation = session.scalars(
            select(CredentialAuthorisation).where(CredentialAuthorisation.person_id == person.id)
        ).one()
        assert authorisation.credential_type == "driver_licence"
        assert authorisation.agency_id == agencies["transport"].id
        assert authorisation.state == "active"
        assert authorisation.claims == LICENCE_CLAIMS
    store = keystore(home)
    assert store.purposes() == sorted(
        ["service-tokens", "trust-anchor", "issuer:transport", "issuer:revenue", "issuer:seniors"]
    )
    for purpose in store.purposes():
        store.active(purpose)

    path = home / "demo-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = demo_credentials(home)
    assert set(credentials) == DEMO_SLUGS
    transport = credentials["transport"]
    out = result.stdout
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in out
    assert f"{transport['client_id']} / {transport['client_secret']}" in out
    assert f"{public}/docs" in out
    assert f"{public}/openapi.json" in out
    assert f"curl -s {public}/readyz" in out
    assert f"-X POST {public}/v1/sessions" in out
    assert f"curl -s {public}/v1/accounts/me" in out
    assert f"-u '{transport['client_id']}:{transport['client_secret']}'" in out
    assert f"-d grant_type=client_credentials {public}/oauth/token" in out


def test_init_demo_twice_changes_nothing_and_prints_working_credentials(home):
    first = ok(run(home, "init", "--demo"))
    rows = counts(home, DEMO_TABLES)
    credentials = demo_credentials(home)
    keys = {p: len(keystore(home).list_keys(p)) for p in keystore(home).purposes()}

    second = ok(run(home, "init", "--demo"))

    assert counts(home, DEMO_TABLES) == rows
    assert rows["agencies"] == 3
    assert rows["agency_clients"] == 3
    assert rows["accounts"] == rows["people"] == rows["credential_authorisations"] == 1
    assert demo_credentials(home) == credentials
    assert {p: len(keystore(home).list_keys(p)) for p in keystore(home).purposes()} == keys
    transport = credentials["transport"]
    for result in (first, second):
        assert f"{transport['client_id']} / {transport['client_secret']}" in result.stdout
    with web(home) as client:
        for slug, creds in credentials.items():
            token = client_token(client, creds["client_id"], creds["client_secret"])
            assert set(token["scope"].split()) == set(next(a.scopes for a in AGENCIES if a.slug == slug))
        tokens = log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
        me = client.get("/v1/accounts/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 200
        assert me.json["email"] == DEMO_EMAIL
        # Beside the licence, a camera fine to pay and a car due for renewal, once however often init runs.
        fines = client.get("/v1/fines", headers=bearer(tokens["access_token"])).json
        cars = client.get("/v1/vehicles", headers=bearer(tokens["access_token"])).json
        assert [(f["state"], f["owed_cents"]) for f in fines] == [("issued", 41_000)]
        assert [(c["plate"], c["status"], c["can_renew_online"]) for c in cars] == [
            ("DEMO01", "due_soon", True)
        ]


def test_init_demo_is_refused_in_production(home):
    result = run(
        home,
        "init",
        "--demo",
        CREDWALLET_ENV="production",
        CREDWALLET_PUBLIC_URL="https://wallet.example.gov",
    )

    refused(result, "development only")
    assert not (home / "demo-credentials.json").exists()
    assert not (home / "dev-key-passphrase").exists()
    assert keystore(home).purposes() == []
    # Refused before anything is touched: not even the schema is created.
    assert _tables(home) == set()


def _tables(home):
    path = home / "credwallet.sqlite3"
    if not path.exists():
        return set()
    engine = make_engine(f"sqlite:///{path}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# -- agencies and clients --------------------------------------------------------------------------


def test_agency_client_secret_works_and_is_kept_only_as_a_digest(home):
    ok(run(home, "init"))
    created = ok(run(home, "agency", "create", "transport", "--name", "Transport Agency"))
    assert "transport" in created.stdout
    keystore(home).active("issuer:transport")

    result = ok(
        run(
            home,
            "agency",
            "create-client",
            "transport",
            "--name",
            "Fleet system",
            "--scope",
            "people:read",
            "--scope",
            "people:write",
        )
    )

    client_id = re.search(r"^client_id:\s+(\S+)$", result.stdout, re.MULTILINE).group(1)
    secret = re.search(r"^client_secret:\s+(\S+)$", result.stdout, re.MULTILINE).group(1)
    assert "cannot be shown again" in result.stderr
    with web(home) as client:
        token = client_token(client, client_id, secret)
        assert token["scope"] == "people:read people:write"
        wrong = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        )
        assert wrong.status_code == 401
    with database(home) as session:
        row = session.scalars(select(AgencyClient).where(AgencyClient.client_id == client_id)).one()
        assert row.name == "Fleet system"
        assert row.scopes == "people:read people:write"
        assert isinstance(row.secret_digest, bytes)
        assert len(row.secret_digest) == 32
        assert row.secret_digest == hashlib.sha256(secret.encode()).digest()
    # In clear nowhere: not in the database file, its WAL, the audit log, nor any other file.
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ["agency", "create-client", "nope", "--name", "N", "--scope", "people:read"],
            {},
            "no agency 'nope'",
            id="unknown-agency",
        ),
        pytest.param(
            ["agency", "create-client", "transport", "--name", "N", "--scope", "people:fly"],
            {},
            "unknown scope: people:fly",
            id="unknown-scope",
        ),
        pytest.param(
            ["agency", "create", "Bad Slug", "--name", "Bad"],
            {},
            "SLUG must be lower-case",
            id="bad-slug",
        ),
        pytest.param(
            ["agency", "create", "transport", "--name", "Another"],
            {},
            "already exists",
            id="duplicate-agency",
        ),
        pytest.param(["keys", "rotate", "../etc"], {}, "invalid key purpose", id="path-purpose"),
        pytest.param(
            ["init"],
            {"CREDWALLET_KEY_PASSPHRASE": WRONG_PASSPHRASE},
            "wrong passphrase",
            id="wrong-passphrase-init",
        ),
        pytest.param(
            ["keys", "rotate", "service-tokens"],
            {"CREDWALLET_KEY_PASSPHRASE": WRONG_PASSPHRASE},
            "wrong passphrase",
            id="wrong-passphrase-rotate",
        ),
        pytest.param(
            ["agency", "create", "health", "--name", "Health"],
            {"CREDWALLET_KEY_PASSPHRASE": WRONG_PASSPHRASE},
            "wrong passphrase",
            id="wrong-passphrase-new-agency",
        ),
        pytest.param(["init"], {"CREDWALLET_ENV": "staging"}, "CREDWALLET_ENV", id="staging"),
        pytest.param(
            ["init"],
            {"CREDWALLET_ACCESS_TOKEN_TTL": "ten minutes"},
            "CREDWALLET_ACCESS_TOKEN_TTL",
            id="non-numeric-ttl",
        ),
        pytest.param(
            ["init"],
            {"CREDWALLET_LOGIN_LIMIT_ACCOUNT": "lots"},
            "CREDWALLET_LOGIN_LIMIT_ACCOUNT",
            id="bad-rate-limit",
        ),
        pytest.param(
            ["init"],
            {"CREDWALLET_DATABASE_URL": UNREACHABLE_DATABASE},
            "database error",
            id="unreachable-database",
        ),
        pytest.param(
            ["agency", "create", "health", "--name", "Health"],
            {"CREDWALLET_DATABASE_URL": UNREACHABLE_DATABASE},
            "database error",
            id="unreachable-database-agency",
        ),
    ],
)
def test_bad_input_is_a_message_and_exit_2_and_changes_nothing(initialised, args, env, message):
    before = snapshot(initialised)

    result = run(initialised, *args, **env)

    refused(result, message)
    assert snapshot(initialised) == before
    assert not (initialised / "etc").exists()
    assert not (initialised.parent / "etc").exists()


MALFORMED_DATABASE = "postgresql+psycopg://u:s3cret-pw@127.0.0.1:notaport/db"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ["trust", "export", "--out", "/nonexistent-dir/x/bundle.jwt"],
            {},
            "cannot write /nonexistent-dir/x/bundle.jwt: No such file or directory",
            id="export-to-a-missing-folder",
        ),
        pytest.param(
            ["db", "upgrade", "--revision", "bogus"],
            {},
            "Can't locate revision identified by 'bogus'",
            id="unknown-revision",
        ),
        pytest.param(
            ["jobs", "run"],
            {"CREDWALLET_DATABASE_URL": MALFORMED_DATABASE},
            "CREDWALLET_DATABASE_URL is not a database URL",
            id="port-not-a-number",
        ),
        pytest.param(
            ["keys", "rotate", "--issuer", "nope"], {}, "no agency 'nope'", id="issuer-key-of-no-agency"
        ),
        pytest.param(
            ["keys", "rotate", "issuer:nope"], {}, "no agency 'nope'", id="issuer-purpose-of-no-agency"
        ),
    ],
)
def test_input_that_gave_a_traceback_or_an_orphan_key_is_one_line_and_exit_2(initialised, args, env, message):
    before = snapshot(initialised)

    result = run(initialised, *args, **env)

    refused(result, message)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "s3cret-pw" not in result.output
    assert snapshot(initialised) == before  # no key made for an agency that does not exist


# -- keys ------------------------------------------------------------------------------------------


def test_rotating_the_service_key_keeps_earlier_tokens_valid(home):
    ok(run(home, "init"))
    with web(home) as client:
        register(client, "rotate@example.org")
        before = log_in(client, "rotate@example.org")
        old_kid = jwt.get_unverified_header(before["access_token"])["kid"]

        result = ok(run(home, "keys", "rotate", "service-tokens", "--publish-days", "7"))

        new_kid = re.search(r"New active key for service-tokens: (\S+)", result.stdout).group(1)
        assert new_kid != old_kid
        # The running app sees the rotation: both keys published, new tokens signed with the new key,
        # and the token minted before the rotation still opens the account.
        jwks = client.get("/.well-known/jwks.json")
        assert jwks.status_code == 200
        assert [key["kid"] for key in jwks.json["keys"]] == [new_kid, old_kid]
        me = client.get("/v1/accounts/me", headers=bearer(before["access_token"]))
        assert me.status_code == 200
        assert me.json["email"] == "rotate@example.org"
        after = log_in(client, "rotate@example.org")
        assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    with web(home) as client:  # a fresh process (a restarted worker) agrees
        assert [k["kid"] for k in client.get("/.well-known/jwks.json").json["keys"]] == [
            new_kid,
            old_kid,
        ]
        assert client.get("/v1/accounts/me", headers=bearer(before["access_token"])).status_code == 200

    listing = ok(run(home, "keys", "list", "service-tokens")).stdout.splitlines()
    old, new = keystore(home).list_keys("service-tokens")
    assert (old.kid, old.state, new.kid, new.state) == (old_kid, "retired", new_kid, "active")
    assert old.publish_until - old.retired_at == timedelta(days=7)
    assert len(listing) == 2
    assert listing[0].startswith(f"{old_kid}  retired")
    assert listing[0].endswith(f"published until {old.publish_until:%Y-%m-%d %H:%M}Z")
    assert listing[1].startswith(f"{new_kid}  active")
    assert "published until" not in listing[1]
    with database(home) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.event == "key_rotated")).all()
    assert len(events) == 1
    assert (events[0].actor_type, events[0].subject_type, events[0].subject_id) == (
        "operator",
        "key",
        new_kid,
    )
    assert events[0].details == {"purpose": "service-tokens", "publish_days": 7}


# -- database --------------------------------------------------------------------------------------


def test_db_upgrade_is_idempotent(home):
    first = ok(run(home, "db", "upgrade"))
    assert "Database at head." in first.stdout
    ok(run(home, "agency", "create", "transport", "--name", "Transport Agency"))

    ok(run(home, "db", "upgrade"))
    ok(run(home, "db", "upgrade"))

    engine = make_engine(database_url(home))
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    with database(home) as session:
        assert session.scalars(select(Agency.slug)).all() == ["transport"]


# -- key compromise ---------------------------------------------------------------------------------


def test_keys_revoke_withdraws_the_key_and_a_second_run_carries_on(initialised):
    compromised = keystore(initialised).active("issuer:transport").kid

    first = ok(run(initialised, "keys", "revoke", "--kid", compromised, "--issuer", "transport"))
    again = ok(run(initialised, "keys", "revoke", "--kid", compromised, "--issuer", "transport"))

    assert "withdrawn" in first.output
    assert "already withdrawn" in again.output
    store = keystore(initialised)
    assert store.active("issuer:transport").kid != compromised
    assert compromised not in store.verification_keys("issuer:transport", now=datetime.now(UTC))
    with database(initialised) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.event == "key_revoked")).all()
    assert [e.subject_id for e in events] == [compromised]


def test_keys_revoke_with_several_workers_needs_postgresql(initialised):
    compromised = keystore(initialised).active("issuer:transport").kid

    result = run(
        initialised, "keys", "revoke", "--kid", compromised, "--issuer", "transport", "--workers", "2"
    )

    refused(result, "--workers above 1 needs PostgreSQL")
    assert keystore(initialised).active("issuer:transport").kid == compromised  # not withdrawn
    with database(initialised) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.event == "key_revoked")).all() == []


def test_keys_revoke_of_an_unknown_key_or_agency_is_refused(initialised):
    refused(run(initialised, "keys", "revoke", "--kid", "A" * 43, "--issuer", "transport"), "no key")
    refused(run(initialised, "keys", "revoke", "--kid", "A" * 43, "--issuer", "nowhere"), "nowhere")


def test_keys_revoke_takes_a_kid_that_begins_with_a_dash(initialised):
    # One kid in 64 begins with "-" (base64url); it must reach the key store, not the option parser.
    refused(run(initialised, "keys", "revoke", "--kid", "-E" + "A" * 41, "--issuer", "transport"), "no key")


def test_jobs_run_reports_what_it_did_and_can_run_again(initialised):
    first = ok(run(initialised, "jobs", "run"))
    again = ok(run(initialised, "jobs", "run"))

    assert "credentials marked for a birthday: 0" in first.output
    assert "pushes delivered: 0" in again.output


def test_jobs_run_refuses_a_half_configured_push_webhook(initialised):
    refused(
        run(initialised, "jobs", "run", CREDWALLET_PUSH_WEBHOOK_URL="https://push.example.gov/hook"), "SECRET"
    )
