"""Demo data for development: three agencies with API clients, and a citizen with a licence authorisation.

Idempotent: a second run finds what the first made. The demo clients' secrets are written once to
``<data dir>/demo-credentials.json`` (mode 0600, development only) so that the printed examples keep working.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet.accounts.models import Account
from wallet.agencies.errors import UnknownAgency
from wallet.agencies.models import Agency, AgencyClient
from wallet.audit.service import Actor
from wallet.fines.service import Notice
from wallet.issuance.models import CredentialAuthorisation
from wallet.links.service import record_identifiers
from wallet.runtime import Runtime
from wallet.vehicles.register import VehicleRecord, VehicleRegister

DEMO_EMAIL = "demo@credwallet.example"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the published password of a development-only account
OPERATOR = Actor("operator", "credwallet init --demo")


@dataclass(frozen=True, slots=True)
class DemoAgency:
    slug: str
    name: str
    scopes: tuple[str, ...]


AGENCIES = (
    DemoAgency(
        "transport",
        "Transport Agency",
        (
            "people:read",
            "people:write",
            "credentials:issue",
            "credentials:revoke",
            "demerits:write",
            "vehicles:write",
        ),
    ),
    DemoAgency("revenue", "Revenue Office", ("people:read", "people:write", "fines:write")),
    DemoAgency(
        "seniors",
        "Seniors Card Office",
        (
            "people:read",
            "people:write",
            "credentials:issue",
            "credentials:revoke",
            "applications:decide",
        ),
    ),
)

LICENCE_CLAIMS: dict[str, Any] = {
    "given_name": "Alex",
    "family_name": "Citizen",
    "birthdate": "1990-04-12",
    "address": {
        "street_address": "1 Example Street",
        "locality": "Parramatta",
        "region": "NSW",
        "postal_code": "2150",
    },
    "licence_number": "12345678",
    "card_number": "2098765432",
    "licence_class": ["C"],
    "licence_type": "unrestricted",
    "conditions": [],
    "issue_date": "2024-04-12",
    "expiry_date": "2029-04-12",
}


def load(session: Session, rt: Runtime) -> dict[str, dict[str, str]]:
    """Create whatever demo data is missing; return the demo clients' credentials by agency."""
    credentials = _read_credentials(rt.settings.data_dir)
    for demo in AGENCIES:
        agency = _agency(session, rt, demo)
        known = credentials.get(demo.slug, {}).get("client_id")
        if not known or not _client_exists(session, known):
            new = rt.agencies(session).create_client(
                agency, name=f"{demo.name} demo client", scopes=demo.scopes, actor=OPERATOR
            )
            credentials[demo.slug] = {
                "client_id": new.client.client_id,
                "client_secret": new.secret,
            }
    _citizen(session, rt)
    session.flush()
    _write_credentials(rt.settings.data_dir, credentials)
    return credentials


def _agency(session: Session, rt: Runtime, demo: DemoAgency) -> Agency:
    agencies = rt.agencies(session)
    try:
        return agencies.find_agency(demo.slug)
    except UnknownAgency:
        return agencies.create_agency(slug=demo.slug, name=demo.name)


def _citizen(session: Session, rt: Runtime) -> None:
    if session.scalar(select(Account).where(Account.email == DEMO_EMAIL)):
        return
    account = rt.accounts(session).register(
        email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Alex Citizen", actor=OPERATOR
    )
    transport = rt.agencies(session).find_agency("transport")
    person = rt.agencies(session).create_person(
        transport.id,
        agency_ref="P0001234",
        given_name="Alex",
        family_name="Citizen",
        birthdate=date(1990, 4, 12),
    )
    person.account_id = account.id
    record_identifiers(session, transport.id, person.id, LICENCE_CLAIMS)
    session.add(
        CredentialAuthorisation(
            agency_id=transport.id,
            person_id=person.id,
            credential_type="driver_licence",
            claims=LICENCE_CLAIMS,
            created_at=rt.clock.now(),
        )
    )
    session.flush()
    _fine_and_car(session, rt)


def _fine_and_car(session: Session, rt: Runtime) -> None:
    """Something for the app to show beside the licence: a camera fine to pay, and a car due for renewal."""
    fines = rt.fines(session)
    today = fines.today
    notice = Notice(
        notice_number="4000000001",
        licence_number=LICENCE_CLAIMS["licence_number"],
        plate=None,
        offence_code="SPEED-74704",
        offence_description="Exceed speed limit by more than 10 km/h",
        offence_at=rt.clock.now() - timedelta(days=10),
        place="Great Western Highway, Blaxland",
        detection="camera",
        amount_cents=41_000,
        points=3,
        due_date=today + timedelta(days=21),
    )
    fines.lodge(rt.agencies(session).find_agency("revenue").id, notice, actor=OPERATOR)
    register = VehicleRegister(rt.vehicles(session))
    car = VehicleRecord(
        plate="DEMO01",
        vin="6T1BF3FK50X000001",
        make="Toyota",
        model="Corolla",
        year=today.year - 3,
        body_type="Sedan",
        vehicle_type="car",
        tare_kg=1300,
        operator_licence=LICENCE_CLAIMS["licence_number"],
        expiry=today + timedelta(days=30),
        status="current",
    )
    vehicle = register.register(rt.agencies(session).find_agency("transport").id, car, actor=OPERATOR)
    register.add_ctp(
        vehicle,
        {
            "insurer": "Demo Insurance",
            "policy_number": "CTP-DEMO-1",
            "starts_on": car.expiry - timedelta(days=30),
            "ends_on": car.expiry + timedelta(days=366),
        },
        actor=OPERATOR,
    )


def _client_exists(session: Session, client_id: str) -> bool:
    return session.scalar(select(AgencyClient.id).where(AgencyClient.client_id == client_id)) is not None


def _credentials_path(data_dir: Path) -> Path:
    return data_dir / "demo-credentials.json"


def _read_credentials(data_dir: Path) -> dict[str, dict[str, str]]:
    path = _credentials_path(data_dir)
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _write_credentials(data_dir: Path, credentials: dict[str, dict[str, str]]) -> None:
    path = _credentials_path(data_dir)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(credentials, f, indent=2)
    os.replace(temp, path)
