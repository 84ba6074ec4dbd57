from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk


class Device(Base):
    """A phone of the citizen, known by its P-256 public key; one key belongs to one account only."""

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    jwk: Mapped[dict[str, Any]]
    thumbprint: Mapped[str] = mapped_column(
        String(64), unique=True
    )  # RFC 7638, also holder_key on credentials
    push_token: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime]


class DeviceChallenge(Base):
    """A single-use challenge the device signs to prove it holds the key it registers."""

    __tablename__ = "device_challenges"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
