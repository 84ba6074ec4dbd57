"""The demerit summary the app shows, licence categories the agency sets, and each suspension they lead to."""

from __future__ import annotations

from tests.factories import agency_client, agency_token, bearer, citizen
from tests.wallet.fines.conftest import lodged, pay


def points(client, transport, driver, *values: int, first_notice: int = 4100000000) -> None:
    """Camera fines with these points, each paid at once (outside double-demerit periods)."""
    for n, value in enumerate(values):
        fine = lodged(
            client,
            transport,
            notice_number=str(first_notice + n),
            points=value,
            offence_at="2026-11-10T08:30:00+11:00",
        )
        assert pay(client, driver, fine, f"key-{first_notice + n}").status_code == 201


def standing(client, driver) -> dict:
    return client.get("/v1/demerits", headers=driver.auth).json


def category(client, rt, driver, body):
    token = agency_token(client, agency_client(rt, "transport", ("demerits:write",)))
    return client.post(
        f"/v1/agency/people/{driver.person_id}/demerit-category", json=body, headers=bearer(token)
    )


def test_the_summary_warns_near_the_limit(client, transport, driver):
    points(client, transport, driver, 6, 4)

    shown = standing(client, driver)
    assert (shown["balance"], shown["threshold"], shown["sanctions"]) == (10, 13, [])
    assert shown["warning"] == (
        "You are 3 points from the limit for your licence. Reaching it means your licence will be suspended."
    )


def test_thirteen_points_suspend_an_unrestricted_licence_for_three_months(client, transport, driver):
    points(client, transport, driver, 6, 4, 3)

    shown = standing(client, driver)
    [suspension] = shown["sanctions"]
    assert (suspension["kind"], suspension["starts_on"], suspension["ends_on"]) == (
        "demerit_suspension",
        "2026-11-22",
        "2027-02-21",
    )
    assert "13 demerit points" in suspension["reason"]
    assert shown["balance"] == 0  # the suspension spends the points
    assert all(entry["spent"] for entry in shown["history"])


def test_a_professional_driver_has_a_limit_of_14(client, rt, transport, driver):
    set_to = category(
        client, rt, driver, {"category": "professional", "starts_on": "2026-01-01", "reason": "Taxi"}
    )
    assert set_to.status_code == 201, set_to.json
    points(client, transport, driver, 6, 4, 3)

    shown = standing(client, driver)
    assert (shown["licence_category"], shown["threshold"], shown["balance"], shown["sanctions"]) == (
        "professional",
        14,
        13,
        [],
    )


def test_two_points_in_a_good_behaviour_period_suspend_for_six_months(client, rt, transport, driver):
    category(
        client,
        rt,
        driver,
        {
            "category": "good_behaviour",
            "starts_on": "2026-11-01",
            "ends_on": "2027-10-31",
            "reason": "Chosen",
        },
    )
    points(client, transport, driver, 2)

    [suspension] = standing(client, driver)["sanctions"]
    assert (suspension["starts_on"], suspension["ends_on"]) == ("2026-11-22", "2027-05-21")


def test_a_category_for_another_agencys_person_is_404(client, rt, driver):
    token = agency_token(client, agency_client(rt, "revenue", ("demerits:write",)))
    response = client.post(
        f"/v1/agency/people/{driver.person_id}/demerit-category",
        json={"category": "professional", "starts_on": "2026-01-01", "reason": "x"},
        headers=bearer(token),
    )

    assert response.status_code == 404


def test_an_account_with_no_licence_gets_404(client):
    token = citizen(client, "nolicence@example.org")["access_token"]
    response = client.get("/v1/demerits", headers=bearer(token))

    assert (response.status_code, response.json["code"]) == (404, "not_found")
