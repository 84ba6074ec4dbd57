"""``/healthz`` (the process is up), ``/readyz`` (it can serve), ``/.well-known/jwks.json``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy.exc import SQLAlchemyError

from keys import KeyStoreError
from wallet.auth.guards import public
from wallet.auth.tokens import SERVICE_KEYS
from wallet.errors import AppError
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("system", __name__, description="Health and public keys")


class NotReady(AppError):
    status = 503
    code = "not_ready"
    title = "The service cannot serve requests yet"


class StatusSchema(ma.Schema):
    status = ma.fields.String()
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class JwksSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Dict())


@blp.route("/healthz", methods=["GET"])
@blp.operation("getHealth")
@public(blp)
@blp.response(200, StatusSchema)
def healthz() -> dict[str, Any]:
    """Liveness: the process answers"""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.operation("getReadiness")
@public(blp)
@blp.response(200, StatusSchema)
@blp.problems(503)
def readyz() -> dict[str, Any]:
    """Readiness: the database answers and the signing keys are loaded"""
    rt = runtime()
    try:
        rt.db.ping()
    except SQLAlchemyError:
        raise NotReady("The database does not answer.") from None
    try:
        rt.keystore.active(SERVICE_KEYS)
    except KeyStoreError:
        raise NotReady("The service signing key is not loaded.") from None
    return {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}


@blp.route("/.well-known/jwks.json", methods=["GET"])
@blp.operation("getServiceJwks")
@public(blp)
@blp.response(200, JwksSchema)
def jwks() -> dict[str, Any]:
    """The public keys that sign this service's access tokens (retired ones while still in use)"""
    rt = runtime()
    return rt.keystore.jwks(SERVICE_KEYS, now=rt.clock.now())
