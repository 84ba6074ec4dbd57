"""What one app instance runs on, built once by the factory and reached through ``runtime()``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from issuers.receipts import Receipt, receipt_token
from keys import FileKeyStore, KeyStore
from wallet.accounts.passwords import Passwords
from wallet.accounts.service import AccountService, LoginPolicy
from wallet.agencies.models import Agency
from wallet.agencies.service import AgencyService
from wallet.auth.tokens import AccessTokens
from wallet.clock import Clock
from wallet.config import Settings
from wallet.db import Database
from wallet.demerits import rules as demerit_rules
from wallet.demerits.sanctions import Sanctions
from wallet.demerits.service import DemeritService
from wallet.devices.service import DeviceService
from wallet.fines.lifecycle import FineLifecycle
from wallet.fines.service import FineService
from wallet.issuance.offers import OfferService
from wallet.issuance.records import RecordChanges
from wallet.issuance.service import IssuanceService, issuer_keys, issuer_url
from wallet.issuance.status import StatusChanges
from wallet.issuance.statuslists import StatusLists
from wallet.links.service import LinkService
from wallet.payments.gateway import SandboxGateway
from wallet.payments.models import Payment
from wallet.payments.service import PaymentService
from wallet.ratelimit import RateLimiter, parse_rules
from wallet.trust.service import TrustService
from wallet.vehicles.service import VehicleService


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    keystore: KeyStore
    limiter: RateLimiter
    passwords: Passwords
    tokens: AccessTokens
    login_policy: LoginPolicy

    @property
    def app_audience(self) -> str:
        return app_audience(self.settings)

    @property
    def agency_audience(self) -> str:
        return agency_audience(self.settings)

    def accounts(self, session: Session) -> AccountService:
        return AccountService(
            session,
            clock=self.clock,
            passwords=self.passwords,
            tokens=self.tokens,
            limiter=self.limiter,
            policy=self.login_policy,
        )

    def agencies(self, session: Session) -> AgencyService:
        return AgencyService(
            session,
            clock=self.clock,
            tokens=self.tokens,
            audience=self.agency_audience,
            token_ttl=self.settings.agency_token_ttl,
        )

    def offers(self, session: Session) -> OfferService:
        lists = StatusLists(session, now=self.clock.now)
        statuses = StatusChanges(session, now=self.clock.now, lists=lists)
        return OfferService(session, clock=self.clock, tokens=self.tokens, statuses=statuses)

    def issuance(self, session: Session) -> IssuanceService:
        return IssuanceService(
            session,
            clock=self.clock,
            keystore=self.keystore,
            offers=self.offers(session),
            base_url=self.settings.public_url,
        )

    def record_changes(self, session: Session) -> RecordChanges:
        return RecordChanges(session, clock=self.clock)

    def devices(self, session: Session) -> DeviceService:
        return DeviceService(
            session,
            clock=self.clock,
            audience=self.app_audience,
            issuance=self.issuance(session),
            limiter=self.limiter,
            challenge_rules=parse_rules(self.settings.device_challenge_limit),
        )

    def links(self, session: Session) -> LinkService:
        return LinkService(
            session,
            clock=self.clock,
            limiter=self.limiter,
            rules=parse_rules(self.settings.link_limit_account),
        )

    def sanctions(self, session: Session) -> Sanctions:
        return Sanctions(
            session,
            now=self.clock.now,
            statuses=self.issuance(session).statuses,
            proof_of_age_stays_valid=demerit_rules.NSW.proof_of_age_stays_valid,
        )

    def demerits(self, session: Session) -> DemeritService:
        return DemeritService(session, sanctions=self.sanctions(session))

    def fines(self, session: Session) -> FineService:
        return FineService(session, clock=self.clock, demerits=self.demerits(session))

    def fine_lifecycle(self, session: Session) -> FineLifecycle:
        return FineLifecycle(self.fines(session), sanctions=self.sanctions(session))

    def payments(self) -> PaymentService:
        """Payments run their own transactions (see wallet.payments.service), not the request's."""
        return PaymentService(
            self.db.session,
            now=self.clock.now,
            gateway=self.gateway(),
            settlers={
                purpose: lambda session, payment: self.fine_lifecycle(session).settle(payment)
                for purpose in ("fine", "fine_instalment")
            }
            | {"registration": lambda session, payment: self.vehicles(session).settle(payment)},
        )

    def gateway(self) -> SandboxGateway | None:
        if self.settings.payment_gateway == "sandbox":
            return SandboxGateway(self.db.session, now=self.clock.now)
        return None

    def vehicles(self, session: Session) -> VehicleService:
        return VehicleService(session, clock=self.clock)

    def receipt_token(self, payment: Payment, agency: Agency) -> str:
        receipt = Receipt(
            number=payment.receipt_number or "",
            payer=str(payment.account_id),
            description=payment.description,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            paid_at=payment.captured_at or self.clock.now(),
            refunded_cents=payment.refunded_cents,
        )
        key = self.keystore.active(issuer_keys(agency.slug))
        return receipt_token(
            receipt, key=key, issuer=issuer_url(self.settings.public_url, agency.slug), now=self.clock.now()
        )

    def trust(self, session: Session) -> TrustService:
        return TrustService(
            session,
            clock=self.clock,
            keystore=self.keystore,
            issuance=self.issuance(session),
            base_url=self.settings.public_url,
        )


def app_audience(settings: Settings) -> str:
    """The ``aud`` of citizens' access tokens: the app API."""
    return f"{settings.public_url}/v1"


def agency_audience(settings: Settings) -> str:
    """The ``aud`` of agency clients' access tokens: the agency API."""
    return f"{settings.public_url}/v1/agency"


def open_keystore(settings: Settings) -> KeyStore:
    """The one way keys are loaded, for the app and the CLI alike."""
    return FileKeyStore(settings.keys_dir, settings.key_passphrase.encode())


def build_runtime(settings: Settings, clock: Clock) -> Runtime:
    keystore = open_keystore(settings)
    return Runtime(
        settings=settings,
        clock=clock,
        db=Database(settings.database_url),
        keystore=keystore,
        limiter=RateLimiter.from_redis_url(settings.redis_url),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        ),
        tokens=AccessTokens(keystore=keystore, issuer=settings.public_url, clock=clock),
        login_policy=LoginPolicy(
            audience=app_audience(settings),
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
            per_account=parse_rules(settings.login_limit_account),
            per_address=parse_rules(settings.login_limit_address),
        ),
    )


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["credwallet"]
    return rt
