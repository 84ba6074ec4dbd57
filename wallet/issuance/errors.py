"""Issuance errors. OpenID4VCI endpoints use the codes of OpenID4VCI and RFC 6749, also as ``error``."""

from __future__ import annotations

from wallet.agencies.errors import OAuthError
from wallet.errors import AppError


class InvalidGrant(OAuthError):
    code = "invalid_grant"
    title = "The pre-authorized code is unknown, expired or used, or the transaction code is wrong"


class InvalidGrantKept(InvalidGrant):
    """A wrong transaction code: the failed attempt is counted, so the request keeps its write."""

    commit = True


class InvalidTokenRequest(OAuthError):
    code = "invalid_request"
    title = "The token request is malformed"


class InvalidCredentialRequest(OAuthError):
    code = "invalid_credential_request"
    title = "The credential request is malformed"


class UnknownCredentialConfiguration(OAuthError):
    code = "unknown_credential_configuration"
    title = "This issuer does not issue that credential configuration"


class InvalidProof(OAuthError):
    code = "invalid_proof"
    title = "A key proof is missing or invalid"


class InvalidNonce(OAuthError):
    code = "invalid_nonce"
    title = "A key proof carries an unknown, used or expired c_nonce; fetch a new one"


class CredentialRequestDenied(OAuthError):
    code = "credential_request_denied"
    title = "The credential cannot be issued to this caller"


class InvalidIssuanceToken(OAuthError):
    status = 401
    code = "invalid_token"
    title = "The access token is invalid, expired, or not for this issuer"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'


class UnknownIssuer(AppError):
    status = 404
    code = "unknown_issuer"
    title = "No credential issuer at this address"


class UnknownCredentialType(AppError):
    status = 422
    code = "unknown_credential_type"
    title = "This agency does not issue that credential type"


class ClaimsInvalid(AppError):
    status = 422
    code = "claims_invalid"
    title = "The claims do not fit the credential type's schema"


class InvalidTransition(AppError):
    status = 409
    code = "invalid_status_transition"
    title = "The credential cannot move to that status"


class CompanionFollows(AppError):
    status = 409
    code = "companion_follows_licence"
    title = "This credential's status follows its licence: change the licence"


class AuthorisationSuspended(AppError):
    status = 409
    code = "authorisation_suspended"
    title = "The person's credential of this type is suspended: reinstate or revoke it first"


class AuthorisationWithdrawn(AppError):
    status = 409
    code = "authorisation_withdrawn"
    title = "The authorisation has been withdrawn: it takes no new offer"
