from __future__ import annotations

import marshmallow as ma


class DeviceRefSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()


class WalletEntrySchema(ma.Schema):
    id = ma.fields.UUID()
    type = ma.fields.String()
    issuer = ma.fields.String()
    issuer_id = ma.fields.String()
    display = ma.fields.Dict()
    status = ma.fields.String(metadata={"description": "valid, suspended, revoked or expired"})
    issued_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime()
    device = ma.fields.Nested(
        DeviceRefSchema, allow_none=True, metadata={"description": "The device holding it"}
    )
    refresh_due = ma.fields.Boolean()
    refresh_reason = ma.fields.String(allow_none=True)
    pending_copy = ma.fields.Boolean(metadata={"description": "A re-issued copy waits: collect it"})


class CollectedSchema(ma.Schema):
    credential = ma.fields.String(
        metadata={"description": "The SD-JWT VC, for the device that holds its key"}
    )
