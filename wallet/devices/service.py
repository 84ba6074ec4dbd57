"""Registering the citizen's devices, with proof that the device holds the key, and removing them.

A device registers in two steps: it asks for a challenge (random, single use, five minutes, bound to the
account), then sends its public key with a JWS over that challenge signed by the same key. Removing a
device (a lost or stolen phone) revokes every credential bound to its key in the same transaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from limits import RateLimitItem
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keys import ec_public_jwk, jwk_thumbprint
from verifier.errors import FormatError
from verifier.jwk import p256_public_key
from wallet.accounts.models import LoginSession
from wallet.audit.service import Actor, record
from wallet.auth.tokens import BadNumericDate, numeric_date, own_clock
from wallet.clock import Clock
from wallet.db import use_once
from wallet.devices.errors import DeviceExists, InvalidDeviceKey, InvalidDeviceProof, KeyRegisteredElsewhere
from wallet.devices.models import Device, DeviceChallenge
from wallet.digests import digest
from wallet.errors import NotFound
from wallet.issuance.models import IssuedCredential
from wallet.issuance.service import IssuanceService
from wallet.ratelimit import RateLimiter

CHALLENGE_LIFETIME = timedelta(minutes=5)
PROOF_TYP = "device-proof+jwt"
MAX_PROOF_AGE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NewDevice:
    name: str
    jwk: dict[str, Any]
    proof: str
    push_token: str | None = None


class DeviceService:
    def __init__(
        self,
        session: Session,
        *,
        clock: Clock,
        audience: str,
        issuance: IssuanceService,
        limiter: RateLimiter,
        challenge_rules: Sequence[RateLimitItem],
    ) -> None:
        self.session = session
        self.clock = clock
        self.audience = audience
        self.issuance = issuance
        self.limiter = limiter
        self.challenge_rules = challenge_rules

    def challenge(self, account_id: uuid.UUID) -> str:
        """A fresh challenge for the account's next device registration. Raises RateLimited past the
        account's allowance: every challenge is a row until the purge job, so without one an account could
        grow the table at will."""
        refusal = "Too many device challenges; try again later."
        self.limiter.take(self.challenge_rules, "device-challenge", str(account_id), refusal=refusal)
        challenge = secrets.token_urlsafe(24)
        self.session.add(
            DeviceChallenge(
                account_id=account_id,
                digest=digest(challenge),
                expires_at=self.clock.now() + CHALLENGE_LIFETIME,
            )
        )
        self.session.flush()
        return challenge

    def register(self, account_id: uuid.UUID, new: NewDevice, *, actor: Actor) -> Device:
        """Raises InvalidDeviceKey, InvalidDeviceProof, DeviceExists, KeyRegisteredElsewhere."""
        jwk = self._public_jwk(new.jwk)
        self._check_proof(account_id, new.proof, jwk)
        device = Device(
            account_id=account_id,
            name=new.name,
            jwk=jwk,
            thumbprint=jwk_thumbprint(jwk),
            push_token=new.push_token,
            created_at=self.clock.now(),
        )
        self._insert(device)
        record(
            self.session,
            event="device_registered",
            actor=actor,
            at=device.created_at,
            subject=("device", str(device.id)),
        )
        return device

    @staticmethod
    def _public_jwk(jwk: Any) -> dict[str, Any]:
        try:
            return ec_public_jwk(p256_public_key(jwk))
        except FormatError as e:
            raise InvalidDeviceKey(str(e)) from None

    def _check_proof(self, account_id: uuid.UUID, proof: str, jwk: dict[str, Any]) -> None:
        try:
            if jwt.get_unverified_header(proof).get("typ") != PROOF_TYP:
                raise InvalidDeviceProof(f"the proof must have typ {PROOF_TYP}")
            claims = jwt.decode(
                proof,
                p256_public_key(jwk),
                algorithms=["ES256"],
                audience=self.audience,
                options=own_clock("aud", "iat", "challenge"),
            )
        except jwt.PyJWTError as e:
            raise InvalidDeviceProof(str(e)) from None
        age = self.clock.now().timestamp() - self._issued_at(claims["iat"])
        if not -30 <= age <= MAX_PROOF_AGE.total_seconds():
            raise InvalidDeviceProof("the proof is not recent")
        if not isinstance(claims["challenge"], str) or not self._spend(account_id, claims["challenge"]):
            raise InvalidDeviceProof("unknown, used or expired challenge")

    @staticmethod
    def _issued_at(iat: Any) -> float:
        # own_clock turns PyJWT's own iat check off, so the value is whatever JSON the device signed.
        try:
            return numeric_date(iat)
        except BadNumericDate as e:
            raise InvalidDeviceProof(f"iat {e}") from None

    def _spend(self, account_id: uuid.UUID, challenge: str) -> bool:
        now = self.clock.now()
        return use_once(
            self.session,
            DeviceChallenge.used_at,
            DeviceChallenge.digest == digest(challenge),
            DeviceChallenge.account_id == account_id,
            DeviceChallenge.expires_at > now,
            at=now,
        )

    def _insert(self, device: Device) -> None:
        owner = self.session.scalar(select(Device.account_id).where(Device.thumbprint == device.thumbprint))
        if owner is not None:
            raise DeviceExists() if owner == device.account_id else KeyRegisteredElsewhere()
        try:
            with self.session.begin_nested():
                self.session.add(device)
        except IntegrityError:  # registered by a concurrent request just now
            raise KeyRegisteredElsewhere() from None

    def _end_sessions(self, account_id: uuid.UUID, *, keep: uuid.UUID | None) -> None:
        self.session.execute(
            update(LoginSession)
            .where(
                LoginSession.account_id == account_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.id != keep,
            )
            .values(revoked_at=self.clock.now(), revoked_reason="device_removed")
            .execution_options(synchronize_session=False)
        )

    def devices(self, account_id: uuid.UUID) -> list[Device]:
        return list(
            self.session.scalars(
                select(Device).where(Device.account_id == account_id).order_by(Device.created_at)
            )
        )

    def device(self, account_id: uuid.UUID, device_id: uuid.UUID) -> Device:
        """One of the account's devices. Raises NotFound, also for another account's."""
        device = self.session.get(Device, device_id)
        if device is None or device.account_id != account_id:
            raise NotFound("No such device.")
        return device

    def update(self, account_id: uuid.UUID, device_id: uuid.UUID, changes: dict[str, Any]) -> Device:
        device = self.device(account_id, device_id)
        for name, value in changes.items():
            setattr(device, name, value)
        self.session.flush()
        return device

    def remove(
        self,
        account_id: uuid.UUID,
        device_id: uuid.UUID,
        *,
        actor: Actor,
        keep_session: uuid.UUID | None = None,
    ) -> int:
        """Delete the device, revoke every credential bound to its key, and end the account's other sessions
        (a lost phone is still logged in: it must not register a new key and collect fresh copies).
        Returns how many credentials were revoked."""
        device = self.device(account_id, device_id)
        self._end_sessions(account_id, keep=keep_session)
        bound = list(
            self.session.scalars(
                select(IssuedCredential).where(
                    IssuedCredential.holder_key == device.thumbprint, IssuedCredential.state != "revoked"
                )
            )
        )
        # The citizen removed the device themselves: nothing to tell them.
        self.issuance.statuses.change(bound, "revoked", reason="device removed", actor=actor, tell=False)
        record(
            self.session,
            event="device_removed",
            actor=actor,
            at=self.clock.now(),
            subject=("device", str(device.id)),
            credentials_revoked=len(bound),
        )
        self.session.delete(device)
        self.session.flush()
        return len(bound)


def purge_challenges(session: Session, *, now: datetime) -> int:
    """Delete challenges that expired: they can never be used again."""
    result = session.execute(delete(DeviceChallenge).where(DeviceChallenge.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]
