"""Fines as the app shows them: amounts with every fee explained, and what can be done by when."""

from __future__ import annotations

import base64
from typing import Any

from wallet.agencies.models import Agency
from wallet.fines.models import Fine
from wallet.fines.rules import CLOSED, FineState
from wallet.fines.service import FineService


def fine_view(service: FineService, fine: Fine) -> dict[str, Any]:
    agency = service.session.get(Agency, fine.agency_id)
    closed = FineState(fine.state) in CLOSED
    return {
        "id": fine.id,
        "notice_number": fine.notice_number,
        "state": fine.state,
        "offence_code": fine.offence_code,
        "offence_description": fine.offence_description,
        "offence_at": fine.offence_at,
        "place": fine.place,
        "detection": fine.detection,
        "issuer": agency.name if agency else None,
        "amount_cents": fine.amount_cents,
        "fees": fine.fees,
        "owed_cents": 0 if closed else service.owed_cents(fine),
        "points": fine.points,
        "notice_date": fine.notice_date,
        "due_date": fine.due_date,
        "pay_by": None if closed else fine.deadline,
        "actions": [{"name": a.name, "until": a.until} for a in service.actions(fine)],
        "review": fine.review,
        "plan": fine.plan,
    }


def detail_view(service: FineService, fine: Fine) -> dict[str, Any]:
    images = [
        {
            "content_type": image.content_type,
            "url": f"data:{image.content_type};base64," + base64.b64encode(image.data).decode(),
        }
        for image in service.images(fine)
    ]
    return {**fine_view(service, fine), "images": images}
