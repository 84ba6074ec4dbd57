from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from wallet.agencies.schemas import BIRTHDATE_RANGE
from wallet.applications.rules import KINDS, Outcome

MAX_HOURS_PER_WEEK = 7 * 24
NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


class JsonBoolean(ma.fields.Boolean):
    """JSON true or false only: a declaration is not made by "yes", "on" or 1."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class DeclarationsSchema(ma.Schema):
    nsw_resident = JsonBoolean(required=True, metadata={"description": "I live in NSW"})
    paid_work_hours_per_week = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=MAX_HOURS_PER_WEEK)
    )
    statutory_declaration_accepted = JsonBoolean(
        required=True, metadata={"description": "Must be true: the application is incomplete without it"}
    )


class ApplicationRequestSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    declarations = ma.fields.Nested(DeclarationsSchema, required=True)


class CollectSchema(ma.Schema):
    credential_issuer = ma.fields.String(metadata={"description": "OpenID4VCI Credential Issuer identifier"})
    credential_configuration_id = ma.fields.String()


class ApplicationSchema(ma.Schema):
    id = ma.fields.UUID()
    type = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [o.value for o in Outcome]})
    declarations = ma.fields.Nested(DeclarationsSchema)
    explanation = ma.fields.String(metadata={"description": "Why the application is where it is"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "The agency's reason, if it decided"})
    card_type = ma.fields.String(
        allow_none=True, metadata={"description": "The card it gives, or would give if approved"}
    )
    card_name = ma.fields.String(allow_none=True)
    card_number = ma.fields.String(allow_none=True)
    authorisation_id = ma.fields.UUID(allow_none=True)
    decided_by = ma.fields.String(allow_none=True, metadata={"enum": ["rules", "agency"]})
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    submitted_at = ma.fields.AwareDateTime()
    next_step = ma.fields.String(metadata={"description": "What the citizen can do now"})
    collect = ma.fields.Nested(
        CollectSchema,
        allow_none=True,
        metadata={"description": "Once approved: where the app collects the card with its session"},
    )


class ApplicantSchema(ma.Schema):
    account_id = ma.fields.UUID()
    email = ma.fields.String()
    display_name = ma.fields.String(allow_none=True)


class AgencyApplicationSchema(ApplicationSchema):
    applicant = ma.fields.Nested(ApplicantSchema)
    confirmed_birthdate = ma.fields.Date(
        allow_none=True,
        metadata={"description": "As the applicant's linked records gave it; null if they could not"},
    )


class AgencyListQuerySchema(ma.Schema):
    state = ma.fields.String(validate=validate.OneOf([o.value for o in Outcome]))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class VerifiedPersonSchema(ma.Schema):
    """The applicant's details, as the agency checked them against their documents."""

    given_name = ma.fields.String(required=True, validate=validate.And(validate.Length(max=100), NOT_BLANK))
    family_name = ma.fields.String(required=True, validate=validate.And(validate.Length(max=100), NOT_BLANK))
    # After today: refused by the service, which has the clock.
    birthdate = ma.fields.Date(required=True, validate=BIRTHDATE_RANGE)


class DecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(["approve", "decline"]))
    reason = ma.fields.String(
        required=True,
        validate=validate.And(validate.Length(max=400), NOT_BLANK),
        metadata={"description": "Shown to the citizen"},
    )
    verified_person = ma.fields.Nested(
        VerifiedPersonSchema,
        metadata={
            "description": "Needed to approve when no record linked to the applicant's account confirms "
            "their details; not used when the agency already has a record linked to the account"
        },
    )
