"""Every model, imported in one place so that Alembic and the tests see the whole schema."""

from wallet.accounts.models import Account, LoginSession, RefreshToken
from wallet.agencies.models import Agency, AgencyClient, Person
from wallet.applications.models import Application
from wallet.audit.models import AuditEvent
from wallet.db import Base
from wallet.demerits.models import DemeritEntry, DriverCategory, Sanction
from wallet.devices.models import Device, DeviceChallenge
from wallet.fines.models import Fine, FineImage
from wallet.issuance.models import (
    CredentialAuthorisation,
    CredentialOffer,
    IssuanceNonce,
    IssuedCredential,
    PendingCredential,
    StatusListRecord,
)
from wallet.links.models import LinkCode, PersonIdentifier
from wallet.notifications.models import Notification, NotificationDelivery
from wallet.payments.models import IdempotencyKey, Payment, SandboxCharge
from wallet.vehicles.models import CtpPolicy, Renewal, SafetyInspection, Vehicle

__all__ = [
    "Account",
    "Agency",
    "AgencyClient",
    "Application",
    "AuditEvent",
    "Base",
    "CredentialAuthorisation",
    "CredentialOffer",
    "CtpPolicy",
    "DemeritEntry",
    "Device",
    "DeviceChallenge",
    "DriverCategory",
    "Fine",
    "FineImage",
    "IdempotencyKey",
    "IssuanceNonce",
    "IssuedCredential",
    "LinkCode",
    "LoginSession",
    "Notification",
    "NotificationDelivery",
    "Payment",
    "PendingCredential",
    "Person",
    "PersonIdentifier",
    "RefreshToken",
    "Renewal",
    "SafetyInspection",
    "Sanction",
    "SandboxCharge",
    "StatusListRecord",
    "Vehicle",
]
