"""Vehicles in the app (list, quote, renew), and the public registration check."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from sqlalchemy.orm import Session

from wallet.auth.guards import citizen_required, current_citizen, limit_by_address
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.payments.idempotency import Claim
from wallet.payments.idempotent import HEADER_DOC, idempotent, payment_reply
from wallet.payments.schemas import PaymentSchema
from wallet.payments.service import Order
from wallet.runtime import runtime
from wallet.vehicles.presenting import quote_view, rego_check_view, vehicle_view
from wallet.vehicles.schemas import (
    QuoteQuerySchema,
    QuoteSchema,
    RegoCheckQuerySchema,
    RegoCheckSchema,
    RenewalRequestSchema,
    VehicleSchema,
)
from wallet.vehicles.service import VehicleService

blp = Blueprint("vehicles", __name__, url_prefix="/v1", description="Vehicle registration")


def _vehicles() -> VehicleService:
    return runtime().vehicles(request_session())


@blp.route("/vehicles", methods=["GET"])
@blp.operation("listMyVehicles")
@citizen_required(blp)
@blp.response(200, VehicleSchema(many=True))
def list_mine() -> list[dict[str, Any]]:
    """The vehicles registered to the citizen, with status, expiry and what a renewal needs now"""
    service = _vehicles()
    return [vehicle_view(service, v) for v in service.of_account(current_citizen().account_id)]


@blp.route("/vehicles/<uuid:vehicle_id>", methods=["GET"])
@blp.operation("getMyVehicle")
@citizen_required(blp)
@blp.response(200, VehicleSchema)
@blp.problems(404)
def get_mine(vehicle_id: uuid.UUID) -> dict[str, Any]:
    """One of the citizen's vehicles"""
    service = _vehicles()
    return vehicle_view(service, service.for_account(current_citizen().account_id, vehicle_id))


@blp.route("/vehicles/<uuid:vehicle_id>/renewal-quote", methods=["GET"])
@blp.operation("quoteRenewal")
@citizen_required(blp)
@blp.arguments(QuoteQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, QuoteSchema)
@blp.problems(404, 422)
def renewal_quote(query: dict[str, Any], vehicle_id: uuid.UUID) -> dict[str, Any]:
    """The fees for renewing for 3, 6 or 12 months, every line explained, and whether it can go ahead"""
    service = _vehicles()
    vehicle = service.for_account(current_citizen().account_id, vehicle_id)
    return quote_view(service, vehicle, query["term_months"])


@blp.route("/vehicles/<uuid:vehicle_id>/renewals", methods=["POST"])
@blp.operation("renewRegistration")
@citizen_required(blp)
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(RenewalRequestSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(202, schema=PaymentSchema, description="The gateway has not confirmed yet")
@blp.problems(400, 402, 404, 409, 422)
def renew(body: dict[str, Any], vehicle_id: uuid.UUID, claim: Claim) -> Any:
    """Renew and pay (Idempotency-Key required); on capture the expiry moves by the term, once

    ``total_cents`` is the quote's total: if the fees changed since, nothing is charged (409
    ``amount_changed``). A renewal the conditions refuse is 422 ``renewal_refused``, with ``needs``.
    """
    account_id, rt = current_citizen().account_id, runtime()

    def order(session: Session) -> Order:
        return rt.vehicles(session).renewal_order(
            account_id, vehicle_id, body["term_months"], body["total_cents"]
        )

    return payment_reply(rt.payments().pay(account_id, claim.id, order, body["card_token"]))


@blp.route("/rego-check", methods=["GET"])
@blp.operation("checkRegistration")
@blp.doc(security=[])
@blp.arguments(RegoCheckQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, RegoCheckSchema)
@blp.problems(404, 422, 429)
def rego_check(query: dict[str, Any]) -> dict[str, Any]:
    """Anyone may check a plate: status, expiry, make and model, the CTP insurer; nothing about the owner"""
    refusal = "Too many registration checks; try again later."
    limit_by_address(runtime().settings.rego_check_limit, "rego-check", refusal=refusal)
    service = _vehicles()
    return rego_check_view(service, service.by_plate(query["plate"]))
