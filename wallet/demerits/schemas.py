from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from wallet.applications.schemas import NOT_BLANK


class DemeritEntrySchema(ma.Schema):
    offence_code = ma.fields.String()
    offence_description = ma.fields.String()
    offence_date = ma.fields.Date()
    points = ma.fields.Integer()
    double_demerits = ma.fields.String(
        allow_none=True, metadata={"description": "The period that doubled them"}
    )
    counts_until = ma.fields.Date(metadata={"description": "The last day these points count"})
    shown_until = ma.fields.Date()
    spent = ma.fields.Boolean(metadata={"description": "Used up by a suspension already served or imposed"})


class SanctionSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"enum": ["demerit_suspension", "fine_enforcement"]})
    state = ma.fields.String(metadata={"enum": ["scheduled", "active", "ended", "lifted"]})
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    reason = ma.fields.String()


class DemeritSummarySchema(ma.Schema):
    licence_category = ma.fields.String()
    balance = ma.fields.Integer(metadata={"description": "Points counting today"})
    threshold = ma.fields.Integer()
    warning = ma.fields.String(allow_none=True)
    history = ma.fields.List(
        ma.fields.Nested(DemeritEntrySchema), metadata={"description": "3 years and 4 months"}
    )
    sanctions = ma.fields.List(ma.fields.Nested(SanctionSchema))


class CategoryRequestSchema(ma.Schema):
    category = ma.fields.String(required=True, validate=validate.OneOf(("professional", "good_behaviour")))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "The last day"})
    reason = ma.fields.String(required=True, validate=[validate.Length(max=300), NOT_BLANK])

    @ma.validates_schema
    def _ends_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_on"] is not None and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError("must not be before starts_on", "ends_on")


class CategorySchema(ma.Schema):
    id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    category = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    reason = ma.fields.String()
