from __future__ import annotations

from wallet.errors import AppError


class AccountExists(AppError):
    status = 409
    code = "account_exists"
    title = "An account with this email already exists"


class InvalidCredentials(AppError):
    status = 401
    code = "invalid_credentials"
    title = "Email or password is wrong"
    commit = True  # keep the audit record of the failed attempt


class InvalidRefreshToken(AppError):
    status = 401
    code = "invalid_refresh_token"
    title = "The refresh token is unknown, expired or revoked"


class RefreshTokenReused(AppError):
    status = 401
    code = "refresh_token_reused"
    title = "This refresh token was already used; the whole session has been revoked"
    commit = True  # the revocation must outlive the failed request
