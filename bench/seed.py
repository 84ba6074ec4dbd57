"""The load benchmark's data, made by the product's own code: ``credwallet init --demo`` (agencies, the demo
citizen and their linked licence record), offers authorised through the offer service, and credentials
collected over HTTP from the running server by the reference holder (wallet.holder), bound to two phones."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.serving import CREDWALLET, REPOSITORY, LoopbackTransport, Running, free_port, server_env, serving
from wallet.agencies.models import Person
from wallet.audit.service import Actor
from wallet.clock import SystemClock
from wallet.config import load_settings
from wallet.db import make_engine
from wallet.demo import DEMO_EMAIL, DEMO_PASSWORD, LICENCE_CLAIMS
from wallet.holder.oid4vci import DeviceKey, HolderClient, parse_offer
from wallet.issuance.service import issuer_url
from wallet.runtime import build_runtime

DEMO_RECORD = "P0001234"  # the demo citizen's licence record (wallet.demo)
WARM_UP_REQUESTS = 6  # a few per worker: first requests import and build what later ones reuse
# The credential endpoint's load comes from several citizens: one citizen's requests take turns on their
# authorisation (wallet.issuance.status), as many citizens' do not.
CITIZENS = 8
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the shared test server (README, Tests)


@contextlib.contextmanager
def demo_server(
    home: Path, *, workers: int, database_url: str | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[Running, dict[str, str]]]:
    """``credwallet init --demo`` then ``credwallet serve`` with state under ``home`` (and the database at
    ``database_url``, SQLite under ``home`` if None), ``settings`` added to its environment: the server and
    that environment."""
    port = free_port()
    env = server_env(home / "var", f"http://127.0.0.1:{port}") | dict(settings or {})
    if database_url:
        env["CREDWALLET_DATABASE_URL"] = database_url
    init_demo(env)
    command = [CREDWALLET, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with serving(command, port=port, env=env, log=home / "credwallet.log") as running:
        yield running, env


@contextlib.contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A scratch schema on the local PostgreSQL, dropped afterwards: its database URL, or None when no
    PostgreSQL answers on 127.0.0.1:5432."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        yield None
        return
    schema = f"credwallet_bench_{os.getpid()}"
    admin = make_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            # One left by a run of the same pid that was killed before its clean-up.
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def init_demo(env: Mapping[str, str]) -> None:
    """``credwallet init --demo`` in the benchmark's data dir: migrations, keys, demo agencies and citizen."""
    subprocess.run(  # noqa: S603 - our own command, no shell
        [CREDWALLET, "init", "--demo"],
        env=dict(env),
        cwd=REPOSITORY,
        capture_output=True,
        timeout=180,
        check=True,
    )


def licence_offer(env: Mapping[str, str]) -> tuple[str, str]:
    """A new driver-licence offer for the demo citizen's record: its URI and transaction code. It replaces
    the record's authorisation in force, revoking what that issued: call it once per server."""
    [offer] = licence_offers(env, [DEMO_RECORD])
    return offer


def licence_offers(env: Mapping[str, str], records: list[str]) -> list[tuple[str, str]]:
    """A driver-licence offer (URI, transaction code) for each licence record named, made if it is new."""
    settings = load_settings(environ=env)
    rt = build_runtime(settings, SystemClock())
    try:
        with rt.db.session() as session, session.begin():
            transport = rt.agencies(session).find_agency("transport")
            offers = []
            for n, record in enumerate(records):
                person = session.scalars(select(Person).where(Person.agency_ref == record)).first()
                person = person or rt.agencies(session).create_person(
                    transport.id,
                    agency_ref=record,
                    given_name="Alex",
                    family_name="Citizen",
                    birthdate=date(1990, 4, 12),
                )
                offer = rt.offers(session).authorise(
                    transport,
                    person_id=person.id,
                    credential_type="driver_licence",
                    claims=LICENCE_CLAIMS if record == DEMO_RECORD else _numbered(LICENCE_CLAIMS, n),
                    issuer=issuer_url(settings.public_url, "transport"),
                    actor=Actor("operator", "bench"),
                )
                offers.append((offer.uri, offer.tx_code))
            return offers
    finally:
        rt.db.dispose()


def _numbered(claims: dict[str, Any], n: int) -> dict[str, Any]:
    """The demo licence with numbers of its own: a licence or card number belongs to one record."""
    return {**claims, "licence_number": f"B{n:07d}", "card_number": f"C{n:09d}"}


def collect_credentials(env: Mapping[str, str]) -> int:
    """The demo citizen's licence and proof-of-age, on two phones; returns how many credentials came."""
    uri, tx_code = licence_offer(env)
    received = HolderClient(LoopbackTransport()).accept_offer(uri, tx_code, [DeviceKey(), DeviceKey()])
    return sum(len(r.credentials) for r in received)


def citizen_token(base: str) -> str:
    """An access token of the demo citizen, from the app API's log-in."""
    body = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    reply = LoopbackTransport().request("POST", f"{base}/v1/sessions", json_body=body)
    if reply.status != 201:
        raise RuntimeError(f"the demo citizen cannot log in: {reply.status} {reply.body}")
    token: str = reply.body["access_token"]
    return token


def credential_requests(env: Mapping[str, str], count: int, out: Path) -> str:
    """``count`` credential requests from CITIZENS citizens in turn, each on a phone of their own, one per
    line in ``out`` as ``<Authorization header>\t<body>`` (a fresh nonce and key proof in each), after a
    few requests that warm every worker. Returns the credential endpoint."""
    records = [f"BENCH-{n:04d}" for n in range(CITIZENS)]
    holder = HolderClient(LoopbackTransport())
    citizens, metadata = [], {}
    for uri, tx_code in licence_offers(env, records):
        offer = parse_offer(uri)
        metadata = holder.metadata(offer["credential_issuer"])
        citizens.append((f"Bearer {holder.redeem(offer, tx_code)}", DeviceKey()))
    for n in range(WARM_UP_REQUESTS):
        token, device = citizens[n % CITIZENS]
        holder.request_credentials(metadata, token.removeprefix("Bearer "), "driver_licence", [device])
    with out.open("w", encoding="utf-8") as lines:
        for n in range(count):
            authorization, device = citizens[n % CITIZENS]
            lines.write(f"{authorization}\t{_request_body(holder, metadata, device)}\n")
    endpoint: str = metadata["credential_endpoint"]
    return endpoint


def _request_body(holder: HolderClient, metadata: dict[str, Any], device: DeviceKey) -> str:
    proof = device.proof(issuer=metadata["credential_issuer"], nonce=holder.nonce(metadata))
    body = {"credential_configuration_id": "driver_licence", "proofs": {"jwt": [proof]}}
    return json.dumps(body, separators=(",", ":"))
