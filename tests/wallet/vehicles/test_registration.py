"""Vehicle registration through the API: the register, the citizen's view, quotes, renewals, refusals."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.factories import agency_client, agency_token, bearer, statements_sent
from tests.wallet.fines.conftest import NOTICE, travel
from tests.wallet.fines.conftest import SCOPES as FINES_SCOPES
from tests.wallet.vehicles.conftest import CAR, add_ctp, register, renew
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher
from wallet.payments.models import SandboxCharge
from wallet.vehicles.models import Vehicle


def mine(client, driver, vehicle):
    return client.get(f"/v1/vehicles/{vehicle['id']}", headers=driver.auth).json


def quote(client, driver, vehicle, term):
    return client.get(f"/v1/vehicles/{vehicle['id']}/renewal-quote?term_months={term}", headers=driver.auth)


def test_the_citizen_sees_the_car_due_soon_and_what_a_renewal_needs(client, car, driver):
    [shown] = client.get("/v1/vehicles", headers=driver.auth).json

    assert (shown["plate"], shown["status"], shown["expiry"], shown["can_renew_online"]) == (
        "ABC12D",
        "due_soon",
        "2026-12-20",
        True,
    )
    assert shown["ctp"] == {"insurer": "NRMA", "ends_on": "2027-12-20"}
    assert [(t["term_months"], t["can_renew"]) for t in shown["renewal"]] == [
        (3, True),
        (6, True),
        (12, True),
    ]


def _statements_listing(client, rt, driver) -> int:
    with statements_sent(rt.db.engine) as sent:
        assert client.get("/v1/vehicles", headers=driver.auth).status_code == 200
    return len(sent)


def test_the_list_reads_each_vehicles_cover_once_for_all_its_terms(client, rt, transport, car, driver):
    one = _statements_listing(client, rt, driver)
    add_ctp(client, transport, register(client, transport, plate="XYZ98A", vin="6T1BF3FK50X054321"))
    two = _statements_listing(client, rt, driver)

    # A vehicle's green slips and its last pink slip, once: before, each of the three terms read them
    # again, and the view read the latest green slip and the pink slip once more (eight a vehicle).
    assert two - one == 2


def test_a_quote_explains_every_line(client, car, driver):
    response = quote(client, driver, car, 6)

    assert response.status_code == 200
    assert [(line["kind"], line["amount_cents"]) for line in response.json["lines"]] == [
        ("registration_fee", 3_950),
        ("motor_vehicle_tax", 18_700),
        ("administration_fee", 500),
    ]
    assert (response.json["total_cents"], response.json["new_expiry"]) == (23_150, "2027-06-20")
    assert (
        response.json["lines"][1]["explanation"]
        == "Motor vehicle tax for 6 months, tare weight 1155 to 1504 kg."
    )


def test_a_term_that_is_not_offered_is_422(client, car, driver):
    assert quote(client, driver, car, 9).status_code == 422


def test_renewing_moves_the_expiry_by_the_term_once(client, rt, car, driver):
    first = renew(client, driver, car, "key-1")
    again = renew(client, driver, car, "key-1")

    assert (first.status_code, first.json["purpose"], first.json["amount_cents"]) == (
        201,
        "registration",
        45_300,
    )
    assert (again.status_code, again.json["id"]) == (201, first.json["id"])
    shown = mine(client, driver, car)
    assert (shown["expiry"], shown["status"]) == ("2027-12-20", "current")
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SandboxCharge)) == 1
    receipt = client.get(f"/v1/payments/{first.json['id']}/receipt", headers=driver.auth).json
    assert receipt["description"] == "Registration ABC12D, 12 months"


def test_a_second_renewal_right_after_is_refused_as_not_yet_open(client, car, driver):
    renew(client, driver, car, "key-1")
    response = renew(client, driver, car, "key-2")

    assert (response.status_code, response.json["code"]) == (422, "renewal_refused")
    assert response.json["needs"] == [
        "Renewal opens on 8 November 2027.",
        "CTP insurance (green slip) must cover the new period, to 20 December 2028.",
    ]


def test_a_green_slip_that_does_not_cover_the_new_period_refuses_the_renewal(client, rt, transport, driver):
    vehicle = register(client, transport)
    add_ctp(client, transport, vehicle, ends_on="2027-03-20")  # enough for 3 months, not for 12

    twelve = renew(client, driver, vehicle, "key-12")
    three = renew(client, driver, vehicle, "key-3", term_months=3, total_cents=12_325)

    assert (twelve.status_code, twelve.json["needs"]) == (
        422,
        ["CTP insurance (green slip) must cover the new period, to 20 December 2027."],
    )
    assert three.status_code == 201, three.json


def test_an_older_car_needs_a_recent_pink_slip(client, transport, driver):
    vehicle = register(client, transport, year=2019)
    add_ctp(client, transport, vehicle)
    refused = renew(client, driver, vehicle, "key-1")
    inspected = client.post(
        f"/v1/agency/vehicles/{vehicle['id']}/inspections",
        json={"inspected_on": "2026-11-20", "passed": True, "station": "Parramatta Motors"},
        headers=bearer(transport),
    )
    renewed = renew(client, driver, vehicle, "key-2")

    assert (refused.status_code, refused.json["code"]) == (422, "renewal_refused")
    assert "safety inspection" in refused.json["needs"][0]
    assert inspected.status_code == 201
    assert renewed.status_code == 201


def test_a_cancelled_registration_cannot_be_renewed(client, transport, car, driver):
    client.patch(f"/v1/agency/vehicles/{car['id']}", json={"status": "cancelled"}, headers=bearer(transport))

    response = renew(client, driver, car, "key-1")

    assert (response.status_code, response.json["needs"]) == (
        422,
        ["The registration is cancelled: it cannot be renewed; register the vehicle again."],
    )
    assert mine(client, driver, car)["status"] == "cancelled"


def test_a_stale_quote_charges_nothing(client, car, driver):
    response = renew(client, driver, car, "key-1", total_cents=40_000)

    assert (response.status_code, response.json["code"], response.json["owed_cents"]) == (
        409,
        "amount_changed",
        45_300,
    )


def test_a_transfer_moves_the_car_to_the_new_operator(client, transport, car, driver, other_driver):
    response = client.post(
        f"/v1/agency/vehicles/{car['id']}/transfer",
        json={"licence_number": "87654321"},
        headers=bearer(transport),
    )

    assert response.status_code == 200
    assert client.get("/v1/vehicles", headers=driver.auth).json == []
    assert [v["plate"] for v in client.get("/v1/vehicles", headers=other_driver.auth).json] == ["ABC12D"]


def test_the_same_plate_twice_is_409(client, transport, car):
    response = client.post(
        "/v1/agency/vehicles", json={**CAR, "vin": "6T1BF3FK50X099999"}, headers=bearer(transport)
    )

    assert (response.status_code, response.json["code"]) == (409, "vehicle_exists")


def test_another_account_gets_404_on_every_vehicle_route(client, car, other_driver):
    base = f"/v1/vehicles/{car['id']}"
    attempts = [
        client.get(base, headers=other_driver.auth),
        client.get(f"{base}/renewal-quote?term_months=12", headers=other_driver.auth),
        renew(client, other_driver, car, "theirs"),
    ]

    assert [r.status_code for r in attempts] == [404, 404, 404]


def test_reminders_go_six_weeks_and_two_weeks_before_and_on_expiry_each_once(
    client, rt, clock, transport, driver
):

    register(client, transport, expiry="2027-02-28")
    kinds = []
    for day in (
        "2027-01-16",
        "2027-01-17",
        "2027-01-18",
        "2027-02-14",
        "2027-02-15",
        "2027-02-28",
        "2027-03-01",
    ):
        travel(client, clock, day, driver)
        run_jobs(rt, pusher=LogPusher())
        kinds = [
            n["kind"] for n in client.get("/v1/notifications", headers=driver.auth).json["notifications"]
        ]

    reminders = [k for k in kinds if k.startswith("registration_")]
    assert sorted(reminders) == ["registration_expiry", "registration_six_weeks", "registration_two_weeks"]


def test_a_camera_fine_by_plate_reaches_the_registered_operator(client, rt, car, driver):
    fines = agency_token(client, agency_client(rt, "transport", FINES_SCOPES))
    notice = {k: v for k, v in NOTICE.items() if k != "licence_number"}
    lodged = client.post("/v1/agency/fines", json={**notice, "plate": "abc 12d"}, headers=bearer(fines))
    unknown = client.post(
        "/v1/agency/fines",
        json={**notice, "notice_number": "4099999999", "plate": "ZZZ999"},
        headers=bearer(fines),
    )
    both = client.post(
        "/v1/agency/fines",
        json={**NOTICE, "notice_number": "4099999998", "plate": "ABC12D"},
        headers=bearer(fines),
    )

    assert lodged.status_code == 201, lodged.json
    assert [f["notice_number"] for f in client.get("/v1/fines", headers=driver.auth).json] == ["4012345678"]
    assert (unknown.status_code, unknown.json["code"]) == (422, "unknown_plate")
    assert both.status_code == 422


MOTORCYCLE = {"plate": "MOTO1", "vin": "6T1BF3FK50X099999", "vehicle_type": "motorcycle", "body_type": "Bike"}


def test_a_tare_outside_its_types_fee_bands_is_refused_on_register_and_on_change(client, transport, driver):
    heavy = client.post(
        "/v1/agency/vehicles",
        json={**CAR, **MOTORCYCLE, "plate": "MOTO2", "vin": "6T1BF3FK50X099998", "tare_kg": 1200},
        headers=bearer(transport),
    )
    motorcycle = register(client, transport, **MOTORCYCLE, tare_kg=1000)  # the heaviest its table prices
    heavier = client.patch(
        f"/v1/agency/vehicles/{motorcycle['id']}", json={"tare_kg": 3000}, headers=bearer(transport)
    )

    # Before, both went through (the schema allowed 4500 kg for every type), and the quote was then a 500.
    for refused in (heavy, heavier):
        assert (refused.status_code, refused.json.get("code"), refused.json.get("errors")) == (
            422,
            "validation_failed",
            {"json": {"tare_kg": ["At most 1000 kg for a motorcycle."]}},
        )
    assert heavy.headers["Content-Type"] == "application/problem+json"


def test_a_vehicle_the_fee_table_cannot_price_gets_a_problem_not_a_500(client, rt, transport, driver):
    motorcycle = register(client, transport, **MOTORCYCLE, tare_kg=200)
    add_ctp(client, transport, motorcycle)
    with rt.db.session() as session, session.begin():  # stored out of band, as before the register checked
        session.get_one(Vehicle, uuid.UUID(motorcycle["id"])).tare_kg = 1200

    quoted = quote(client, driver, motorcycle, 12)
    renewed = renew(client, driver, motorcycle, "key-1", total_cents=14_400)

    for response in (quoted, renewed):
        assert (response.status_code, response.json["code"]) == (422, "renewal_not_quotable")
    assert "a motorcycle of 1200 kg is over the light-vehicle limit" in quoted.json["detail"]
