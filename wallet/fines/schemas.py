from __future__ import annotations

import base64
import binascii
from datetime import UTC, timedelta
from typing import Any

import marshmallow as ma
from marshmallow import validate

from wallet.applications.schemas import NOT_BLANK, JsonBoolean
from wallet.fines.rules import FineState
from wallet.vehicles.schemas import LICENCE_NUMBER, PLATE, Plate

MAX_IMAGES = 3
# A notice is due weeks after it is issued (21 days in NSW), and issued within months of the offence; a due
# date further off is a mistake in the agency's data, and would keep the fine out of the statutory sequence.
MAX_DUE_AFTER_OFFENCE = timedelta(days=366)
MAX_IMAGE_BYTES = 512 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
REVIEW_CATEGORIES = ("not_the_driver", "emergency", "signage_unclear", "medical", "other")


class ImageData(ma.fields.Field):  # type: ignore[type-arg]
    """A base64-encoded image, checked to be what its content type says and not over the size limit."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str):
            raise ma.ValidationError("Not a string.")
        if len(value) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
            raise ma.ValidationError(f"An image is at most {MAX_IMAGE_BYTES // 1024} KiB.")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError("Not valid base64.") from None


class ImageSchema(ma.Schema):
    content_type = ma.fields.String(required=True, validate=validate.OneOf(IMAGE_TYPES))
    data = ImageData(required=True)

    @ma.validates_schema
    def _matches_type(self, image: dict[str, Any], **kwargs: Any) -> None:
        magic = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}[image["content_type"]]
        if not image["data"].startswith(magic):
            raise ma.ValidationError(f"The data is not a {image['content_type']} image.", "data")


class NoticeSchema(ma.Schema):
    notice_number = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9]{6,20}$"))
    licence_number = ma.fields.String(
        validate=LICENCE_NUMBER, metadata={"description": "The driver, when known"}
    )
    plate = Plate(
        validate=PLATE,
        metadata={"description": "Else the vehicle: its registered operator receives the notice"},
    )
    offence_code = ma.fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z]{2,12}-[0-9A-Z]{1,12}$"),
        metadata={"description": "FAMILY-NUMBER, e.g. SPEED-74704; the family decides double demerits"},
    )
    offence_description = ma.fields.String(required=True, validate=[validate.Length(max=300), NOT_BLANK])
    offence_at = ma.fields.AwareDateTime(required=True)
    place = ma.fields.String(required=True, validate=[validate.Length(max=200), NOT_BLANK])
    detection = ma.fields.String(required=True, validate=validate.OneOf(("camera", "officer", "parking")))
    amount_cents = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=100_000_00)
    )
    points = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=20))
    due_date = ma.fields.Date(required=True)
    images = ma.fields.List(
        ma.fields.Nested(ImageSchema), load_default=list, validate=validate.Length(max=MAX_IMAGES)
    )

    @ma.post_load
    def _in_utc(self, notice: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # One instant, one spelling: the same notice sent with another UTC offset is the same notice.
        return {**notice, "offence_at": notice["offence_at"].astimezone(UTC)}

    @ma.validates_schema
    def _one_recipient(self, notice: dict[str, Any], **kwargs: Any) -> None:
        if ("licence_number" in notice) == ("plate" in notice):
            raise ma.ValidationError("Send either licence_number or plate.", "licence_number")

    @ma.validates_schema
    def _due_soon_after_offence(self, notice: dict[str, Any], **kwargs: Any) -> None:
        # Dates subtracted, never added: any two dates have a difference, but a date plus days may not exist.
        days_after = notice["due_date"] - notice["offence_at"].date()
        if days_after < timedelta(0):
            raise ma.ValidationError("must not be before the offence", "due_date")
        if days_after > MAX_DUE_AFTER_OFFENCE:
            raise ma.ValidationError(
                f"must not be more than {MAX_DUE_AFTER_OFFENCE.days} days after the offence", "due_date"
            )


class FeeSchema(ma.Schema):
    kind = ma.fields.String()
    amount_cents = ma.fields.Integer()
    explanation = ma.fields.String()
    added_on = ma.fields.String(metadata={"format": "date"})  # kept as ISO text in the fee line


class ActionSchema(ma.Schema):
    name = ma.fields.String(metadata={"enum": ["pay", "request_review", "nominate", "payment_plan"]})
    until = ma.fields.Date(allow_none=True, metadata={"description": "The last day; null: no deadline"})


class ReviewSchema(ma.Schema):
    category = ma.fields.String()
    text = ma.fields.String()
    requested_on = ma.fields.String(metadata={"format": "date"})
    decision = ma.fields.String(metadata={"enum": ["withdraw", "caution", "uphold"]})
    explanation = ma.fields.String(metadata={"description": "The agency's reasons, in its words"})
    decided_on = ma.fields.String(metadata={"format": "date"})


class InstalmentSchema(ma.Schema):
    amount_cents = ma.fields.Integer()
    due = ma.fields.String(metadata={"format": "date"})


class PlanSchema(ma.Schema):
    instalments = ma.fields.List(ma.fields.Nested(InstalmentSchema))
    paid = ma.fields.Integer(metadata={"description": "How many instalments are paid"})
    approved_on = ma.fields.String(metadata={"format": "date"})


class FineSchema(ma.Schema):
    id = ma.fields.UUID()
    notice_number = ma.fields.String()
    state = ma.fields.String(metadata={"enum": [s.value for s in FineState]})
    offence_code = ma.fields.String()
    offence_description = ma.fields.String()
    offence_at = ma.fields.DateTime()
    place = ma.fields.String()
    detection = ma.fields.String()
    issuer = ma.fields.String(metadata={"description": "The agency that issued the notice"})
    amount_cents = ma.fields.Integer(metadata={"description": "The penalty itself"})
    fees = ma.fields.List(ma.fields.Nested(FeeSchema))
    owed_cents = ma.fields.Integer(metadata={"description": "Penalty plus fees; 0 once dealt with"})
    points = ma.fields.Integer()
    notice_date = ma.fields.Date()
    due_date = ma.fields.Date()
    pay_by = ma.fields.Date(allow_none=True)
    actions = ma.fields.List(ma.fields.Nested(ActionSchema))
    review = ma.fields.Nested(ReviewSchema, allow_none=True)
    plan = ma.fields.Nested(PlanSchema, allow_none=True)


class FineDetailSchema(FineSchema):
    images = ma.fields.List(ma.fields.Dict(), metadata={"description": "data: URLs of the camera images"})


class FineListQuerySchema(ma.Schema):
    state = ma.fields.String(validate=validate.OneOf([s.value for s in FineState]))


class PaymentRequestSchema(ma.Schema):
    amount_cents = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "What the app showed"},
    )
    card_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))


class PlanRequestSchema(ma.Schema):
    instalments = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=2, max=60))


class ReviewRequestSchema(ma.Schema):
    category = ma.fields.String(required=True, validate=validate.OneOf(REVIEW_CATEGORIES))
    text = ma.fields.String(required=True, validate=[validate.Length(max=2000), NOT_BLANK])


class NominationSchema(ma.Schema):
    licence_number = ma.fields.String(required=True, validate=LICENCE_NUMBER)
    statutory_declaration = JsonBoolean(required=True)


class WithdrawalSchema(ma.Schema):
    explanation = ma.fields.String(required=True, validate=[validate.Length(max=2000), NOT_BLANK])


class ReviewDecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(("withdraw", "caution", "uphold")))
    explanation = ma.fields.String(required=True, validate=[validate.Length(max=2000), NOT_BLANK])
