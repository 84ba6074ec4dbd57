from __future__ import annotations

from wallet.errors import AppError


class NoMatchingRecord(AppError):
    """One answer for every failure (wrong number, wrong card, used or unknown code, a record linked to
    another account), so that the endpoint cannot be used to find out which records exist."""

    status = 422
    code = "no_matching_record"
    title = "No record matches these details"


class IdentifierInUse(AppError):
    status = 409
    code = "identifier_in_use"
    title = "Another person of this agency already has this licence or card number"
