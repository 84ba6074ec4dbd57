from __future__ import annotations

import pytest

from tests.factories import PASSWORD, TEST_ACTOR, bearer, citizen, register_device
from tests.samples import LICENCE
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.reissue import Reissuer

CARD = {"licence_number": LICENCE["licence_number"], "card_number": LICENCE["card_number"]}


@pytest.fixture
def token(client):
    return citizen(client, "alex@example.org")["access_token"]


@pytest.fixture
def phone(client, rt, token):
    """A registered device of the citizen."""
    device = DeviceKey()
    register_device(client, rt, token, device, name="Alex's phone")
    return device


def _log_in_again(client):
    """The citizen's access token after the clock jumped past its ten minutes."""
    body = {"email": "alex@example.org", "password": PASSWORD}
    return client.post("/v1/sessions", json=body).json["access_token"]


def _wallet(client, token):
    response = client.get("/v1/credentials", headers=bearer(token))
    assert response.status_code == 200
    return response.json


def test_credentials_on_the_citizens_device_are_in_the_wallet(client, token, phone, holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])

    wallet = _wallet(client, token)

    assert sorted(e["type"] for e in wallet) == ["driver_licence", "proof_of_age"]
    licence = next(e for e in wallet if e["type"] == "driver_licence")
    assert licence["status"] == "valid"
    assert licence["issuer"] == "Transport"
    assert licence["display"]["name"] == "Driver licence"
    assert licence["device"]["name"] == "Alex's phone"
    assert (licence["refresh_due"], licence["pending_copy"]) == (False, False)


def test_a_linked_record_brings_its_credentials_even_on_an_unregistered_device(client, token, holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    assert _wallet(client, token) == []

    client.post("/v1/links", json=CARD, headers=bearer(token))

    wallet = _wallet(client, token)
    assert len(wallet) == 2
    assert all(e["device"] is None for e in wallet)


def test_a_linked_record_on_someone_elses_phone_does_not_name_that_phone(client, rt, token, holder, offer):
    """The credential shows (its record is linked), but the other account's device stays theirs."""
    other = citizen(client, "sam@example.org")["access_token"]
    sams_phone = DeviceKey()
    register_device(client, rt, other, sams_phone, name="Sam's phone")
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [sams_phone])

    client.post("/v1/links", json=CARD, headers=bearer(token))

    assert [e["device"] for e in _wallet(client, token)] == [None, None]
    assert {e["device"]["name"] for e in _wallet(client, other)} == {"Sam's phone"}


def test_status_follows_the_agency_and_the_clock(
    client, clock, token, phone, holder, offer, transport_agency, person_id
):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={
            "credential_type": "driver_licence",
            "status": "suspended",
            "reason": "demerit points reached 13",
        },
        headers=bearer(transport_agency),
    )
    assert {e["status"] for e in _wallet(client, token)} == {"suspended"}

    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={"credential_type": "driver_licence", "status": "valid", "reason": "suspension served"},
        headers=bearer(transport_agency),
    )
    clock.advance(days=31)
    token = _log_in_again(client)
    assert {e["status"] for e in _wallet(client, token)} == {"expired"}


def test_a_near_expiry_says_a_refresh_is_due(client, clock, token, phone, holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    assert not any(e["refresh_due"] for e in _wallet(client, token))

    clock.advance(days=28)  # 30-day credentials: within the last three days

    soon = _wallet(client, _log_in_again(client))
    assert all(e["refresh_due"] for e in soon)
    assert {e["refresh_reason"] for e in soon} == {"it expires soon"}


def test_a_record_change_says_a_refresh_is_due(
    client, token, phone, holder, offer, transport_agency, person_id
):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    client.patch(
        f"/v1/agency/people/{person_id}", json={"family_name": "Smith"}, headers=bearer(transport_agency)
    )

    changed = _wallet(client, token)

    assert all(e["refresh_due"] for e in changed)
    assert {e["refresh_reason"] for e in changed} == {"the record it was issued from has changed"}


def test_another_account_sees_nothing_and_gets_404(client, token, phone, holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    credential_id = _wallet(client, token)[0]["id"]
    other = citizen(client, "mallory@example.org")["access_token"]

    assert _wallet(client, other) == []
    assert client.get(f"/v1/credentials/{credential_id}", headers=bearer(other)).status_code == 404
    assert (
        client.post(f"/v1/credentials/{credential_id}/pending-copy", headers=bearer(other)).status_code == 404
    )


def test_a_copy_re_issued_after_a_key_compromise_is_collected_once(client, rt, token, phone, holder, offer):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    old_kid = rt.keystore.active("issuer:transport").kid
    rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        Reissuer(rt.issuance(session)).batch(agency, old_kid, size=10, actor=TEST_ACTOR)
        session.commit()

    waiting = [e for e in _wallet(client, token) if e["pending_copy"]]
    first = client.post(f"/v1/credentials/{waiting[0]['id']}/pending-copy", headers=bearer(token))
    again = client.post(f"/v1/credentials/{waiting[0]['id']}/pending-copy", headers=bearer(token))

    assert len(waiting) == 2
    assert first.status_code == 200
    assert first.json["credential"].count("~") >= 2
    assert again.status_code == 404


def test_a_renewed_credential_shows_once(client, token, phone, holder, offer):
    """The wallet shows what the citizen holds, not the copies a renewal retired."""
    from wallet.holder.oid4vci import parse_offer

    access = holder.redeem(parse_offer(offer["credential_offer_uri"]), offer["tx_code"])
    metadata = holder.metadata(offer["credential_offer"]["credential_issuer"])
    for _ in range(3):
        holder.request_credentials(metadata, access, "driver_licence", [phone])

    wallet = _wallet(client, token)

    assert [(e["type"], e["status"]) for e in wallet] == [("driver_licence", "valid")]


def test_a_credential_the_agency_revoked_still_shows(
    client, token, phone, holder, offer, transport_agency, person_id
):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])

    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={
            "credential_type": "driver_licence",
            "status": "revoked",
            "reason": "because the licence was cancelled",
        },
        headers=bearer(transport_agency),
    )

    assert {e["status"] for e in _wallet(client, token)} == {"revoked"}
