"""The transport agency's vehicle register: vehicles, green slips, pink slips and transfers."""

from __future__ import annotations

import uuid
from typing import Any

from wallet.auth.guards import agency_required, caller_actor, current_agency
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.runtime import runtime
from wallet.vehicles.models import CtpPolicy, SafetyInspection, Vehicle
from wallet.vehicles.register import VehicleRecord, VehicleRegister
from wallet.vehicles.schemas import (
    AgencyVehicleSchema,
    CtpSchema,
    InspectionSchema,
    TransferSchema,
    VehicleChangeSchema,
    VehicleRequestSchema,
)

blp = Blueprint("agency_vehicles", __name__, url_prefix="/v1/agency", description="The vehicle register")
WRITE = "vehicles:write"


def _register() -> VehicleRegister:
    return VehicleRegister(runtime().vehicles(request_session()))


def _own(vehicle_id: uuid.UUID) -> Vehicle:
    return _register().for_agency(current_agency().agency_id, vehicle_id)


@blp.route("/vehicles", methods=["POST"])
@blp.operation("registerVehicle")
@agency_required(blp, WRITE)
@blp.arguments(VehicleRequestSchema)
@blp.response(201, AgencyVehicleSchema)
@blp.problems(409, 422)
def register(body: dict[str, Any]) -> Vehicle:
    """Put a vehicle on the register, with its registered operator (by licence number)"""
    return _register().register(current_agency().agency_id, VehicleRecord(**body), actor=caller_actor())


@blp.route("/vehicles/<uuid:vehicle_id>", methods=["PATCH"])
@blp.operation("changeVehicle")
@agency_required(blp, WRITE)
@blp.arguments(VehicleChangeSchema)
@blp.response(200, AgencyVehicleSchema)
@blp.problems(404, 422)
def change(body: dict[str, Any], vehicle_id: uuid.UUID) -> Vehicle:
    """Change a registration's expiry or status (suspended, cancelled) or the vehicle's tare weight"""
    return _register().update(_own(vehicle_id), body, actor=caller_actor())


@blp.route("/vehicles/<uuid:vehicle_id>/transfer", methods=["POST"])
@blp.operation("transferVehicle")
@agency_required(blp, WRITE)
@blp.arguments(TransferSchema)
@blp.response(200, AgencyVehicleSchema)
@blp.problems(404, 422)
def transfer(body: dict[str, Any], vehicle_id: uuid.UUID) -> Vehicle:
    """Transfer the registration to another registered operator; both are told"""
    return _register().transfer(_own(vehicle_id), licence_number=body["licence_number"], actor=caller_actor())


@blp.route("/vehicles/<uuid:vehicle_id>/ctp", methods=["POST"])
@blp.operation("recordCtp")
@agency_required(blp, WRITE)
@blp.arguments(CtpSchema)
@blp.response(201, CtpSchema)
@blp.problems(404, 422)
def record_ctp(body: dict[str, Any], vehicle_id: uuid.UUID) -> CtpPolicy:
    """Record a CTP policy (green slip) and its period"""
    return _register().add_ctp(_own(vehicle_id), body, actor=caller_actor())


@blp.route("/vehicles/<uuid:vehicle_id>/inspections", methods=["POST"])
@blp.operation("recordInspection")
@agency_required(blp, WRITE)
@blp.arguments(InspectionSchema)
@blp.response(201, InspectionSchema)
@blp.problems(404, 422)
def record_inspection(body: dict[str, Any], vehicle_id: uuid.UUID) -> SafetyInspection:
    """Record a safety inspection (pink slip) and its result"""
    return _register().add_inspection(_own(vehicle_id), body, actor=caller_actor())
