from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class RegisterSchema(ma.Schema):
    email = ma.fields.Email(required=True, validate=validate.Length(max=320))
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=12, max=128),
        metadata={"description": "12 to 128 characters"},
    )
    display_name = ma.fields.String(validate=validate.Length(min=1, max=200))


class AccountSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.Email()
    display_name = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class LogInSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class RefreshSchema(ma.Schema):
    refresh_token = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class SessionTokensSchema(ma.Schema):
    session_id = ma.fields.UUID()
    access_token = ma.fields.String(metadata={"description": "ES256 JWT for the app API, about 10 minutes"})
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer()
    refresh_token = ma.fields.String(metadata={"description": "Opaque; good for one use"})
