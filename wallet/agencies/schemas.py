from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import validate

# No one living was born earlier, and a date before it is a typing slip (1066 for 1966). A birthdate after
# today needs the clock, which a schema does not have: it is for the service that takes it to refuse.
EARLIEST_BIRTHDATE = date(1900, 1, 1)
BIRTHDATE_RANGE = validate.Range(min=EARLIEST_BIRTHDATE, error="Must not be before {min}.")


class TokenRequestSchema(ma.Schema):
    """RFC 6749 section 4.4 client credentials request; the client may authenticate in the body.

    Unrecognised parameters are ignored and a missing grant_type is invalid_request, as RFC 6749 says.
    """

    class Meta:
        unknown = ma.EXCLUDE

    grant_type = ma.fields.String()
    scope = ma.fields.String(validate=validate.Length(max=1000))
    # No minimum length: an empty id or secret is a failed client authentication (invalid_client), not a
    # malformed request.
    client_id = ma.fields.String(validate=validate.Length(max=80))
    client_secret = ma.fields.String(load_only=True, validate=validate.Length(max=200))


class ClientTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.Constant("Bearer")
    expires_in = ma.fields.Integer()
    scope = ma.fields.String()


class PersonSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    agency_ref = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The agency's own record number for this person"},
    )
    # At most 100: the longest a name may be on a credential (issuers/claims.py).
    given_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    family_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    birthdate = ma.fields.Date(required=True, validate=BIRTHDATE_RANGE)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class PersonUpdateSchema(ma.Schema):
    """What may change on a record; its number (agency_ref) may not."""

    given_name = ma.fields.String(validate=validate.Length(min=1, max=100))
    family_name = ma.fields.String(validate=validate.Length(min=1, max=100))
    birthdate = ma.fields.Date(validate=BIRTHDATE_RANGE)

    @ma.validates_schema
    def _not_empty(self, data: dict[str, object], **_kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("send at least one field to change")
