"""Vehicles as the app shows them, and as the public check shows them (never anything personal)."""

from __future__ import annotations

from typing import Any

from wallet.vehicles import rules
from wallet.vehicles.models import Vehicle
from wallet.vehicles.service import VehicleService


def vehicle_view(service: VehicleService, vehicle: Vehicle) -> dict[str, Any]:
    cover = service.cover(vehicle)
    terms = [{"term_months": t, "needs": service.needs(vehicle, t, cover)} for t in rules.TERMS]
    for term in terms:
        term["can_renew"] = not term["needs"]
    ctp = cover.latest_ctp
    return {
        **_public(service, vehicle),
        "id": vehicle.id,
        "vin": vehicle.vin,
        "ctp": None if ctp is None else {"insurer": ctp.insurer, "ends_on": ctp.ends_on.isoformat()},
        "last_passed_inspection": cover.last_passed_inspection,
        "can_renew_online": any(term["can_renew"] for term in terms),
        "renewal": terms,
    }


def quote_view(service: VehicleService, vehicle: Vehicle, term_months: int) -> dict[str, Any]:
    quoted = service.quote(vehicle, term_months)
    needs = service.needs(vehicle, term_months)
    return {
        "term_months": term_months,
        "lines": quoted.lines,
        "total_cents": quoted.total_cents,
        "new_expiry": rules.renewal_period(vehicle.expiry, term_months)[1],
        "can_renew": not needs,
        "needs": needs,
    }


def rego_check_view(service: VehicleService, vehicle: Vehicle) -> dict[str, Any]:
    ctp = service.cover(vehicle).latest_ctp
    return {**_public(service, vehicle), "ctp_insurer": None if ctp is None else ctp.insurer}


def _public(service: VehicleService, vehicle: Vehicle) -> dict[str, Any]:
    return {
        "plate": vehicle.plate,
        "status": rules.display_status(vehicle.status, vehicle.expiry, service.today, service.rules),
        "expiry": vehicle.expiry,
        "make": vehicle.make,
        "model": vehicle.model,
        "body_type": vehicle.body_type,
        "year": vehicle.year,
    }
