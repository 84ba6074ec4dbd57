"""The agency side of issuance: authorise a credential (and get its offer, or another one for a new phone),
list what was issued, and revoke, suspend or reinstate it."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from verifier.qrdraw import qr_png, qr_svg
from wallet.agencies.models import Agency
from wallet.auth.guards import agency_required, caller_actor, current_agency
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.issuance.models import IssuedCredential
from wallet.issuance.offers import Offer
from wallet.issuance.schemas import (
    AuthoriseSchema,
    ClaimsSchema,
    CredentialsQuerySchema,
    IssuedCredentialSchema,
    OfferSchema,
    PersonStatusChangeSchema,
    RefreshMarkedSchema,
    StatusChangeSchema,
)
from wallet.issuance.service import IssuanceService, issuer_url
from wallet.runtime import runtime

blp = Blueprint("agency_issuance", __name__, url_prefix="/v1/agency", description="Issuing credentials")


def _caller_agency() -> Agency:
    return request_session().get_one(Agency, current_agency().agency_id)


def _own_person(person_id: uuid.UUID) -> Agency:
    """The calling agency, once it is clear the person is its own. Raises NotFound otherwise."""
    agency = _caller_agency()
    runtime().agencies(request_session()).get_person(agency.id, person_id)
    return agency


def _issuance() -> IssuanceService:
    return runtime().issuance(request_session())


@blp.route("/people/<uuid:person_id>/authorisations", methods=["POST"])
@blp.operation("authoriseCredential")
@agency_required(blp, "credentials:issue")
@blp.arguments(AuthoriseSchema)
@blp.response(201, OfferSchema)
@blp.problems(404, 409, 422)
def authorise(body: dict[str, Any], person_id: uuid.UUID) -> dict[str, Any]:
    """Authorise a credential for a person, and get the offer to hand over

    The offer URI (also as a QR code) carries a single-use pre-authorized code; the transaction code must
    reach the person by another channel. Both expire after 15 minutes. A person holds one credential of a
    type: this replaces an authorisation of the type in force, and what it issued is revoked (409
    authorisation_suspended if it is suspended). For another phone of the same person, ask for another
    offer of the authorisation instead.
    """
    agency = _caller_agency()
    offer = (
        runtime()
        .offers(request_session())
        .authorise(
            agency,
            person_id=person_id,
            credential_type=body["credential_type"],
            claims=body["claims"],
            issuer=issuer_url(runtime().settings.public_url, agency.slug),
            actor=caller_actor(),
        )
    )
    return _handed_over(offer)


@blp.route("/authorisations/<uuid:authorisation_id>/offers", methods=["POST"])
@blp.operation("offerAgain")
@agency_required(blp, "credentials:issue")
@blp.response(201, OfferSchema)
@blp.problems(404, 409)
def offer_again(authorisation_id: uuid.UUID) -> dict[str, Any]:
    """A new offer of an authorisation in force, for another of the person's phones

    What was already issued stays valid (a new authorisation would replace it). The offer expires after 15
    minutes, like the first. 409 authorisation_withdrawn, or authorisation_suspended while it or a card
    issued from it is suspended.
    """
    agency, issuance = _caller_agency(), _issuance()
    authorisation = issuance.authorisation(agency, authorisation_id)
    issuer = issuer_url(runtime().settings.public_url, agency.slug)
    return _handed_over(issuance.offers.offer_again(authorisation, issuer=issuer))


def _handed_over(offer: Offer) -> dict[str, Any]:
    """The offer as the counter hands it over: the URI, also drawn as QR codes, and the transaction code."""
    return {
        "authorisation_id": offer.authorisation.id,
        "credential_offer": offer.offer,
        "credential_offer_uri": offer.uri,
        "tx_code": offer.tx_code,
        "qr_svg": qr_svg(offer.uri),
        "qr_png": "data:image/png;base64," + base64.b64encode(qr_png(offer.uri)).decode("ascii"),
    }


@blp.route("/authorisations/<uuid:authorisation_id>", methods=["PATCH"])
@blp.operation("replaceAuthorisationClaims")
@agency_required(blp, "credentials:issue")
@blp.arguments(ClaimsSchema)
@blp.response(200, RefreshMarkedSchema)
@blp.problems(404, 422)
def replace_claims(body: dict[str, Any], authorisation_id: uuid.UUID) -> dict[str, int]:
    """Change what a credential says (new address, new licence class): its holders get a fresh copy"""
    authorisation = _issuance().authorisation(_caller_agency(), authorisation_id)
    changes = runtime().record_changes(request_session())
    return {"marked_for_refresh": changes.replace_claims(authorisation, body["claims"])}


@blp.route("/people/<uuid:person_id>/credentials", methods=["GET"])
@blp.operation("listIssuedCredentials")
@agency_required(blp, "credentials:issue")
@blp.arguments(CredentialsQuerySchema, location="query")
@blp.response(200, IssuedCredentialSchema(many=True))
@blp.problems(404)
def issued(query: dict[str, Any], person_id: uuid.UUID) -> list[IssuedCredential]:
    """What was issued to a person (records only: we keep no copy of the credentials)"""
    agency = _own_person(person_id)
    return _issuance().credentials_of(agency, person_id, query.get("credential_type"))


@blp.route("/credentials/<uuid:credential_id>/status", methods=["POST"])
@blp.operation("changeCredentialStatus")
@agency_required(blp, "credentials:revoke")
@blp.arguments(StatusChangeSchema)
@blp.response(200, IssuedCredentialSchema(many=True))
@blp.problems(404, 409, 422)
def change_status(body: dict[str, Any], credential_id: uuid.UUID) -> list[IssuedCredential]:
    """Revoke, suspend or reinstate one credential (its proof-of-age companion follows)"""
    service = _issuance()
    agency = _caller_agency()
    credential = service.credential(agency, credential_id)
    return service.statuses.change_one(
        credential, body["status"], reason=body["reason"], actor=caller_actor()
    )


@blp.route("/people/<uuid:person_id>/credentials/status", methods=["POST"])
@blp.operation("changePersonCredentialsStatus")
@agency_required(blp, "credentials:revoke")
@blp.arguments(PersonStatusChangeSchema)
@blp.response(200, IssuedCredentialSchema(many=True))
@blp.problems(404, 409, 422)
def change_person_status(body: dict[str, Any], person_id: uuid.UUID) -> list[IssuedCredential]:
    """Revoke, suspend or reinstate every credential of one type held by a person"""
    agency = _own_person(person_id)
    return _issuance().statuses.change_for_person(
        agency.id,
        person_id,
        body["credential_type"],
        body["status"],
        reason=body["reason"],
        actor=caller_actor(),
    )
