"""Applications: the citizen applies through the app; the agency decides what the rules cannot."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from wallet.applications.cards import Holder
from wallet.applications.models import Application
from wallet.applications.presenting import citizen_view
from wallet.applications.rules import Declarations
from wallet.applications.schemas import (
    AgencyApplicationSchema,
    AgencyListQuerySchema,
    ApplicationRequestSchema,
    ApplicationSchema,
    DecisionSchema,
)
from wallet.applications.service import ApplicationService
from wallet.auth.guards import (
    agency_required,
    caller_actor,
    citizen_required,
    current_agency,
    current_citizen,
)
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.ratelimit import parse_rules
from wallet.runtime import runtime

blp = Blueprint("applications", __name__, url_prefix="/v1", description="Applications for cards")
agency_blp = Blueprint(
    "agency_applications", __name__, url_prefix="/v1/agency", description="Deciding applications"
)
DECIDE = "applications:decide"


def _applications() -> ApplicationService:
    rt = runtime()
    session = request_session()
    return ApplicationService(
        session,
        clock=rt.clock,
        agencies=rt.agencies(session),
        offers=rt.offers(session),
        base_url=rt.settings.public_url,
        limiter=rt.limiter,
        rules=parse_rules(rt.settings.application_limit_account),
    )


def _shown(application: Application) -> dict[str, Any]:
    return citizen_view(application, runtime().settings.public_url)


def _shown_to_agency(service: ApplicationService, application: Application) -> dict[str, Any]:
    applicant = service.applicant(application)
    return {
        **_shown(application),
        "applicant": {
            "account_id": applicant.id,
            "email": applicant.email,
            "display_name": applicant.display_name,
        },
        "confirmed_birthdate": application.birthdate,
    }


@blp.route("/applications", methods=["POST"])
@blp.operation("submitApplication")
@citizen_required(blp)
@blp.arguments(ApplicationRequestSchema)
@blp.response(201, ApplicationSchema)
@blp.problems(409, 422, 429, 503)
def submit(body: dict[str, Any]) -> dict[str, Any]:
    """Apply for a card

    Decided at once when the rules can decide (age from a record linked to the account, the declarations);
    otherwise pending until the agency decides. An approved card is then collected by the app with its
    session, at the issuer named in ``collect``.
    """
    application = _applications().submit(
        current_citizen().account_id,
        kind=body["type"],
        declarations=Declarations(**body["declarations"]),
        actor=caller_actor(),
    )
    return _shown(application)


@blp.route("/applications", methods=["GET"])
@blp.operation("listMyApplications")
@citizen_required(blp)
@blp.response(200, ApplicationSchema(many=True))
def list_mine() -> list[dict[str, Any]]:
    """The citizen's applications, newest first"""
    return [_shown(a) for a in _applications().of_account(current_citizen().account_id)]


@blp.route("/applications/<uuid:application_id>", methods=["GET"])
@blp.operation("getMyApplication")
@citizen_required(blp)
@blp.response(200, ApplicationSchema)
@blp.problems(404)
def get_mine(application_id: uuid.UUID) -> dict[str, Any]:
    """One of the citizen's applications: its status and why"""
    return _shown(_applications().for_account(current_citizen().account_id, application_id))


@agency_blp.route("/applications", methods=["GET"])
@agency_blp.operation("listAgencyApplications")
@agency_required(agency_blp, DECIDE)
@agency_blp.arguments(AgencyListQuerySchema, location="query", unknown=ma.RAISE)  # a typo must not list all
@agency_blp.response(200, AgencyApplicationSchema(many=True))
@agency_blp.problems(422)
def list_for_agency(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The applications this agency decides, oldest first; ``state=pending`` for those waiting"""
    service = _applications()
    found = service.of_agency(current_agency().agency_id, status=query.get("state"), limit=query["limit"])
    return [_shown_to_agency(service, a) for a in found]


@agency_blp.route("/applications/<uuid:application_id>", methods=["GET"])
@agency_blp.operation("getAgencyApplication")
@agency_required(agency_blp, DECIDE)
@agency_blp.response(200, AgencyApplicationSchema)
@agency_blp.problems(404)
def get_for_agency(application_id: uuid.UUID) -> dict[str, Any]:
    """One application this agency decides"""
    service = _applications()
    return _shown_to_agency(service, service.for_agency(current_agency().agency_id, application_id))


@agency_blp.route("/applications/<uuid:application_id>/decision", methods=["POST"])
@agency_blp.operation("decideApplication")
@agency_required(agency_blp, DECIDE)
@agency_blp.arguments(DecisionSchema)
@agency_blp.response(200, AgencyApplicationSchema)
@agency_blp.problems(404, 409, 422)
def decide(body: dict[str, Any], application_id: uuid.UUID) -> dict[str, Any]:
    """Approve or decline a pending application, with the reason the citizen will read

    Approving authorises the card; the rules still apply (a card they would refuse is 422
    ``approval_contradicts_rules``). A decided application cannot be decided again (409).
    """
    service = _applications()
    verified = body.get("verified_person")
    application = service.decide(
        current_agency().agency_id,
        application_id,
        approve=body["decision"] == "approve",
        reason=body["reason"].strip(),
        verified=Holder(**verified) if verified else None,
        actor=caller_actor(),
    )
    return _shown_to_agency(service, application)
