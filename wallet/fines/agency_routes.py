"""The agency side of fines: lodging penalty notices and deciding reviews."""

from __future__ import annotations

import uuid
from typing import Any

from wallet.auth.guards import agency_required, caller_actor, current_agency
from wallet.db import request_session
from wallet.fines.presenting import fine_view
from wallet.fines.schemas import FineSchema, NoticeSchema, ReviewDecisionSchema, WithdrawalSchema
from wallet.fines.service import FineService, Notice
from wallet.http import Blueprint
from wallet.payments.upkeep import Upkeep
from wallet.runtime import runtime

blp = Blueprint("agency_fines", __name__, url_prefix="/v1/agency", description="Lodging and reviewing fines")
WRITE = "fines:write"


def _fines() -> FineService:
    return runtime().fines(request_session())


@blp.route("/fines", methods=["POST"])
@blp.operation("lodgeFine")
@agency_required(blp, WRITE)
@blp.arguments(NoticeSchema)
@blp.response(201, FineSchema)
@blp.alt_response(200, schema=FineSchema, description="The same notice was already lodged")
@blp.problems(409, 422)
def lodge(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Lodge a penalty notice against a licence holder, or a vehicle's registered operator

    Idempotent on the notice number: the same notice again returns the fine already lodged (200); the same
    number with other details is 409 ``notice_number_conflict``.
    """
    images = tuple((image["content_type"], image["data"]) for image in body.pop("images"))
    service = _fines()
    recipient = {"licence_number": body.pop("licence_number", None), "plate": body.pop("plate", None)}
    notice = Notice(**body, **recipient, images=images)
    fine, created = service.lodge(current_agency().agency_id, notice, actor=caller_actor())
    return fine_view(service, fine), 201 if created else 200


@blp.route("/fines/<uuid:fine_id>/withdrawal", methods=["POST"])
@blp.operation("withdrawFine")
@agency_required(blp, WRITE)
@blp.arguments(WithdrawalSchema)
@blp.response(200, FineSchema)
@blp.problems(404, 409, 422)
def withdraw(body: dict[str, Any], fine_id: uuid.UUID) -> dict[str, Any]:
    """Withdraw a notice, with the explanation the citizen will read; a paid one is refunded in full"""
    service = _fines()
    fine = service.withdraw(
        current_agency().agency_id, fine_id, explanation=body["explanation"].strip(), actor=caller_actor()
    )
    view = fine_view(service, fine)
    request_session().commit()  # the withdrawal and the refunds it makes due stand before money moves
    Upkeep(runtime().payments()).refund_subject(fine.id)  # what fails here, the jobs retry
    return view


@blp.route("/fines/<uuid:fine_id>/review-decision", methods=["POST"])
@blp.operation("decideFineReview")
@agency_required(blp, WRITE)
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, FineSchema)
@blp.problems(404, 409, 422)
def decide_review(body: dict[str, Any], fine_id: uuid.UUID) -> dict[str, Any]:
    """Withdraw, caution or uphold a fine under review, with the explanation the citizen will read"""
    service = _fines()
    fine = service.decide_review(
        current_agency().agency_id,
        fine_id,
        decision=body["decision"],
        explanation=body["explanation"].strip(),
        actor=caller_actor(),
    )
    return fine_view(service, fine)
