from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from wallet.db import Base, uuid_pk

_LIVE = text("state <> 'revoked'")  # a credential not (yet) revoked


class CredentialAuthorisation(Base):
    """An agency's decision that a person may hold a credential of one type, with the claims to put in it."""

    __tablename__ = "credential_authorisations"

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    credential_type: Mapped[str] = mapped_column(String(64))
    claims: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]


class CredentialOffer(Base):
    """An OpenID4VCI offer: a single-use pre-authorized code, and the transaction code that goes with it.

    Both are kept as digests only. The transaction code is short, so wrong guesses are counted and the
    offer dies after a few.
    """

    __tablename__ = "credential_offers"

    id: Mapped[uuid.UUID] = uuid_pk()
    authorisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credential_authorisations.id"), index=True
    )
    code_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    tx_code_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class IssuanceNonce(Base):
    """A ``c_nonce`` from the nonce endpoint: single use, short lived, kept as a digest."""

    __tablename__ = "issuance_nonces"

    id: Mapped[uuid.UUID] = uuid_pk()
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class StatusListRecord(Base):
    """One Token Status List of an issuer: its size, how full it is, and its last signed token."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("agency_id", "number"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every status change
    token: Mapped[str | None] = mapped_column(Text)
    token_version: Mapped[int] = mapped_column(Integer, default=-1)  # the version the token shows
    token_signed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class IssuedCredential(Base):
    """The record of one credential we signed (never the holder's private key, nor the credential itself)."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        # What a key compromise re-issues, walked in id order a batch at a time (wallet.issuance.reissue):
        # each batch reads only its own rows, where an index on the kid alone made PostgreSQL read every
        # remaining row of the key and sort them (1.2 s a batch at a million). Revoked copies leave it.
        Index(
            "ix_issued_credentials_live_by_kid",
            "signing_kid",
            "id",
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    authorisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credential_authorisations.id"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    credential_type: Mapped[str] = mapped_column(String(64))
    companion_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("issued_credentials.id"), index=True)
    status_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    holder_key: Mapped[str] = mapped_column(String(64), index=True)  # RFC 7638 thumbprint of cnf.jwk
    holder_jwk: Mapped[
        dict[str, Any] | None
    ]  # the device's public key, to re-issue to it without a new proof
    replaces: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("issued_credentials.id"), index=True)
    signing_kid: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="valid")  # valid, revoked, suspended
    # Set when the record behind it changed: the app should fetch a new copy (it keeps this one until then).
    refresh_due_since: Mapped[datetime | None]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PendingCredential(Base):
    """A credential the service re-issued on its own (after a key compromise), waiting for its holder's app.

    Kept only until delivered: the app fetches it with the wallet listing and the row is then emptied.
    """

    __tablename__ = "pending_credentials"

    id: Mapped[uuid.UUID] = uuid_pk()
    issued_credential_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("issued_credentials.id"), unique=True)
    credential: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
