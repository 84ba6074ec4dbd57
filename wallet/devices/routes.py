"""The citizen's devices: register (with proof of possession), list, rename, remove."""

from __future__ import annotations

import uuid
from typing import Any

from wallet.auth.guards import caller_actor, citizen_required, current_citizen
from wallet.db import request_session
from wallet.devices.models import Device
from wallet.devices.schemas import (
    ChallengeSchema,
    DeviceSchema,
    RegisterDeviceSchema,
    RemovedSchema,
    UpdateDeviceSchema,
)
from wallet.devices.service import CHALLENGE_LIFETIME, DeviceService, NewDevice
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("devices", __name__, url_prefix="/v1", description="The citizen's devices")


def _devices() -> DeviceService:
    return runtime().devices(request_session())


@blp.route("/devices/challenges", methods=["POST"])
@blp.operation("getDeviceChallenge")
@citizen_required(blp)
@blp.response(201, ChallengeSchema)
@blp.problems(429)
def challenge() -> dict[str, Any]:
    """A challenge for the device to sign when it registers (single use, 5 minutes)

    Limited per account; past the limit the answer is 429 with Retry-After.
    """
    return {
        "challenge": _devices().challenge(current_citizen().account_id),
        "expires_in": int(CHALLENGE_LIFETIME.total_seconds()),
    }


@blp.route("/devices", methods=["POST"])
@blp.operation("registerDevice")
@citizen_required(blp)
@blp.arguments(RegisterDeviceSchema)
@blp.response(201, DeviceSchema)
@blp.problems(409, 422)
def register(body: dict[str, Any]) -> Device:
    """Register a device key, with proof that the device holds it"""
    new = NewDevice(body["name"], body["public_jwk"], body["proof"], body.get("push_token"))
    return _devices().register(current_citizen().account_id, new, actor=caller_actor())


@blp.route("/devices", methods=["GET"])
@blp.operation("listDevices")
@citizen_required(blp)
@blp.response(200, DeviceSchema(many=True))
def list_devices() -> list[Device]:
    """The citizen's devices"""
    return _devices().devices(current_citizen().account_id)


@blp.route("/devices/<uuid:device_id>", methods=["PATCH"])
@blp.operation("updateDevice")
@citizen_required(blp)
@blp.arguments(UpdateDeviceSchema)
@blp.response(200, DeviceSchema)
@blp.problems(404, 422)
def update(body: dict[str, Any], device_id: uuid.UUID) -> Device:
    """Rename a device or change its push token"""
    return _devices().update(current_citizen().account_id, device_id, body)


@blp.route("/devices/<uuid:device_id>", methods=["DELETE"])
@blp.operation("removeDevice")
@citizen_required(blp)
@blp.response(200, RemovedSchema)
@blp.problems(404)
def remove(device_id: uuid.UUID) -> dict[str, int]:
    """Remove a device (lost or stolen): every credential bound to its key is revoked at once

    Every other session of the account ends too, so a lost phone that is still logged in is logged out.
    """
    citizen = current_citizen()
    revoked = _devices().remove(
        citizen.account_id, device_id, actor=caller_actor(), keep_session=citizen.session_id
    )
    return {"credentials_revoked": revoked}
