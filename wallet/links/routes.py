"""Linking an account to agency records: by the numbers on a card, or by a one-time code."""

from __future__ import annotations

import uuid
from typing import Any

from wallet.agencies.models import Agency, Person
from wallet.auth.guards import (
    agency_required,
    caller_actor,
    citizen_required,
    current_agency,
    current_citizen,
)
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.links.schemas import LinkCodeSchema, LinkRequestSchema, LinkSchema
from wallet.links.service import LinkService
from wallet.runtime import runtime

blp = Blueprint("links", __name__, url_prefix="/v1", description="Linking the account to agency records")
agency_blp = Blueprint("agency_links", __name__, url_prefix="/v1/agency", description="Link codes")


def _links() -> LinkService:
    return runtime().links(request_session())


def _shown(person: Person, agency: Agency) -> dict[str, str]:
    return {
        "agency": agency.slug,
        "agency_name": agency.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
    }


@blp.route("/links", methods=["POST"])
@blp.operation("linkRecord")
@citizen_required(blp)
@blp.arguments(LinkRequestSchema)
@blp.response(201, LinkSchema)
@blp.problems(422, 429)
def link(body: dict[str, Any]) -> dict[str, str]:
    """Link an agency record to the account

    By the licence number and card number on the card, or by the one-time code the agency gave. Any
    mismatch gets the same answer, and attempts are limited.
    """
    account_id, actor = current_citizen().account_id, caller_actor()
    if "code" in body:
        person = _links().by_code(account_id, agency=body["agency"], code=body["code"], actor=actor)
    else:
        person = _links().by_card(
            account_id, licence_number=body["licence_number"], card_number=body["card_number"], actor=actor
        )
    return _shown(person, request_session().get_one(Agency, person.agency_id))


@blp.route("/links", methods=["GET"])
@blp.operation("listLinks")
@citizen_required(blp)
@blp.response(200, LinkSchema(many=True))
def links() -> list[dict[str, str]]:
    """The agency records linked to the account"""
    return [_shown(person, agency) for person, agency in _links().linked(current_citizen().account_id)]


@agency_blp.route("/people/<uuid:person_id>/link-codes", methods=["POST"])
@agency_blp.operation("issueLinkCode")
@agency_required(agency_blp, "people:write")
@agency_blp.response(201, LinkCodeSchema)
@agency_blp.problems(404)
def issue_code(person_id: uuid.UUID) -> dict[str, Any]:
    """A one-time code the person enters in the app to link this record to their account"""
    code, expires_at = _links().issue_code(current_agency().agency_id, person_id)
    return {"code": code, "expires_at": expires_at}
