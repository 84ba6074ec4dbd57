"""Status lists: the signed Token Status List each issuer publishes, its caching, and its random indices."""

from __future__ import annotations

import jwt
import pytest
from jwt.algorithms import ECAlgorithm

from tests.factories import bearer
from tests.wallet.issuance.conftest import (
    accept,
    agency_with_issuer,
    issuer_jwks,
    jwt_payload,
    new_nonce,
    path_of,
    request_credential,
    status_list,
    status_list_token,
)
from wallet.holder.oid4vci import DeviceKey


@pytest.fixture
def credential(holder, offer):
    """One licence, with its status reference."""
    return accept(holder, offer, [DeviceKey()])["driver_licence"][0]


@pytest.fixture
def reference(credential):
    return jwt_payload(credential)["status"]["status_list"]


def _revoke(client, agency_token, person_id, status="revoked"):
    response = client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": status, "reason": "test"},
        headers=bearer(agency_token),
    )
    assert response.status_code == 200, response.json


def test_the_list_is_a_token_signed_by_the_issuer_key(client, issuer, reference, rt):
    token = status_list_token(client, reference["uri"])
    header = jwt.get_unverified_header(token)
    keys = {key["kid"]: key for key in issuer_jwks(client)["keys"]}

    claims = jwt.decode(
        token,
        ECAlgorithm.from_jwk(keys[header["kid"]]),
        algorithms=["ES256"],
        options={"verify_exp": False, "verify_iat": False},  # the app's clock is not the wall clock
    )

    assert header["typ"] == "statuslist+jwt"
    assert claims["sub"] == reference["uri"]
    assert claims["iss"] == issuer
    assert claims["ttl"] == 900
    assert claims["iat"] == int(rt.clock.now().timestamp())
    assert claims["exp"] > claims["iat"]
    assert claims["status_list"]["bits"] == 2


def test_the_list_uri_is_under_the_issuer(reference, issuer):
    assert reference["uri"].startswith(f"{issuer}/status/")


def test_the_list_may_be_cached_for_its_ttl(client, reference):
    response = client.get(path_of(reference["uri"]))

    assert response.status_code == 200
    assert response.mimetype == "application/statuslist+jwt"
    assert "max-age=900" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


def test_the_list_has_room_for_at_least_100000_credentials(client, reference):
    assert len(status_list(client, reference["uri"])) >= 100_000


def test_an_unchanged_list_serves_the_same_token(client, reference):
    assert status_list_token(client, reference["uri"]) == status_list_token(client, reference["uri"])


def test_a_status_change_is_in_the_next_token(client, reference, transport_agency, person_id):
    before = status_list_token(client, reference["uri"])

    _revoke(client, transport_agency, person_id)
    after = status_list_token(client, reference["uri"])

    assert after != before
    assert status_list(client, reference["uri"])[reference["idx"]] == 1
    assert status_list_token(client, reference["uri"]) == after


def test_each_change_is_signed_anew(client, reference, transport_agency, person_id):
    _revoke(client, transport_agency, person_id, "suspended")
    suspended = status_list(client, reference["uri"])[reference["idx"]]
    _revoke(client, transport_agency, person_id, "valid")

    assert (suspended, status_list(client, reference["uri"])[reference["idx"]]) == (2, 0)


def test_the_token_is_signed_anew_after_half_its_ttl(client, clock, reference):
    first = status_list_token(client, reference["uri"])
    clock.advance(minutes=7)
    assert status_list_token(client, reference["uri"]) == first

    clock.advance(minutes=1)
    renewed = status_list_token(client, reference["uri"])

    assert renewed != first
    assert jwt_payload(renewed)["iat"] == int(clock.now().timestamp())


def test_indices_are_random_and_never_repeat(holder, offer):
    received = accept(holder, offer, [DeviceKey() for _ in range(10)])  # 10 licences, 10 proofs of age
    references = [jwt_payload(c)["status"]["status_list"] for cs in received.values() for c in cs]
    indices = [ref["idx"] for ref in references]

    assert len(references) == 20
    assert len({(ref["uri"], ref["idx"]) for ref in references}) == 20
    assert len({ref["uri"] for ref in references}) == 1
    assert sorted(indices) != list(range(min(indices), min(indices) + 20))  # not a consecutive run
    assert indices != sorted(indices)  # not handed out in order
    assert max(indices) - min(indices) > 1000  # spread over the list


def test_indices_never_repeat_across_requests(client, token, issuer, clock):
    now = int(clock.now().timestamp())
    seen = []
    for _ in range(3):
        nonce = new_nonce(client)
        proofs = [DeviceKey().proof(issuer=issuer, nonce=nonce, now=now) for _ in range(10)]
        response = request_credential(client, token, "driver_licence", proofs)
        assert response.status_code == 200, response.json
        seen += [
            jwt_payload(c["credential"])["status"]["status_list"]["idx"] for c in response.json["credentials"]
        ]

    assert len(seen) == len(set(seen)) == 30


def test_an_unknown_list_is_not_found(client, rt, reference):
    agency_with_issuer(rt, client, "seniors")
    number = int(reference["uri"].rsplit("/", 1)[1])

    assert client.get(f"/issuers/transport/status/{number + 1}").status_code == 404
    assert client.get("/issuers/transport/status/0").status_code == 404
    assert client.get(f"/issuers/seniors/status/{number}").status_code == 404
    assert client.get(f"/issuers/nobody/status/{number}").status_code == 404


@pytest.mark.parametrize(
    "number",
    ["2147483648", "99999999999999999999999"],
    ids=["past-postgresql-integer", "past-sqlite-integer"],
)
def test_a_list_number_past_the_columns_range_is_not_found(client, reference, number):
    """Was a 500: the number went into the query and overflowed the database's integer."""
    response = client.get(f"/issuers/transport/status/{number}")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "not_found"
