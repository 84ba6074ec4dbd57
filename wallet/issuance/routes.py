"""OpenID4VCI endpoints of each issuer, its published metadata and keys, status lists, and type metadata.

Each agency is its own credential issuer at ``<public URL>/issuers/<agency>``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, json

from issuers.catalog import CATALOG
from keys import KeyStoreError
from wallet.agencies.errors import UnknownAgency
from wallet.agencies.models import Agency
from wallet.auth.guards import authenticate_citizen, bearer_token, caller_actor, limit_by_address, public
from wallet.auth.tokens import InvalidAccessToken
from wallet.db import request_session
from wallet.errors import NotFound, Unauthenticated
from wallet.http import Blueprint
from wallet.issuance import metadata
from wallet.issuance.errors import (
    InvalidCredentialRequest,
    InvalidIssuanceToken,
    InvalidProof,
    InvalidTokenRequest,
    UnknownIssuer,
)
from wallet.issuance.models import CredentialAuthorisation
from wallet.issuance.offers import PRE_AUTHORIZED_GRANT
from wallet.issuance.schemas import (
    CredentialRequestSchema,
    CredentialResponseSchema,
    IssuanceTokenSchema,
    NonceSchema,
    PreAuthorizedTokenRequest,
)
from wallet.issuance.service import issuer_keys, issuer_url
from wallet.issuance.statuslists import TOKEN_TTL
from wallet.runtime import runtime

blp = Blueprint("oid4vci", __name__, description="OpenID4VCI credential issuers (one per agency)")


def _agency(slug: str) -> Agency:
    try:
        return runtime().agencies(request_session()).find_agency(slug)
    except UnknownAgency:
        raise UnknownIssuer() from None


def _issuer(slug: str) -> str:
    return issuer_url(runtime().settings.public_url, slug)


def _document(body: dict[str, Any], *, max_age: int = 300, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(body), mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@blp.route("/.well-known/openid-credential-issuer/issuers/<slug>", methods=["GET"])
@blp.operation("getCredentialIssuerMetadata")
@public(blp)
@blp.problems(404)
def credential_issuer_metadata(slug: str) -> Response:
    """OpenID4VCI Credential Issuer metadata"""
    agency = _agency(slug)
    return _document(metadata.credential_issuer(runtime().settings.public_url, agency.slug, agency.name))


@blp.route("/.well-known/oauth-authorization-server/issuers/<slug>", methods=["GET"])
@blp.operation("getAuthorizationServerMetadata")
@public(blp)
@blp.problems(404)
def authorization_server_metadata(slug: str) -> Response:
    """OAuth 2.0 Authorization Server metadata of an issuer (pre-authorized code grant)"""
    return _document(metadata.authorization_server(runtime().settings.public_url, _agency(slug).slug))


@blp.route("/.well-known/jwt-vc-issuer/issuers/<slug>", methods=["GET"])
@blp.operation("getJwtVcIssuerMetadata")
@public(blp)
@blp.problems(404)
def jwt_vc_issuer_metadata(slug: str) -> Response:
    """SD-JWT VC issuer metadata: the issuer's keys"""
    rt = runtime()
    agency = _agency(slug)
    jwks = rt.keystore.jwks(issuer_keys(agency.slug), now=rt.clock.now())
    return _document(metadata.jwt_vc_issuer(rt.settings.public_url, agency.slug, jwks))


@blp.route("/issuers/<slug>/.well-known/jwks.json", methods=["GET"])
@blp.operation("getIssuerJwks")
@public(blp)
@blp.problems(404)
def issuer_jwks(slug: str) -> Response:
    """The issuer's public keys, retired ones included until what they signed has expired"""
    rt = runtime()
    return _document(rt.keystore.jwks(issuer_keys(_agency(slug).slug), now=rt.clock.now()))


@blp.route("/vct/<path:name>", methods=["GET"])
@blp.operation("getTypeMetadata")
@public(blp)
@blp.problems(404)
def type_metadata(name: str) -> Response:
    """SD-JWT VC type metadata of a credential type"""
    ctype = next((t for t in CATALOG.values() if t.vct_name == name), None)
    if ctype is None:
        raise NotFound("No such credential type.")
    return _document(metadata.type_metadata(runtime().settings.public_url, ctype), max_age=86400)


@blp.route("/issuers/<slug>/nonce", methods=["POST"])
@blp.operation("getNonce")
@public(blp)
@blp.response(200, NonceSchema)
@blp.problems(404, 429)
def nonce(slug: str) -> dict[str, str]:
    """A fresh c_nonce for key proofs (single use, a few minutes)

    Limited per client address; past the limit the answer is 429 with Retry-After.
    """
    # Open to anyone, and every nonce is a row until the purge job: without a limit, one caller could grow
    # the table at will.
    refusal = "Too many nonce requests; try again later."
    limit_by_address(runtime().settings.nonce_limit, "nonce", refusal=refusal)
    _agency(slug)
    return {"c_nonce": runtime().offers(request_session()).new_nonce()}


