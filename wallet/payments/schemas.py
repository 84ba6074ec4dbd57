from __future__ import annotations

import marshmallow as ma


class PaymentSchema(ma.Schema):
    id = ma.fields.UUID()
    purpose = ma.fields.String(metadata={"enum": ["fine", "registration"]})
    subject_id = ma.fields.UUID(metadata={"description": "The fine (or vehicle) paid for"})
    description = ma.fields.String()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    state = ma.fields.String(
        metadata={"enum": ["created", "pending", "captured", "failed", "refund_due", "refunded"]}
    )
    failure_code = ma.fields.String(allow_none=True)
    receipt_number = ma.fields.String(allow_none=True)
    refunded_cents = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    captured_at = ma.fields.DateTime(allow_none=True)


class ReceiptSchema(ma.Schema):
    receipt_number = ma.fields.String()
    paid_to = ma.fields.String()
    description = ma.fields.String()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    paid_at = ma.fields.DateTime()
    receipt_jwt = ma.fields.String(
        metadata={"description": "The receipt signed by the agency paid (ES256 JWT)"}
    )


class WebhookSchema(ma.Schema):
    reference = ma.fields.UUID(required=True, metadata={"description": "Our payment id"})
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(("captured", "declined")))
