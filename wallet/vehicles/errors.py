from __future__ import annotations

from wallet.errors import AppError


class VehicleExists(AppError):
    status = 409
    code = "vehicle_exists"
    title = "A vehicle with this plate or VIN is already registered"


class RenewalRefused(AppError):
    status = 422
    code = "renewal_refused"
    title = "The registration cannot be renewed now"


class UnknownOperator(AppError):
    status = 422
    code = "unknown_licence"
    title = "No licence holder has this licence number"


class RegistrationNotCurrent(AppError):
    """A renewal paid for while the agency suspended or cancelled the registration: it is not applied, and
    its payment is refunded (the payments engine marks it refund_due on this error)."""

    status = 409
    code = "registration_not_current"
    title = "The registration is no longer current"


class NotQuotable(AppError):
    """A vehicle on the register the fee table cannot price (one stored before its bands were checked)."""

    status = 422
    code = "renewal_not_quotable"
    title = "The renewal fees for this vehicle cannot be worked out"


class RegistrationChanged(AppError):
    """A renewal paid for while the agency changed the registration's expiry: the term was quoted and checked
    (green slip, renewal window) from the old expiry, so it is not applied, and its payment is refunded."""

    status = 409
    code = "registration_changed"
    title = "The registration changed since the renewal was paid for"
