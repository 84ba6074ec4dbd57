"""Agency API errors. The token endpoint's codes are OAuth 2.0's own (RFC 6749 section 5.2)."""

from __future__ import annotations

from typing import Any

from wallet.errors import AppError


class OAuthError(AppError):
    """An RFC 6749 token error: the problem also carries ``error`` for OAuth client libraries."""

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, error=self.code, **extra)


class InvalidClient(OAuthError):
    status = 401
    code = "invalid_client"
    title = "Client authentication failed"
    commit = True  # keep the audit record of the failed attempt

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = 'Basic realm="agency"'


class InvalidScope(OAuthError):
    code = "invalid_scope"
    title = "The requested scope is unknown or not granted to this client"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    title = "Only the client_credentials grant is supported here"


class InvalidRequest(OAuthError):
    code = "invalid_request"
    title = "The token request is malformed"


class UnknownAgency(AppError):
    status = 404
    code = "unknown_agency"
    title = "No agency has this name"


class AgencyExists(AppError):
    status = 409
    code = "agency_exists"
    title = "An agency with this name already exists"


class PersonExists(AppError):
    status = 409
    code = "person_exists"
    title = "This agency already has a person with this record number"
