"""Citizen accounts, log-in, refresh-token rotation with reuse detection, and logout.

Refresh tokens are opaque, 256-bit random, kept only as SHA-256 digests (their entropy makes a slow hash
pointless), and good for one use. Presenting one that was already used is taken as theft: the whole session,
with every token descended from the same log-in, is revoked.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import RateLimitItem
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.accounts.errors import (
    AccountExists,
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
)
from wallet.accounts.models import Account, LoginSession, RefreshToken
from wallet.accounts.passwords import Passwords
from wallet.audit.service import Actor, record
from wallet.auth.tokens import AccessTokens
from wallet.clock import Clock
from wallet.db import flushed_connection, use_once
from wallet.digests import digest
from wallet.errors import RateLimited
from wallet.ratelimit import RateLimiter

# Every app request asks whether its log-in session still holds: one row by key, built once, and run on
# the session's connection (no ORM object).
_LIVE_SESSION = select(LoginSession.id).where(
    LoginSession.id == bindparam("session_id"),
    LoginSession.account_id == bindparam("account_id"),
    LoginSession.revoked_at.is_(None),
    LoginSession.expires_at > bindparam("now"),
)


@dataclass(frozen=True, slots=True)
class SessionTokens:
    session_id: uuid.UUID
    access_token: str
    expires_in: int
    refresh_token: str


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    audience: str
    access_ttl: int
    refresh_ttl: int
    per_account: Sequence[RateLimitItem]
    per_address: Sequence[RateLimitItem]


def normalise_email(email: str) -> str:
    return email.strip().lower()


class AccountService:
    def __init__(
        self,
        session: Session,
        *,
        clock: Clock,
        passwords: Passwords,
        tokens: AccessTokens,
        limiter: RateLimiter,
        policy: LoginPolicy,
    ) -> None:
        self.session = session
        self.clock = clock
        self.passwords = passwords
        self.tokens = tokens
        self.limiter = limiter
        self.policy = policy

    def register(self, *, email: str, password: str, display_name: str | None, actor: Actor) -> Account:
        """Create an account. Raises RateLimited (per client address) or AccountExists."""
        refusal = "Too many attempts; try again later."
        self.limiter.take(self.policy.per_address, "register-address", actor.address or "-", refusal=refusal)
        account = Account(
            email=normalise_email(email),
            password_hash=self.passwords.hash(password),
            display_name=display_name,
            created_at=self.clock.now(),
        )
        try:
            with self.session.begin_nested():
                self.session.add(account)
        except IntegrityError:
            raise AccountExists() from None
        record(
            self.session,
            event="account_registered",
            actor=actor,
            at=account.created_at,
            subject=("account", str(account.id)),
        )
        return account

    def get(self, account_id: uuid.UUID) -> Account | None:
        return self.session.get(Account, account_id)

    def log_in(self, *, email: str, password: str, actor: Actor) -> SessionTokens:
        """Start a session. Raises RateLimited (per account or per address) or InvalidCredentials."""
        email = normalise_email(email)
        address = actor.address or "-"
        self._throttle(self.policy.per_account, "login-account", email)
        self._throttle(self.policy.per_address, "login-address", address)
        self.limiter.hit(self.policy.per_address, "login-address", address)
        account = self.session.scalar(select(Account).where(Account.email == email))
        matches = self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not matches:
            self.limiter.hit(self.policy.per_account, "login-account", email)
            record(
                self.session,
                event="login_failed",
                actor=actor,
                at=self.clock.now(),
                subject=("account", str(account.id)) if account else None,
                known_account=account is not None,
            )
            raise InvalidCredentials()
        if self.passwords.needs_rehash(account.password_hash):
            account.password_hash = self.passwords.hash(password)
        return self._start_session(account, actor)

    def refresh(self, *, refresh_token: str, actor: Actor) -> SessionTokens:
        """Trade a refresh token for new tokens. Raises InvalidRefreshToken or RefreshTokenReused."""
        now = self.clock.now()
        token = self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_digest == digest(refresh_token))
        )
        if token is None:
            raise InvalidRefreshToken()
        login = self.session.get_one(LoginSession, token.session_id)
        if login.revoked_at is not None or login.expires_at <= now:
            raise InvalidRefreshToken()
        if not self._spend(token, now):
            self._revoke(login, "refresh_token_reused", actor)
            raise RefreshTokenReused()
        return self._issue(login, login.account_id)

    def log_out(self, *, session_id: uuid.UUID, actor: Actor) -> None:
        login = self.session.get_one(LoginSession, session_id)
        if login.revoked_at is None:
            self._revoke(login, "logout", actor)

    def session_is_active(self, session_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        found = flushed_connection(self.session).scalar(
            _LIVE_SESSION, {"session_id": session_id, "account_id": account_id, "now": self.clock.now()}
        )
        return found is not None

    def _throttle(self, rules: Sequence[RateLimitItem], *key: str) -> None:
        wait = self.limiter.retry_after(rules, *key)
        if wait:
            raise RateLimited(wait, "Too many attempts; try again later.")

    def _start_session(self, account: Account, actor: Actor) -> SessionTokens:
        now = self.clock.now()
        login = LoginSession(
            account_id=account.id,
            created_at=now,
            expires_at=now + timedelta(seconds=self.policy.refresh_ttl),
        )
        self.session.add(login)
        self.session.flush()
        record(
            self.session,
            event="login",
            actor=Actor("citizen", str(account.id), actor.address),
            at=now,
            subject=("session", str(login.id)),
        )
        return self._issue(login, account.id)

    def _issue(self, login: LoginSession, account_id: uuid.UUID) -> SessionTokens:
        refresh_token = secrets.token_urlsafe(32)
        self.session.add(
            RefreshToken(session_id=login.id, token_digest=digest(refresh_token), created_at=self.clock.now())
        )
        self.session.flush()
        access_token = self.tokens.mint(
            subject=str(account_id),
            audience=self.policy.audience,
            ttl=self.policy.access_ttl,
            sid=str(login.id),
        )
        return SessionTokens(login.id, access_token, self.policy.access_ttl, refresh_token)

    def _spend(self, token: RefreshToken, now: datetime) -> bool:
        """Mark ``token`` used: of two requests racing with one token, only one wins."""
        return use_once(self.session, RefreshToken.used_at, RefreshToken.id == token.id, at=now)

    def _revoke(self, login: LoginSession, reason: str, actor: Actor) -> None:
        login.revoked_at = self.clock.now()
        login.revoked_reason = reason
        event = "refresh_token_reused" if reason == "refresh_token_reused" else "logout"
        record(
            self.session,
            event=event,
            actor=actor,
            at=login.revoked_at,
            subject=("session", str(login.id)),
            account_id=str(login.account_id),
        )
        self.session.flush()
