"""``GET /v1/trust-bundle`` (with ETag / If-None-Match) and the anchor keys verifiers pin."""

from __future__ import annotations

from flask import Response, json, request

from keys import KeyStoreError
from wallet.auth.guards import public
from wallet.db import request_session
from wallet.errors import AppError
from wallet.http import Blueprint
from wallet.runtime import runtime
from wallet.trust.service import BUNDLE_LIFETIME, TrustService

blp = Blueprint("trust", __name__, url_prefix="/v1", description="Trust for offline verifiers")


class TrustUnavailable(AppError):
    status = 503
    code = "trust_unavailable"
    title = "The trust-anchor key is not set up; run credwallet init"


def _trust() -> TrustService:
    return runtime().trust(request_session(writes=True))  # the status lists in it are re-signed and kept


@blp.route("/trust-bundle", methods=["GET"])
@blp.operation("getTrustBundle")
@public(blp)
@blp.problems(503)
def trust_bundle() -> Response:
    """The signed trust bundle (a JWT, typ trust-bundle+jwt); send If-None-Match to sync cheaply"""
    trust = _trust()
    etag = trust.fingerprint()  # first: an unchanged bundle is answered without signing anything
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        try:
            bundle = trust.bundle()
        except KeyStoreError:
            raise TrustUnavailable() from None
        response = Response(bundle.token, mimetype="application/jwt")
        etag = bundle.etag  # of the list tokens it carries, which it may just have re-signed
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = (
        f"public, max-age=300, stale-if-error={int(BUNDLE_LIFETIME.total_seconds())}"
    )
    return response


@blp.route("/trust-anchor/jwks.json", methods=["GET"])
@blp.operation("getTrustAnchorJwks")
@public(blp)
def anchor_jwks() -> Response:
    """The trust-anchor public keys (pin them in verifiers; fetch them over a trusted channel)"""
    response = Response(json.dumps(_trust().anchor_jwks()), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
