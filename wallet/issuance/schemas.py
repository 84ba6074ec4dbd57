from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from issuers.catalog import CATALOG


class Lenient(ma.Schema):
    """OpenID4VCI and RFC 6749 require unrecognised parameters to be ignored, not refused."""

    class Meta:
        unknown = ma.EXCLUDE


class PreAuthorizedTokenRequest(Lenient):
    # Nothing required and no lengths here: a missing or wrong value is an OAuth error (invalid_request,
    # invalid_grant) the endpoint gives, not a schema error. The body size limit bounds everything.
    grant_type = ma.fields.String()
    pre_authorized_code = ma.fields.String(data_key="pre-authorized_code")
    tx_code = ma.fields.String()


class IssuanceTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer()


class ProofsSchema(Lenient):
    # Not required: a request with only another proof type is answered invalid_proof by the endpoint.
    jwt = ma.fields.List(ma.fields.String(validate=validate.Length(max=8192)))


class CredentialRequestSchema(Lenient):
    credential_configuration_id = ma.fields.String()
    credential_identifier = ma.fields.String()
    proofs = ma.fields.Nested(ProofsSchema)


class IssuedSchema(ma.Schema):
    credential = ma.fields.String()


class CredentialResponseSchema(ma.Schema):
    credentials = ma.fields.List(ma.fields.Nested(IssuedSchema))


class NonceSchema(ma.Schema):
    c_nonce = ma.fields.String()


class AuthoriseSchema(ma.Schema):
    credential_type = ma.fields.String(required=True, validate=validate.OneOf(sorted(CATALOG)))
    claims = ma.fields.Dict(
        required=True, metadata={"description": "Claims, as the type's schema defines them"}
    )


class OfferSchema(ma.Schema):
    authorisation_id = ma.fields.UUID()
    credential_offer = ma.fields.Dict()
    credential_offer_uri = ma.fields.String(metadata={"description": "openid-credential-offer:// URI"})
    tx_code = ma.fields.String(metadata={"description": "Give it to the person by another channel"})
    qr_svg = ma.fields.String(metadata={"description": "The offer URI as a QR code, SVG"})
    qr_png = ma.fields.String(metadata={"description": "The offer URI as a QR code, PNG data URI"})


class ClaimsSchema(ma.Schema):
    claims = ma.fields.Dict(required=True, metadata={"description": "The full new claims of the credential"})


class RefreshMarkedSchema(ma.Schema):
    marked_for_refresh = ma.fields.Integer(metadata={"description": "Credentials the holder should renew"})


class IssuedCredentialSchema(ma.Schema):
    id = ma.fields.UUID()
    credential_type = ma.fields.String()
    state = ma.fields.String()
    companion_of = ma.fields.UUID(allow_none=True)
    holder_key = ma.fields.String(metadata={"description": "RFC 7638 thumbprint of the device key"})
    signing_kid = ma.fields.String()
    refresh_due_since = ma.fields.AwareDateTime(allow_none=True)
    issued_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime()


class StatusChangeSchema(ma.Schema):
    status = ma.fields.String(required=True, validate=validate.OneOf(["valid", "revoked", "suspended"]))
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class PersonStatusChangeSchema(StatusChangeSchema):
    credential_type = ma.fields.String(required=True, validate=validate.OneOf(sorted(CATALOG)))


class CredentialsQuerySchema(ma.Schema):
    credential_type = ma.fields.String(validate=validate.OneOf(sorted(CATALOG)))
