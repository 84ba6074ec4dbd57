"""Citizens: register, log in, refresh, log out."""

from __future__ import annotations

from typing import Any

from wallet.accounts.models import Account
from wallet.accounts.schemas import (
    AccountSchema,
    LogInSchema,
    RefreshSchema,
    RegisterSchema,
    SessionTokensSchema,
)
from wallet.accounts.service import AccountService, SessionTokens
from wallet.auth.guards import caller_actor, citizen_required, current_citizen, public
from wallet.db import request_session
from wallet.errors import NotFound
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("accounts", __name__, url_prefix="/v1", description="Citizen accounts and sessions")


def _accounts() -> AccountService:
    return runtime().accounts(request_session())


@blp.route("/accounts", methods=["POST"])
@blp.operation("registerAccount")
@public(blp)
@blp.arguments(RegisterSchema)
@blp.response(201, AccountSchema)
@blp.problems(409, 422, 429)
def register(body: dict[str, Any]) -> Account:
    """Register a citizen account"""
    return _accounts().register(
        email=body["email"],
        password=body["password"],
        display_name=body.get("display_name"),
        actor=caller_actor(),
    )


@blp.route("/accounts/me", methods=["GET"])
@blp.operation("getMyAccount")
@citizen_required(blp)
@blp.response(200, AccountSchema)
def me() -> Account:
    """The logged-in citizen's account"""
    account = _accounts().get(current_citizen().account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


@blp.route("/sessions", methods=["POST"])
@blp.operation("logIn")
@public(blp)
@blp.arguments(LogInSchema)
@blp.response(201, SessionTokensSchema)
@blp.problems(401, 422, 429)
def log_in(body: dict[str, Any]) -> SessionTokens:
    """Log in: an access token and a refresh token

    Failed attempts are limited per account and per client address; past the limit the answer is 429 with
    Retry-After.
    """
    return _accounts().log_in(email=body["email"], password=body["password"], actor=caller_actor())


@blp.route("/sessions/refresh", methods=["POST"])
@blp.operation("refreshSession")
@public(blp)
@blp.arguments(RefreshSchema)
@blp.response(200, SessionTokensSchema)
@blp.problems(401, 422)
def refresh(body: dict[str, Any]) -> SessionTokens:
    """Trade a refresh token for new tokens

    Each refresh token works once. Presenting one again revokes the whole session (every token descended
    from the same log-in).
    """
    return _accounts().refresh(refresh_token=body["refresh_token"], actor=caller_actor())


@blp.route("/sessions/current", methods=["DELETE"])
@blp.operation("logOut")
@citizen_required(blp)
@blp.response(204)
def log_out() -> None:
    """Log out: revoke this session and its tokens"""
    _accounts().log_out(session_id=current_citizen().session_id, actor=caller_actor())
