"""Applications fixtures: the seniors agency that decides them, citizens with (or without) linked records."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import func, select

from tests.factories import agency_client, agency_token, bearer, citizen
from tests.wallet.issuance.conftest import FlaskTransport, issuer_jwks
from wallet.agencies.errors import UnknownAgency
from wallet.applications.models import Application
from wallet.audit.models import AuditEvent
from wallet.holder.oid4vci import HolderClient
from wallet.issuance.models import CredentialAuthorisation
from wallet.notifications.models import Notification
from wallet.runtime import Runtime

SENIORS_SCOPES = ("people:read", "people:write", "credentials:issue", "applications:decide")
SENIORS = "/issuers/seniors"
DECLARATIONS: dict[str, Any] = {
    "nsw_resident": True,
    "paid_work_hours_per_week": 10,
    "statutory_declaration_accepted": True,
}
# The tests' clock reads 2026-11-22 09:00 UTC (20:00 in Sydney): whoever was born on these days is...
SIXTY_TODAY = date(1966, 11, 22)
SIXTY_TOMORROW = date(1966, 11, 23)
OLD_ENOUGH = date(1950, 2, 1)


VERIFIED = {"given_name": "Robin", "family_name": "Elder", "birthdate": "1950-02-01"}
APPROVE = {
    "decision": "approve",
    "reason": "Birth certificate checked at the counter.",
    "verified_person": VERIFIED,
}
DECLINE = {"decision": "decline", "reason": "The documents show you live in Queensland."}


class Citizen:
    """A logged-in citizen: their account id and app access token."""

    def __init__(self, client: FlaskClient, email: str) -> None:
        self.client = client
        self.access_token: str = citizen(client, email)["access_token"]
        me = client.get("/v1/accounts/me", headers=self.headers)
        assert me.status_code == 200, me.json
        self.account_id = uuid.UUID(me.json["id"])

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)

    def apply(self, body: Any = None, **declarations: Any):
        """POST an application: ``body`` as given, else a seniors card with DECLARATIONS changed."""
        if body is None:
            body = {"type": "seniors_card", "declarations": {**DECLARATIONS, **declarations}}
        return self.client.post("/v1/applications", json=body, headers=self.headers)

    def applied(self, **declarations: Any) -> dict[str, Any]:
        response = self.apply(**declarations)
        assert response.status_code == 201, response.json
        application: dict[str, Any] = response.json
        return application

    def application(self, application_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/applications/{application_id}", headers=self.headers)
        assert response.status_code == 200, response.json
        shown: dict[str, Any] = response.json
        return shown


@pytest.fixture
def seniors(rt, client) -> str:
    """A token of the seniors agency (which decides applications), with its issuer key in place."""
    creds = agency_client(rt, "seniors", SENIORS_SCOPES)
    rt.keystore.ensure_active("issuer:seniors", now=rt.clock.now())
    return agency_token(client, creds)


@pytest.fixture
def applicant(client, seniors) -> Citizen:
    return Citizen(client, "applicant@example.org")


@pytest.fixture
def other(client, seniors) -> Citizen:
    return Citizen(client, "other@example.org")


@pytest.fixture
def pending(applicant) -> dict[str, Any]:
    """An application of ``applicant`` waiting for the agency: no record confirms their age."""
    shown = applicant.applied()
    assert shown["status"] == "pending"
    return shown


@pytest.fixture
def holder(client, clock) -> HolderClient:
    return HolderClient(FlaskTransport(client), clock=lambda: clock.now().timestamp())


def link_record(
    rt: Runtime,
    account_id: uuid.UUID,
    birthdate: date,
    *,
    slug: str = "transport",
    ref: str = "P-1",
    given_name: str = "Robin",
) -> uuid.UUID:
    """A record at the agency ``slug`` (made if missing), linked to the account, committed."""
    with rt.db.session() as session:
        agencies = rt.agencies(session)
        try:
            agency = agencies.find_agency(slug)
        except UnknownAgency:
            agency = agencies.create_agency(slug=slug, name=slug.title())
        person = agencies.create_person(
            agency.id, agency_ref=ref, given_name=given_name, family_name="Elder", birthdate=date(1950, 1, 1)
        )
        # Written to the row, past create_person's check: a record stored before birthdates were checked
        # can hold what the agency API now refuses.
        person.birthdate, person.account_id = birthdate, account_id
        session.commit()
        return person.id


def decide(client: FlaskClient, token: str, application_id: str, body: dict[str, Any]):
    return client.post(f"/v1/agency/applications/{application_id}/decision", json=body, headers=bearer(token))


def still_pending(rt: Runtime, application_id: str) -> None:
    """The application is undecided and nothing was granted, audited as decided, or notified."""
    [application] = rows(rt, Application, Application.id == uuid.UUID(application_id))
    assert application.status == "pending"
    assert application.authorisation_id is None
    assert count(rt, CredentialAuthorisation) == 0
    assert count(rt, AuditEvent, AuditEvent.event == "application_decided") == 0
    assert count(rt, Notification) == 0


def count(rt: Runtime, model: type, *where: Any) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def rows(rt: Runtime, model: type, *where: Any) -> list[Any]:
    with rt.db.session() as session:
        return list(session.scalars(select(model).where(*where)))


def verify_card(client: FlaskClient, credential: str) -> dict[str, Any]:
    """Verify an SD-JWT VC of the seniors issuer with the reference implementation; its claims."""
    keys = {key["kid"]: key for key in issuer_jwks(client, SENIORS)["keys"]}

    def issuer_key(_issuer: str, header: dict[str, Any]) -> JWK:
        return JWK(**keys[header["kid"]])

    claims: dict[str, Any] = SDJWTVerifier(credential, issuer_key).get_verified_payload()
    return claims
