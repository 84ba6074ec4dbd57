from __future__ import annotations

from wallet.errors import AppError


class InvalidDeviceKey(AppError):
    status = 422
    code = "invalid_device_key"
    title = "The device key must be a P-256 public key (EC JWK, no private part)"


class InvalidDeviceProof(AppError):
    status = 422
    code = "invalid_device_proof"
    title = "The device proof is not a fresh signature by that key over this account's challenge"


class KeyRegisteredElsewhere(AppError):
    status = 409
    code = "key_registered_elsewhere"
    title = "This key belongs to a device of another account"


class DeviceExists(AppError):
    status = 409
    code = "device_exists"
    title = "This key is already registered as one of your devices"
