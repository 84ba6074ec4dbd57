from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class ChallengeSchema(ma.Schema):
    challenge = ma.fields.String(metadata={"description": "Sign it in the device proof within 5 minutes"})
    expires_in = ma.fields.Integer()


class RegisterDeviceSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    public_jwk = ma.fields.Dict(
        required=True, metadata={"description": "The device's P-256 public key (EC JWK)"}
    )
    proof = ma.fields.String(
        required=True,
        validate=validate.Length(max=4096),
        metadata={"description": "JWS (typ device-proof+jwt, ES256 by that key) over {challenge, aud, iat}"},
    )
    push_token = ma.fields.String(validate=validate.Length(min=1, max=512))


class UpdateDeviceSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=100))
    push_token = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=512))

    @ma.validates_schema
    def _not_empty(self, data: dict[str, object], **_kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("send name or push_token")


class DeviceSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    public_jwk = ma.fields.Dict(attribute="jwk")
    key_thumbprint = ma.fields.String(attribute="thumbprint")
    has_push_token = ma.fields.Method("_has_push_token")
    created_at = ma.fields.AwareDateTime()

    def _has_push_token(self, device: object) -> bool:
        return getattr(device, "push_token", None) is not None


class RemovedSchema(ma.Schema):
    credentials_revoked = ma.fields.Integer()
