"""Agencies lodge penalty notices: idempotent on the notice number, checked, and only with fines:write."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from tests.factories import agency_client, agency_token, bearer
from tests.wallet.fines.conftest import NOTICE, lodge, lodged

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_a_lodged_notice_reaches_the_citizen_with_its_details(client, transport, driver):
    fine = lodged(client, transport)

    mine = client.get("/v1/fines", headers=driver.auth).json
    assert [f["id"] for f in mine] == [fine["id"]]
    assert mine[0] | {"actions": None} == fine | {"actions": None}
    assert (fine["state"], fine["owed_cents"], fine["pay_by"]) == ("issued", 41_000, "2026-12-13")
    assert fine["issuer"] == "Transport"


def test_lodging_the_same_notice_again_returns_the_first(client, transport, driver):
    first = lodged(client, transport)
    again = lodge(client, transport)

    assert (again.status_code, again.json["id"]) == (200, first["id"])
    assert len(client.get("/v1/fines", headers=driver.auth).json) == 1


def test_the_same_notice_number_with_other_details_is_refused(client, transport, driver):
    lodged(client, transport)
    response = lodge(client, transport, amount_cents=99_900)

    assert (response.status_code, response.json["code"]) == (409, "notice_number_conflict")


def test_a_licence_number_nobody_holds_is_refused(client, transport, driver):
    response = lodge(client, transport, licence_number="99999999")

    assert (response.status_code, response.json["code"]) == (422, "unknown_licence")


def test_images_are_kept_and_shown_with_the_fine(client, transport, driver):
    image = {"content_type": "image/jpeg", "data": base64.b64encode(JPEG).decode()}
    fine = lodged(client, transport, images=[image])

    detail = client.get(f"/v1/fines/{fine['id']}", headers=driver.auth).json
    assert detail["images"] == [
        {"content_type": "image/jpeg", "url": "data:image/jpeg;base64," + image["data"]}
    ]


def test_an_image_that_is_not_what_it_says_is_refused(client, transport, driver):
    png_claiming_jpeg = {
        "content_type": "image/jpeg",
        "data": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(),
    }
    response = lodge(client, transport, images=[png_claiming_jpeg])

    assert response.status_code == 422
    assert client.get("/v1/fines", headers=driver.auth).json == []


def test_a_due_date_before_the_offence_is_refused(client, transport, driver):
    response = lodge(client, transport, due_date="2026-11-01")

    assert (response.status_code, response.json["errors"]["json"]) == (
        422,
        {"due_date": ["must not be before the offence"]},
    )


@pytest.mark.parametrize("due_date", ["2027-11-12", "9999-12-31"])
def test_a_due_date_more_than_a_year_after_the_offence_is_refused(client, transport, driver, due_date):
    response = lodge(client, transport, due_date=due_date)

    assert (response.status_code, response.json["code"], response.json["errors"]["json"]) == (
        422,
        "validation_failed",
        {"due_date": ["must not be more than 366 days after the offence"]},
    )


def test_a_due_date_366_days_after_the_offence_is_accepted(client, transport, driver):
    assert lodge(client, transport, due_date="2027-11-11").status_code == 201


def test_an_offence_dated_after_now_is_refused_and_lodges_nothing(client, transport, driver, clock):
    # An offence in 9999 once lodged, and then made GET /v1/demerits a 500 (its periods ran off the calendar).
    ahead = (clock.now() + timedelta(hours=1)).isoformat()
    response = lodge(client, transport, offence_at=ahead, due_date="2026-12-20")

    assert (response.status_code, response.json["code"], response.json["errors"]["json"]) == (
        422,
        "validation_failed",
        {"offence_at": ["must not be in the future"]},
    )
    assert client.get("/v1/fines", headers=driver.auth).json == []


def test_an_offence_a_moment_after_our_clock_is_accepted(client, transport, driver, clock):
    # An agency's clock a little ahead of ours is not an offence in the future.
    ahead = (clock.now() + timedelta(minutes=1)).isoformat()

    assert lodge(client, transport, offence_at=ahead, due_date="2026-12-20").status_code == 201


def test_lodging_needs_the_fines_write_scope(rt, client, driver):
    reader = agency_token(client, agency_client(rt, "transport", ("people:read",)))
    response = client.post("/v1/agency/fines", json=NOTICE, headers=bearer(reader))

    assert (response.status_code, response.json["code"]) == (403, "insufficient_scope")
