"""Credential events reach the holder with their reason; the periodic job marks birthdays, purges, pushes."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import bearer, citizen, register_device
from tests.samples import LICENCE
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import IssuanceNonce
from wallet.jobs import run_jobs

PHOTO_CARD_FIELDS = {
    "given_name",
    "family_name",
    "birthdate",
    "address",
    "card_number",
    "issue_date",
    "expiry_date",
}
CARD = {"licence_number": LICENCE["licence_number"], "card_number": LICENCE["card_number"]}


class RecordingPusher:
    def __init__(self):
        self.sent = []

    def send(self, *, token, title, body, data, idempotency_key):
        self.sent.append((token, title))


def _linked_citizen(client, email="alex@example.org"):
    token = citizen(client, email)["access_token"]
    assert client.post("/v1/links", json=CARD, headers=bearer(token)).status_code == 201
    return token


def _notifications(client, token):
    return client.get("/v1/notifications", headers=bearer(token)).json["notifications"]


def test_a_suspension_tells_the_holder_why(client, holder, offer, transport_agency, person_id):
    token = _linked_citizen(client)
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])

    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={
            "credential_type": "driver_licence",
            "status": "suspended",
            "reason": "because your demerit points reached 13",
        },
        headers=bearer(transport_agency),
    )

    [message] = [n for n in _notifications(client, token) if n["kind"] == "credential_suspended"]
    assert message["reason"] == "because your demerit points reached 13"
    assert "demerit points reached 13" in message["body"]
    assert "Driver licence" in message["title"]


def test_removing_ones_own_device_sends_no_message(client, rt, holder, offer):
    token = _linked_citizen(client)
    device = DeviceKey()
    device_id = register_device(client, rt, token, device, name="old phone")
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [device])

    client.delete(f"/v1/devices/{device_id}", headers=bearer(token))

    assert [n for n in _notifications(client, token) if n["kind"] == "credential_revoked"] == []


def test_a_birthday_marks_the_licence_once_and_tells_the_holder(client, rt, clock, transport_agency, holder):
    person = client.post(
        "/v1/agency/people",
        json={"agency_ref": "P-18", "given_name": "Jo", "family_name": "Young", "birthdate": "2008-11-23"},
        headers=bearer(transport_agency),
    ).json["id"]
    card = {**CARD, "licence_number": "18181818", "card_number": "1818181818"}
    offer = client.post(
        f"/v1/agency/people/{person}/authorisations",
        json={"credential_type": "driver_licence", "claims": {**LICENCE, **card, "birthdate": "2008-11-23"}},
        headers=bearer(transport_agency),
    ).json
    token = citizen(client, "jo@example.org")["access_token"]
    client.post("/v1/links", json=card, headers=bearer(token))
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])

    assert run_jobs(rt, pusher=RecordingPusher()).birthdays == 0  # still 17
    clock.advance(
        hours=4, minutes=30
    )  # 00:30 on the 23rd in Sydney, where birthdays count; UTC is still on the 22nd
    first = run_jobs(rt, pusher=RecordingPusher())
    second = run_jobs(rt, pusher=RecordingPusher())

    assert (first.birthdays, second.birthdays) == (2, 0)  # the licence and its proof of age, once
    token = client.post(
        "/v1/sessions", json={"email": "jo@example.org", "password": "correct horse battery staple"}
    )
    kinds = [n["kind"] for n in _notifications(client, token.json["access_token"])]
    assert kinds.count("credential_refresh_due") == 1


def test_expired_nonces_are_purged(client, rt, clock, transport_agency):
    client.post("/issuers/transport/nonce")
    clock.advance(days=2)

    report = run_jobs(rt, pusher=RecordingPusher())

    assert report.purged >= 1
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuanceNonce)) == 0


def test_notifications_are_pushed_to_the_holders_device(
    client, rt, holder, offer, transport_agency, person_id
):
    token = _linked_citizen(client)
    device = DeviceKey()
    register_device(client, rt, token, device, push_token="push-token-1")
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [device])
    client.post(
        f"/v1/agency/people/{person_id}/credentials/status",
        json={
            "credential_type": "driver_licence",
            "status": "suspended",
            "reason": "because of an unpaid fine",
        },
        headers=bearer(transport_agency),
    )
    pusher = RecordingPusher()

    run_jobs(rt, pusher=pusher)
    run_jobs(rt, pusher=pusher)

    assert pusher.sent == [("push-token-1", "Your Driver licence is suspended")]


def test_an_authorisation_after_linking_sends_the_offer_message(
    client, rt, transport_agency, person_id, offer
):
    token = _linked_citizen(client)

    client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={
            "credential_type": "photo_card",
            "claims": {k: v for k, v in LICENCE.items() if k in PHOTO_CARD_FIELDS},
        },
        headers=bearer(transport_agency),
    )

    [message] = [n for n in _notifications(client, token) if n["kind"] == "credential_issued"]
    assert message["title"] == "Your Photo card is ready"
    assert message["reason"] == "by Transport"
