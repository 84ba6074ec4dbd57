from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate


class LinkRequestSchema(ma.Schema):
    """Either the licence and card numbers of a card, or an agency and the one-time code it gave."""

    licence_number = ma.fields.String(validate=validate.Length(min=1, max=32))
    card_number = ma.fields.String(validate=validate.Length(min=1, max=32))
    agency = ma.fields.String(validate=validate.Length(min=1, max=63))
    code = ma.fields.String(validate=validate.Length(min=1, max=32))

    @ma.validates_schema
    def _one_method(self, data: dict[str, Any], **_kwargs: Any) -> None:
        by_card = {"licence_number", "card_number"} <= data.keys()
        by_code = {"agency", "code"} <= data.keys()
        if by_card == by_code or len(data) != 2:
            raise ma.ValidationError("send licence_number and card_number, or agency and code")


class LinkSchema(ma.Schema):
    agency = ma.fields.String()
    agency_name = ma.fields.String()
    given_name = ma.fields.String()
    family_name = ma.fields.String()


class LinkCodeSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Give it to the person; it works once, for 7 days"})
    expires_at = ma.fields.AwareDateTime()
