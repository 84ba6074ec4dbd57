"""Claim schemas of the credential types: what an agency must supply, validated before anything is signed."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma
from marshmallow import validate

LICENCE_TYPES = ("learner", "P1", "P2", "unrestricted")
LICENCE_CLASSES = ("C", "R", "RE", "LR", "MR", "HR", "HC", "MC")
MAX_CONDITIONS = 12
# The portrait travels as base64 in its disclosure's JSON, a third larger again: 48,000 bytes of JPEG keep
# that JSON under 64 KiB, the largest disclosure polaris-oid4vp (an independent verifier we test against)
# accepts. A passport-style photo is well under it.
MAX_PORTRAIT_BYTES = 48_000
JPEG_MAGIC = b"\xff\xd8\xff"


class JpegBase64(ma.fields.String):
    """A JPEG image as base64 (standard alphabet), checked for its magic bytes and size."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError("not base64") from None
        if not raw.startswith(JPEG_MAGIC):
            raise ma.ValidationError("not a JPEG image")
        if len(raw) > MAX_PORTRAIT_BYTES:
            raise ma.ValidationError(f"larger than {MAX_PORTRAIT_BYTES} bytes")
        return text


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("each entry at most once")


def _name() -> ma.fields.String:
    return ma.fields.String(required=True, validate=validate.Length(min=1, max=100))


def _number() -> ma.fields.String:
    return ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Z]{4,16}$"))


class AddressSchema(ma.Schema):
    street_address = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    locality = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    region = ma.fields.String(required=True, validate=validate.Length(min=2, max=3))
    postal_code = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}$"))


class PersonClaims(ma.Schema):
    given_name = _name()
    family_name = _name()
    birthdate = ma.fields.Date(required=True)


class DatedCard(PersonClaims):
    card_number = _number()
    issue_date = ma.fields.Date(required=True)
    expiry_date = ma.fields.Date(required=True)
    portrait = JpegBase64()

    @ma.validates_schema
    def _expires_after_issue(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["expiry_date"] <= data["issue_date"]:
            raise ma.ValidationError("must be after issue_date", "expiry_date")


class DriverLicenceClaims(DatedCard):
    address = ma.fields.Nested(AddressSchema, required=True)
    licence_number = _number()
    # Bounded and without repeats: every entry is carried in a QR code and checked by an offline verifier
    # with a 16 KiB limit on what it reads.
    licence_class = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(LICENCE_CLASSES)),
        required=True,
        validate=[validate.Length(min=1, max=len(LICENCE_CLASSES)), _unique],
    )
    licence_type = ma.fields.String(required=True, validate=validate.OneOf(LICENCE_TYPES))
    conditions = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=10)),
        load_default=list,
        validate=[validate.Length(max=MAX_CONDITIONS), _unique],
    )


class PhotoCardClaims(DatedCard):
    address = ma.fields.Nested(AddressSchema, required=True)


class SeniorsCardClaims(DatedCard):
    pass


class ProofOfAgeClaims(ma.Schema):
    """The companion credential carries only derived age claims, so takes nothing from the agency."""
