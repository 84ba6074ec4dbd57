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
