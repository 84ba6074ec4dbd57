from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class LoginSession(Base):
    """One log-in on one app install: the family of refresh tokens that descend from it.

    Access tokens name their session (``sid``), so revoking it (logout, or a replayed refresh token) ends
    them too, not just the refresh tokens.
    """

    __tablename__ = "login_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """An opaque refresh token, kept only as its SHA-256 digest; each is good for one use."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("login_sessions.id"), index=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
