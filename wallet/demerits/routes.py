"""Demerit points in the app: the balance, the limit, the history, and any suspension."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wallet.auth.guards import citizen_required, current_citizen
from wallet.db import request_session
from wallet.demerits import rules
from wallet.demerits.models import Sanction
from wallet.demerits.schemas import DemeritSummarySchema
from wallet.errors import NotFound
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("demerits", __name__, url_prefix="/v1", description="Demerit points")


@blp.route("/demerits", methods=["GET"])
@blp.operation("getMyDemerits")
@citizen_required(blp)
@blp.response(200, DemeritSummarySchema)
@blp.problems(404)
def summary() -> dict[str, Any]:
    """The balance against the licence's limit, a warning near it, and 3 years 4 months of history"""
    session, rt = request_session(), runtime()
    service = rt.demerits(session)
    holder = service.licence_holder(current_citizen().account_id)
    if holder is None:
        raise NotFound("No licence is linked to this account; link it first.")
    standing = service.standing(holder.id, today=service.today)
    return {
        "licence_category": standing.category,
        "balance": standing.balance,
        "threshold": standing.threshold,
        "warning": standing.warning,
        "history": [
            {
                "offence_code": e.offence_code,
                "offence_description": e.offence_description,
                "offence_date": e.offence_date,
                "points": e.points,
                "double_demerits": e.double_period,
                "counts_until": rules.counts_until(e.offence_date, service.rules),
                "shown_until": rules.shown_until(e.offence_date, service.rules),
                "spent": e.sanction_id is not None,
            }
            for e in standing.entries
        ],
        "sanctions": session.scalars(
            select(Sanction).where(Sanction.person_id == holder.id).order_by(Sanction.starts_on.desc())
        ).all(),
    }
