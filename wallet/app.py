"""The app factory. Nothing happens at import: every app is built here, from settings read here."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from keys import KeyStoreError
from wallet.accounts.routes import blp as accounts_blp
from wallet.agencies.routes import blp as agency_blp
from wallet.agencies.routes import oauth as oauth_blp
from wallet.agencies.service import SCOPES
from wallet.applications.routes import agency_blp as agency_applications_blp
from wallet.applications.routes import blp as applications_blp
from wallet.auth.tokens import SERVICE_KEYS
from wallet.clock import Clock, SystemClock
from wallet.config import ConfigError, Settings, load_settings
from wallet.credentials.routes import blp as credentials_blp
from wallet.demerits.agency_routes import blp as agency_demerits_blp
from wallet.demerits.routes import blp as demerits_blp
from wallet.devices.routes import blp as devices_blp
from wallet.errors import register_error_handlers
from wallet.fines.agency_routes import blp as agency_fines_blp
from wallet.fines.routes import blp as fines_blp
from wallet.http import Api
from wallet.issuance.agency_routes import blp as agency_issuance_blp
from wallet.issuance.routes import blp as oid4vci_blp
from wallet.links.routes import agency_blp as agency_links_blp
from wallet.links.routes import blp as links_blp
from wallet.notifications.routes import blp as notifications_blp
from wallet.payments.routes import blp as payments_blp
from wallet.runtime import Runtime, build_runtime
from wallet.system.routes import blp as system_blp
from wallet.trust.routes import blp as trust_blp
from wallet.vehicles.agency_routes import blp as agency_vehicles_blp
from wallet.vehicles.routes import blp as vehicles_blp

log = logging.getLogger(__name__)

BLUEPRINTS = (
    system_blp,
    accounts_blp,
    devices_blp,
    links_blp,
    credentials_blp,
    notifications_blp,
    applications_blp,
    fines_blp,
    demerits_blp,
    payments_blp,
    vehicles_blp,
    oauth_blp,
    agency_blp,
    agency_issuance_blp,
    agency_links_blp,
    agency_applications_blp,
    agency_fines_blp,
    agency_demerits_blp,
    agency_vehicles_blp,
    oid4vci_blp,
    trust_blp,
)
DOCS_ASSETS = "/docs/assets/"


def create_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the app. ``config`` overrides ``CREDWALLET_*`` variables (same names, without the prefix).

    Raises ConfigError when the settings cannot run the service (production without its secrets or keys).
    """
    settings = load_settings(config)
    rt = build_runtime(settings, clock or SystemClock())
    _load_service_key(rt)
    app = Flask("wallet")
    app.config.update(_flask_config(settings))
    app.extensions["credwallet"] = rt
    api = Api(app, spec_kwargs={"components": {"securitySchemes": _security_schemes()}})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    register_error_handlers(app)
    app.after_request(_end_transaction)
    app.after_request(_security_headers)
    app.teardown_appcontext(_close_session)
    app.add_url_rule(f"{DOCS_ASSETS}<path:filename>", "docs_assets", _docs_asset)
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def create_served_app() -> Flask:
    """The app as each server worker builds it (``credwallet serve``): ``create_app``, then everything its
    start-up made set aside from the garbage collector. Otherwise every full collection walks those objects
    (about 160,000) again, pausing the request it lands in for 60-120 ms: most of a server's p99."""
    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def _load_service_key(rt: Runtime) -> None:
    """Development makes the service key if missing; production refuses to start without it."""
    try:
        if rt.settings.is_production:
            rt.keystore.active(SERVICE_KEYS)
        else:
            rt.keystore.ensure_active(SERVICE_KEYS, now=rt.clock.now())
    except KeyStoreError as e:
        raise ConfigError(f"cannot load the service signing key: {e} (run `credwallet init`)") from e


def _flask_config(settings: Settings) -> dict[str, Any]:
    return {
        "MAX_CONTENT_LENGTH": settings.max_body_bytes,
        "API_TITLE": "credwallet",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": DOCS_ASSETS,  # served from the installed package: no CDN, works offline
    }


def _security_schemes() -> dict[str, Any]:
    return {
        "citizen": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "issuance": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from an issuer's token endpoint (pre-authorized code)",
        },
        "agency": {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {scope: scope for scope in sorted(SCOPES)},
                }
            },
        },
    }


def _end_transaction(response: Response) -> Response:
    """The request's one commit: after a success, or after an error that asks to keep its writes."""
    session = g.pop("db_session", None)
    if session is None:
        return response
    try:
        if response.status_code < 400 or g.get("commit_despite_error", False):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
    return response


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _docs_asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
