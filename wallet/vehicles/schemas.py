from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from wallet.applications.schemas import NOT_BLANK, JsonBoolean
from wallet.vehicles.rules import NSW, TERMS

PLATE = validate.Regexp(r"^[A-Z0-9]{1,9}$", error="1 to 9 capital letters and digits, no spaces.")
VIN = validate.Regexp(r"^[A-HJ-NPR-Z0-9]{17}$", error="17 characters, without I, O or Q.")
TEXT = [validate.Length(max=40), NOT_BLANK]
# A driver licence number, wherever one is given (an operator, a transfer, a fine's driver or nominee).
LICENCE_NUMBER = validate.Regexp(r"^[A-Z0-9]{4,16}$")
TARE_KG = validate.Range(min=50, max=4500)  # the light-vehicle limit of the fee table
AGENCY_STATUS = validate.OneOf(("current", "suspended", "cancelled"))


class Plate(ma.fields.String):
    """A plate as people type it: spaces dropped and letters capitalised before it is checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return "".join(text.split()).upper()


class VehicleRequestSchema(ma.Schema):
    plate = Plate(required=True, validate=PLATE)
    vin = ma.fields.String(required=True, validate=VIN)
    make = ma.fields.String(required=True, validate=TEXT)
    model = ma.fields.String(required=True, validate=TEXT)
    year = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1900, max=2100))
    body_type = ma.fields.String(required=True, validate=TEXT)
    vehicle_type = ma.fields.String(required=True, validate=validate.OneOf(sorted(NSW.tax_bands)))
    tare_kg = ma.fields.Integer(required=True, strict=True, validate=TARE_KG)
    operator_licence = ma.fields.String(required=True, validate=LICENCE_NUMBER)
    expiry = ma.fields.Date(required=True)
    status = ma.fields.String(load_default="current", validate=AGENCY_STATUS)


class VehicleChangeSchema(ma.Schema):
    expiry = ma.fields.Date()
    status = ma.fields.String(validate=AGENCY_STATUS)
    tare_kg = ma.fields.Integer(strict=True, validate=TARE_KG)

    @ma.validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Send at least one of expiry, status, tare_kg.")


class TransferSchema(ma.Schema):
    licence_number = ma.fields.String(required=True, validate=LICENCE_NUMBER)


class CtpSchema(ma.Schema):
    insurer = ma.fields.String(required=True, validate=[validate.Length(max=80), NOT_BLANK])
    policy_number = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9-]{4,32}$"))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)

    @ma.validates_schema
    def _ends_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError("must not be before starts_on", "ends_on")


class InspectionSchema(ma.Schema):
    inspected_on = ma.fields.Date(required=True)
    passed = JsonBoolean(required=True)
    station = ma.fields.String(required=True, validate=[validate.Length(max=80), NOT_BLANK])


class TermSchema(ma.Schema):
    term_months = ma.fields.Integer()
    can_renew = ma.fields.Boolean()
    needs = ma.fields.List(ma.fields.String(), metadata={"description": "What stands in the way, in words"})


class VehicleFieldsSchema(ma.Schema):
    id = ma.fields.UUID()
    plate = ma.fields.String()
    vin = ma.fields.String()
    make = ma.fields.String()
    model = ma.fields.String()
    year = ma.fields.Integer()
    body_type = ma.fields.String()
    expiry = ma.fields.Date()


class VehicleSchema(VehicleFieldsSchema):
    status = ma.fields.String(metadata={"enum": ["current", "due_soon", "expired", "suspended", "cancelled"]})
    ctp = ma.fields.Dict(allow_none=True, metadata={"description": "insurer and ends_on of the green slip"})
    last_passed_inspection = ma.fields.Date(allow_none=True)
    can_renew_online = ma.fields.Boolean()
    renewal = ma.fields.List(ma.fields.Nested(TermSchema))


class AgencyVehicleSchema(VehicleFieldsSchema):
    vehicle_type = ma.fields.String()
    tare_kg = ma.fields.Integer()
    operator_id = ma.fields.UUID()
    status = ma.fields.String(metadata={"enum": ["current", "suspended", "cancelled"]})


class QuoteQuerySchema(ma.Schema):
    term_months = ma.fields.Integer(required=True, validate=validate.OneOf(TERMS))


class LineSchema(ma.Schema):
    kind = ma.fields.String()
    amount_cents = ma.fields.Integer()
    explanation = ma.fields.String()


class QuoteSchema(ma.Schema):
    term_months = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(LineSchema))
    total_cents = ma.fields.Integer()
    new_expiry = ma.fields.Date()
    can_renew = ma.fields.Boolean()
    needs = ma.fields.List(ma.fields.String())


class RenewalRequestSchema(ma.Schema):
    term_months = ma.fields.Integer(required=True, strict=True, validate=validate.OneOf(TERMS))
    total_cents = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The quote's total"},
    )
    card_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))


class RegoCheckQuerySchema(ma.Schema):
    plate = Plate(required=True, validate=PLATE)


class RegoCheckSchema(ma.Schema):
    plate = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["current", "due_soon", "expired", "suspended", "cancelled"]})
    expiry = ma.fields.Date()
    make = ma.fields.String()
    model = ma.fields.String()
    body_type = ma.fields.String()
    year = ma.fields.Integer()
    ctp_insurer = ma.fields.String(allow_none=True)
