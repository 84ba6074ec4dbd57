"""Fines in the app: what the citizen owes, and what they can do about it."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from sqlalchemy.orm import Session

from wallet.auth.guards import caller_actor, citizen_required, current_citizen
from wallet.db import request_session
from wallet.fines.models import Fine
from wallet.fines.nominations import Nominations
from wallet.fines.plans import Plans
from wallet.fines.presenting import detail_view, fine_view
from wallet.fines.schemas import (
    FineDetailSchema,
    FineListQuerySchema,
    FineSchema,
    NominationSchema,
    PaymentRequestSchema,
    PlanRequestSchema,
    ReviewRequestSchema,
)
from wallet.fines.service import FineService
from wallet.http import Blueprint
from wallet.payments.idempotency import Claim
from wallet.payments.idempotent import HEADER_DOC, idempotent, payment_reply
from wallet.payments.schemas import PaymentSchema
from wallet.payments.service import Order
from wallet.runtime import runtime

blp = Blueprint("fines", __name__, url_prefix="/v1", description="Fines: pay, review, nominate")


def _fines() -> FineService:
    return runtime().fines(request_session())


@blp.route("/fines", methods=["GET"])
@blp.operation("listMyFines")
@citizen_required(blp)
@blp.arguments(FineListQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, FineSchema(many=True))
@blp.problems(422)
def list_mine(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The citizen's fines, newest first; ``state`` filters them"""
    service = _fines()
    return [
        fine_view(service, f)
        for f in service.of_account(current_citizen().account_id, state=query.get("state"))
    ]


@blp.route("/fines/<uuid:fine_id>", methods=["GET"])
@blp.operation("getMyFine")
@citizen_required(blp)
@blp.response(200, FineDetailSchema)
@blp.problems(404)
def get_mine(fine_id: uuid.UUID) -> dict[str, Any]:
    """One fine with every detail, its images, and what can be done now, with the last day for each"""
    service = _fines()
    return detail_view(service, service.for_account(current_citizen().account_id, fine_id))


@blp.route("/fines/<uuid:fine_id>/payments", methods=["POST"])
@blp.operation("payFine")
@citizen_required(blp)
@blp.doc(parameters=[HEADER_DOC])
@idempotent
@blp.arguments(PaymentRequestSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(202, schema=PaymentSchema, description="The gateway has not confirmed yet")
@blp.problems(400, 402, 404, 409, 422)
def pay(body: dict[str, Any], fine_id: uuid.UUID, claim: Claim) -> Any:
    """Pay a fine in full (Idempotency-Key required)

    ``amount_cents`` is what the app showed; if the amount owed has changed since, nothing is charged (409
    ``amount_changed``). A retry with the same key gets the first response; the same key with another body
    is 422; while the first request runs, 409. A declined card is 402 ``payment_declined``.
    """
    account_id, rt = current_citizen().account_id, runtime()

    def order(session: Session) -> Order:
        return rt.fines(session).payment_order(account_id, fine_id, body["amount_cents"])

    return payment_reply(rt.payments().pay(account_id, claim.id, order, body["card_token"]))


@blp.route("/fines/<uuid:fine_id>/payment-plan", methods=["POST"])
@blp.operation("startFinePaymentPlan")
@citizen_required(blp)
@blp.arguments(PlanRequestSchema)
@blp.response(200, FineSchema)
@blp.problems(404, 409, 422)
def start_plan(body: dict[str, Any], fine_id: uuid.UUID) -> dict[str, Any]:
    """Pay an overdue or enforced fine in monthly instalments; approving the plan lifts the enforcement"""
    service = _fines()
    fine = Plans(service).start(
        current_citizen().account_id, fine_id, count=body["instalments"], actor=caller_actor()
    )
    return fine_view(service, fine)


@blp.route("/fines/<uuid:fine_id>/review", methods=["POST"])
@blp.operation("requestFineReview")
@citizen_required(blp)
@blp.arguments(ReviewRequestSchema)
@blp.response(200, FineSchema)
@blp.problems(404, 409, 422)
def request_review(body: dict[str, Any], fine_id: uuid.UUID) -> dict[str, Any]:
    """Ask the issuing agency to review the fine; it is on hold (no fees, no steps) until decided"""
    service = _fines()
    fine = service.request_review(
        current_citizen().account_id,
        fine_id,
        category=body["category"],
        text=body["text"],
        actor=caller_actor(),
    )
    return fine_view(service, fine)


@blp.route("/fines/<uuid:fine_id>/nomination", methods=["POST"])
@blp.operation("nominateDriver")
@citizen_required(blp)
@blp.arguments(NominationSchema)
@blp.response(200, FineSchema)
@blp.problems(404, 409, 422)
def nominate(body: dict[str, Any], fine_id: uuid.UUID) -> dict[str, Any]:
    """Name the driver: the fine and its demerit points move to them (camera and parking offences only)"""
    service = _fines()
    fine: Fine = Nominations(service).nominate(
        current_citizen().account_id,
        fine_id,
        licence_number=body["licence_number"],
        declared=body["statutory_declaration"],
        actor=caller_actor(),
    )
    return fine_view(service, fine)
