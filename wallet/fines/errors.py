from __future__ import annotations

from wallet.errors import AppError


class NoticeNumberTaken(AppError):
    status = 409
    code = "notice_number_conflict"
    title = "A different notice was already lodged with this number"


class UnknownLicence(AppError):
    status = 422
    code = "unknown_licence"
    title = "No licence holder has this licence number"


class UnknownPlate(AppError):
    status = 422
    code = "unknown_plate"
    title = "No vehicle is registered with this plate"


class FineActionRefused(AppError):
    """An action the fine's state or its deadlines do not allow now."""

    status = 409
    code = "fine_action_not_allowed"
    title = "This cannot be done to the fine now"


class ReviewAlreadyDecided(AppError):
    """One review per notice: another round would stop the clock again and reopen a decided outcome."""

    status = 409
    code = "review_already_decided"
    title = "This fine has already been reviewed"


class PlanRefused(AppError):
    status = 422
    code = "payment_plan_refused"
    title = "The rules do not allow this payment plan"


class NotNominable(AppError):
    status = 422
    code = "fine_not_nominable"
    title = "The driver cannot be nominated for this offence"


class StatutoryDeclarationRequired(AppError):
    status = 422
    code = "statutory_declaration_required"
    title = "Nominating a driver needs the statutory declaration"
