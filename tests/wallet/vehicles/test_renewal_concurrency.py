"""Two renewals of one vehicle at once, committing for real: one succeeds, the other is refused or replayed,
and the expiry moves once. On a database of this module's own (SQLite file or PostgreSQL schema)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import migrated_database
from tests.factories import bearer
from tests.wallet.fines.conftest import committed_driver
from tests.wallet.vehicles.conftest import CAR, GREEN_SLIP, SCOPES
from wallet.app import create_app
from wallet.vehicles.models import Renewal, Vehicle


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with migrated_database(tmp_path_factory.mktemp("renewals"), "renewals") as url:
        yield url


@pytest.fixture
def live(settings, clock, own_database):
    app = create_app({**settings, "DATABASE_URL": own_database}, clock=clock)
    yield app
    app.extensions["credwallet"].db.dispose()


@pytest.fixture
def owned(live):
    """A car on the register, committed, with a green slip, registered to a citizen who has linked."""
    driver = committed_driver(live, SCOPES)
    unique, client, agency = driver.unique, live.test_client(), driver.agency
    car = {
        **CAR,
        "plate": f"R{unique % 10**6:06d}",
        "vin": f"6T1BF3FK5{unique % 10**8:08d}",
        "operator_licence": driver.licence_number,
    }
    vehicle = client.post("/v1/agency/vehicles", json=car, headers=bearer(agency)).json
    client.post(f"/v1/agency/vehicles/{vehicle['id']}/ctp", json=GREEN_SLIP, headers=bearer(agency))
    return vehicle, driver.token


def race(app, vehicle, token, keys):
    barrier, responses = threading.Barrier(len(keys)), [None] * len(keys)

    def one(i):
        barrier.wait()
        responses[i] = app.test_client().post(
            f"/v1/vehicles/{vehicle['id']}/renewals",
            json={"term_months": 12, "total_cents": 45_300, "card_token": "tok_sandbox_visa"},
            headers={**bearer(token), "Idempotency-Key": f'"{keys[i]}"'},
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    return responses


def renewals_and_expiry(app, vehicle):
    with app.extensions["credwallet"].db.session() as session:
        count = session.scalar(
            select(func.count()).select_from(Renewal).where(Renewal.vehicle_id == uuid.UUID(vehicle["id"]))
        )
        return count, session.get_one(Vehicle, uuid.UUID(vehicle["id"])).expiry.isoformat()


@pytest.mark.parametrize("same_key", [True, False], ids=["same-key", "two-keys"])
def test_two_renewals_at_once_move_the_expiry_once(live, owned, same_key):
    vehicle, token = owned
    responses = race(live, vehicle, token, ["k"] * 2 if same_key else ["k1", "k2"])

    codes = sorted((r.status_code, (r.json or {}).get("code")) for r in responses)
    assert codes[0] == (201, None)
    allowed = {
        (201, None),
        (409, "request_in_progress"),
        (409, "payment_in_progress"),
        (422, "renewal_refused"),
    }
    assert codes[1] in allowed
    assert renewals_and_expiry(live, vehicle) == (1, "2027-12-20")
