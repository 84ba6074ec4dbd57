"""Route guards: they check the caller, and document the check in the OpenAPI description.

A view learns who called through ``current_citizen()`` / ``current_agency()``; there is no other way in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import g, request

from wallet.audit.service import Actor
from wallet.auth.tokens import InvalidAccessToken
from wallet.db import request_session
from wallet.errors import AppError, Unauthenticated
from wallet.http import Blueprint
from wallet.ratelimit import parse_rules
from wallet.runtime import runtime


@dataclass(frozen=True, slots=True)
class Citizen:
    account_id: uuid.UUID
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AgencyCaller:
    client_id: str
    agency_id: uuid.UUID
    scopes: frozenset[str]


class InsufficientScope(AppError):
    status = 403
    code = "insufficient_scope"
    title = "The access token lacks the scope this operation needs"


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send an access token: Authorization: Bearer <token>.")
    return token.strip()


def _claims(audience: str) -> dict[str, Any]:
    try:
        return runtime().tokens.verify(bearer_token(), audience=audience)
    except InvalidAccessToken:
        raise Unauthenticated("The access token is invalid or expired.") from None


def _uuid_claim(claims: dict[str, Any], name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(claims[name]))
    except (KeyError, ValueError):
        raise Unauthenticated("The access token is invalid or expired.") from None


def authenticate_citizen() -> Citizen:
    rt = runtime()
    claims = _claims(rt.app_audience)
    citizen = Citizen(_uuid_claim(claims, "sub"), _uuid_claim(claims, "sid"))
    accounts = rt.accounts(request_session())
    if not accounts.session_is_active(citizen.session_id, citizen.account_id):
        raise Unauthenticated("This session has ended; log in again.")
    return citizen


def authenticate_agency(scope: str) -> AgencyCaller:
    rt = runtime()
    claims = _claims(rt.agency_audience)
    if not rt.agencies(request_session()).client_is_active(str(claims["sub"])):
        raise Unauthenticated("This client has been disabled.")
    caller = AgencyCaller(
        client_id=str(claims["sub"]),
        agency_id=_uuid_claim(claims, "agency"),
        scopes=frozenset(str(claims.get("scope", "")).split()),
    )
    if scope not in caller.scopes:
        raise InsufficientScope(
            f"This operation needs the scope {scope!r}.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return caller


def citizen_required(blp: Blueprint) -> Callable[[Any], Any]:
    """Guard a view for a logged-in citizen (app API access token, live session)."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.citizen = authenticate_citizen()
            return view(*args, **kwargs)

        documented = blp.doc(security=[{"citizen": []}])(guarded)
        return blp.problems(401)(documented)

    return decorator


def agency_required(blp: Blueprint, scope: str) -> Callable[[Any], Any]:
    """Guard a view for an agency client whose token carries ``scope``."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            g.agency = authenticate_agency(scope)
            return view(*args, **kwargs)

        documented = blp.doc(security=[{"agency": [scope]}])(guarded)
        return blp.problems(401, 403)(documented)

    return decorator


def public(blp: Blueprint) -> Callable[[Any], Any]:
    """Mark a view as open to anyone, so that the description says so rather than leaving it unsaid."""
    return blp.doc(security=[])  # type: ignore[no-any-return]


def current_citizen() -> Citizen:
    citizen: Citizen = g.citizen
    return citizen


def current_agency() -> AgencyCaller:
    agency: AgencyCaller = g.agency
    return agency


def limit_by_address(limit: str, scope: str, *, refusal: str) -> None:
    """Count this request against ``limit`` (a rate-limit setting's text) for the caller's address, as open
    endpoints do that have no account to count by. Raises RateLimited, ``refusal`` its detail, past it."""
    address = request.remote_addr or "unknown"
    runtime().limiter.take(parse_rules(limit), scope, address, refusal=refusal)


def caller_actor() -> Actor:
    """The audit actor of the current request: whoever the guard let in, else anonymous."""
    if "citizen" in g:
        return Actor("citizen", str(g.citizen.account_id), request.remote_addr)
    if "agency" in g:
        return Actor("agency_client", g.agency.client_id, request.remote_addr)
    return Actor("anonymous", None, request.remote_addr)