@blp.route("/issuers/<slug>/token", methods=["POST"])
@blp.operation("redeemPreAuthorizedCode")
@public(blp)
@blp.arguments(PreAuthorizedTokenRequest, location="form")
@blp.response(200, IssuanceTokenSchema)
@blp.problems(400, 404, 415)
def token(body: dict[str, Any], slug: str) -> dict[str, Any]:
    """Token endpoint: a pre-authorized code and its tx_code for an access token"""
    if body.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise InvalidTokenRequest(f"grant_type must be {PRE_AUTHORIZED_GRANT}")
    if not body.get("pre_authorized_code"):
        raise InvalidTokenRequest("pre-authorized_code is missing")
    agency = _agency(slug)
    access_token, expires_in = (
        runtime()
        .offers(request_session())
        .redeem(agency, code=body["pre_authorized_code"], tx_code=body.get("tx_code"), issuer=_issuer(slug))
    )
    return {"access_token": access_token, "expires_in": expires_in}


@blp.route("/issuers/<slug>/credential", methods=["POST"])
@blp.operation("issueCredential")
@blp.doc(security=[{"issuance": []}, {"citizen": []}])
@blp.arguments(CredentialRequestSchema)
@blp.response(200, CredentialResponseSchema)
@blp.problems(400, 401, 404, 415)
def credential(body: dict[str, Any], slug: str) -> dict[str, Any]:
    """Credential endpoint: one credential per proven device key

    Takes the access token from the token endpoint, or the citizen's app access token for records linked to
    their account.
    """
    agency = _agency(slug)
    token = _presented_token()
    configuration_id = _configuration_id(body)
    authorisation, device_keys = _authorisation(agency, configuration_id, token)
    proofs = body.get("proofs", {}).get("jwt")
    if not proofs:
        raise InvalidProof("proofs.jwt must hold at least one key proof")
    service = runtime().issuance(request_session())
    issued = service.issue(
        agency, authorisation, configuration_id, proofs, actor=caller_actor(), device_keys=device_keys
    )
    return {"credentials": [{"credential": credential} for credential in issued]}


def _configuration_id(body: dict[str, Any]) -> str:
    if "credential_identifier" in body:
        raise InvalidCredentialRequest(
            "credential_identifier is not used here; send credential_configuration_id"
        )
    if not body.get("credential_configuration_id"):
        raise InvalidCredentialRequest("credential_configuration_id is missing")
    configuration_id: str = body["credential_configuration_id"]
    return configuration_id


def _presented_token() -> str:
    try:
        return bearer_token()
    except Unauthenticated:
        raise InvalidIssuanceToken("send the access token: Authorization: Bearer <token>") from None


def _authorisation(
    agency: Agency, configuration_id: str, token: str
) -> tuple[CredentialAuthorisation, frozenset[str] | None]:
    """The authorisation behind the request's access token, whichever kind of token it is, and the keys
    credentials may bind to (None: any proven key, for the holder of an offer's codes)."""
    rt = runtime()
    try:
        claims = rt.tokens.verify(token, audience=_issuer(agency.slug))
    except InvalidAccessToken:
        return _citizen_authorisation(agency, configuration_id)
    authorisation = request_session().get(CredentialAuthorisation, _uuid(claims.get("authorisation")))
    if authorisation is None or authorisation.agency_id != agency.id:
        raise InvalidIssuanceToken()
    return authorisation, None


def _citizen_authorisation(
    agency: Agency, configuration_id: str
) -> tuple[CredentialAuthorisation, frozenset[str]]:
    try:
        citizen = authenticate_citizen()
    except Unauthenticated:
        raise InvalidIssuanceToken() from None
    session = request_session()
    authorisation = (
        runtime().issuance(session).authorisation_for_account(agency, citizen.account_id, configuration_id)
    )
    devices = runtime().devices(session).devices(citizen.account_id)
    return authorisation, frozenset(device.thumbprint for device in devices)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidIssuanceToken() from None


@blp.route("/issuers/<slug>/status/<int:number>", methods=["GET"])
@blp.operation("getStatusList")
@public(blp)
@blp.problems(404)
def status_list(slug: str, number: int) -> Response:
    """A Token Status List (statuslist+jwt), cacheable for its ttl"""
    agency = _agency(slug)
    service = runtime().issuance(request_session(writes=True))  # a stale token is re-signed and kept
    record = service.lists.find(agency.id, number)
    if record is None:
        raise NotFound("No such status list.")
    try:
        token = service.lists.token(record, service.signer(agency))
    except KeyStoreError:
        raise NotFound("This issuer has no signing key.") from None
    response = Response(token, mimetype="application/statuslist+jwt")
    response.headers["Cache-Control"] = f"public, max-age={int(TOKEN_TTL.total_seconds())}"
    return response
