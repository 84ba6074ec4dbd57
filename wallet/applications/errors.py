from __future__ import annotations

from wallet.errors import AppError


class StatutoryDeclarationRequired(AppError):
    status = 422
    code = "statutory_declaration_required"
    title = "Accept the statutory declaration to apply"


class ApplicationPending(AppError):
    status = 409
    code = "application_pending"
    title = "You already have an application of this type waiting for a decision"


class ApplicationDecided(AppError):
    status = 409
    code = "application_already_decided"
    title = "This application has already been decided"


class VerifiedPersonRequired(AppError):
    status = 422
    code = "verified_person_required"
    title = "No record confirms the applicant's details; send the ones checked against their documents"


class ApprovalContradictsRules(AppError):
    status = 422
    code = "approval_contradicts_rules"
    title = "The rules do not allow approving this application"


class ApplicationsUnavailable(AppError):
    status = 503
    code = "applications_unavailable"
    title = "Applications of this type cannot be taken now"


class CardSuspended(AppError):
    status = 409
    code = "card_suspended"
    title = "Your card of this kind is suspended: no new card until the agency reinstates it"
