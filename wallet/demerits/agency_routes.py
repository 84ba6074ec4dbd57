"""The licensing agency's side of demerit points: licence categories set for a time."""

from __future__ import annotations

import uuid
from typing import Any

from wallet.auth.guards import agency_required, caller_actor, current_agency
from wallet.db import request_session
from wallet.demerits.models import DriverCategory
from wallet.demerits.schemas import CategoryRequestSchema, CategorySchema
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("agency_demerits", __name__, url_prefix="/v1/agency", description="Demerit categories")


@blp.route("/people/<uuid:person_id>/demerit-category", methods=["POST"])
@blp.operation("setDemeritCategory")
@agency_required(blp, "demerits:write")
@blp.arguments(CategoryRequestSchema)
@blp.response(201, CategorySchema)
@blp.problems(404, 422)
def set_category(body: dict[str, Any], person_id: uuid.UUID) -> DriverCategory:
    """Set a professional-driver category or a good-behaviour period for a time; the threshold follows it"""
    session, rt = request_session(), runtime()
    rt.agencies(session).get_person(current_agency().agency_id, person_id)  # its own record, or 404
    return rt.demerits(session).set_category(person_id, **body, actor=caller_actor())
