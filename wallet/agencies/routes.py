"""Agencies: the OAuth token endpoint (client credentials) and people records."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from werkzeug.datastructures import Authorization

from wallet.agencies.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from wallet.agencies.models import Person
from wallet.agencies.schemas import ClientTokenSchema, PersonSchema, PersonUpdateSchema, TokenRequestSchema
from wallet.agencies.service import AgencyService, ClientToken
from wallet.auth.guards import agency_required, caller_actor, current_agency, public
from wallet.db import request_session
from wallet.http import Blueprint, text_problem
from wallet.runtime import runtime

oauth = Blueprint("oauth", __name__, url_prefix="/oauth", description="Agency client authentication")
blp = Blueprint("agency", __name__, url_prefix="/v1/agency", description="The agency API")


def _agencies() -> AgencyService:
    return runtime().agencies(request_session())


def _client_credentials(body: dict[str, Any]) -> tuple[str, str]:
    """The client id and secret from HTTP Basic or from the body, not both (RFC 6749 section 2.3.1)."""
    basic = request.authorization
    in_body = "client_id" in body or "client_secret" in body
    if basic is not None and basic.type == "basic":
        if in_body:
            raise InvalidRequest("authenticate with HTTP Basic or the body, not both")
        return _basic_credentials(basic)
    if "client_id" in body and "client_secret" in body:
        return body["client_id"], body["client_secret"]
    raise InvalidClient("send the client id and secret (HTTP Basic, or client_id and client_secret)")


def _basic_credentials(basic: Authorization) -> tuple[str, str]:
    """The id and secret of HTTP Basic, held to the rules the body's client_id and client_secret meet in the
    parser and the schema: a NUL would fail the client lookup (and the audit of the failure) in PostgreSQL."""
    credentials = {"client_id": basic.username or "", "client_secret": basic.password or ""}
    if any(text_problem(value) for value in credentials.values()):
        raise InvalidRequest("the HTTP Basic client id and secret must be text without NUL characters")
    if TokenRequestSchema().validate(credentials):
        raise InvalidRequest("the HTTP Basic client id or secret is longer than any client's")
    return credentials["client_id"], credentials["client_secret"]


@oauth.route("/token", methods=["POST"])
@oauth.operation("requestAgencyToken")
@public(oauth)
@oauth.arguments(TokenRequestSchema, location="form")
@oauth.response(200, ClientTokenSchema)
@oauth.problems(400, 401, 415, 422)
def token(body: dict[str, Any]) -> ClientToken:
    """Client credentials grant: an access token for the agency API

    Codes are those of RFC 6749 section 5.2 (``invalid_client``, ``invalid_scope``,
    ``unsupported_grant_type``), also given as ``error``.
    """
    if not body.get("grant_type"):
        raise InvalidRequest("grant_type is missing")
    if body["grant_type"] != "client_credentials":
        raise UnsupportedGrantType()
    agencies = _agencies()
    client_id, secret = _client_credentials(body)
    actor = caller_actor()
    client = agencies.authenticate_client(client_id, secret, actor=actor)
    return agencies.issue_token(client, requested=body.get("scope"), actor=actor)


@blp.route("/people", methods=["POST"])
@blp.operation("createPerson")
@agency_required(blp, "people:write")
@blp.arguments(PersonSchema)
@blp.response(201, PersonSchema)
@blp.problems(409, 422)
def create_person(body: dict[str, Any]) -> Person:
    """Create a person record"""
    return _agencies().create_person(current_agency().agency_id, **body)


@blp.route("/people/<uuid:person_id>", methods=["PATCH"])
@blp.operation("updatePerson")
@agency_required(blp, "people:write")
@blp.arguments(PersonUpdateSchema)
@blp.response(200, PersonSchema)
@blp.problems(404, 422)
def update_person(body: dict[str, Any], person_id: uuid.UUID) -> Person:
    """Update a person record; credentials issued from it are marked for re-issue"""
    session = request_session()
    person = _agencies().update_person(current_agency().agency_id, person_id, body)
    runtime().record_changes(session).person_changed(person)
    return person


@blp.route("/people/<uuid:person_id>", methods=["GET"])
@blp.operation("getPerson")
@agency_required(blp, "people:read")
@blp.response(200, PersonSchema)
@blp.problems(404)
def get_person(person_id: uuid.UUID) -> Person:
    """One of the agency's person records"""
    return _agencies().get_person(current_agency().agency_id, person_id)
