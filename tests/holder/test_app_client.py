"""wallet.holder.app.AppClient against the app itself (the Flask test client): sessions, problems, routes,
and renewing the phone's credentials with the app session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest

from keys import jwk_thumbprint
from tests.factories import PASSWORD, TEST_ACTOR, agency_client, agency_token, bearer
from tests.holder.scripted import FailingCredentialRequest
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import FlaskTransport
from wallet.holder.app import AppApiError, AppClient, Declarations, Refused
from wallet.holder.oid4vci import DeviceKey, HolderClient, IssuanceFailed
from wallet.holder.store import CredentialStore
from wallet.holder.transport import Reply
from wallet.issuance.reissue import Reissuer

EMAIL = "alex@example.org"
CARD = {"licence_number": LICENCE["licence_number"], "card_number": LICENCE["card_number"]}
TRANSPORT_SCOPES = ("people:read", "people:write", "credentials:issue", "credentials:revoke")
SENIORS_SCOPES = ("applications:decide",)
NOT_RESIDENT = Declarations(
    nsw_resident=False, paid_work_hours_per_week=0, statutory_declaration_accepted=True
)


class Recording:
    """The test client's transport, noting each call as ``METHOD /path?query``."""

    def __init__(self, inner: FlaskTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def request(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        parts = urlsplit(url)
        self.calls.append(f"{method} {parts.path}" + (f"?{parts.query}" if parts.query else ""))
        return self.inner.request(method, url, form=form, json_body=json_body, headers=headers)


@pytest.fixture
def http(client) -> Recording:
    return Recording(FlaskTransport(client))


@pytest.fixture
def app(http, rt, clock) -> AppClient:
    return AppClient(http, base_url=rt.settings.public_url, clock=lambda: clock.now().timestamp())


@pytest.fixture
def alex(app) -> AppClient:
    """Alex, registered and logged in; the calls so far forgotten."""
    app.register(EMAIL, PASSWORD)
    app.log_in(EMAIL, PASSWORD)
    app.http.calls.clear()
    return app


@pytest.fixture
def holder(client, clock) -> HolderClient:
    return HolderClient(FlaskTransport(client), clock=lambda: clock.now().timestamp())


@pytest.fixture
def transport(rt, client) -> str:
    """The transport agency's token, with its issuer key in place."""
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    return agency_token(client, agency_client(rt, "transport", TRANSPORT_SCOPES))


@pytest.fixture
def seniors(rt, client) -> str:
    rt.keystore.ensure_active("issuer:seniors", now=rt.clock.now())
    return agency_token(client, agency_client(rt, "seniors", SENIORS_SCOPES))


def licence_holder(client, transport: str, **changes: Any) -> str:
    """A person of the transport agency with a driver licence authorised; their record id."""
    claims = {**LICENCE, **changes}
    person = {k: claims[k] for k in ("given_name", "family_name", "birthdate")}
    created = client.post(
        "/v1/agency/people", json={"agency_ref": f"P-{uuid.uuid4()}", **person}, headers=bearer(transport)
    )
    assert created.status_code == 201, created.json
    authorised = client.post(
        f"/v1/agency/people/{created.json['id']}/authorisations",
        json={"credential_type": "driver_licence", "claims": claims},
        headers=bearer(transport),
    )
    assert authorised.status_code == 201, authorised.json
    return str(created.json["id"])


@pytest.fixture
def linked(alex, client, transport) -> str:
    """Alex's licence record, linked to their account by the numbers on the card."""
    person_id = licence_holder(client, transport)
    alex.link_by_card(**CARD)
    alex.http.calls.clear()
    return person_id


# --- The session ---------------------------------------------------------------------------------------


def test_log_in_keeps_the_session_for_the_calls_that_follow(app):
    account = app.register(EMAIL, PASSWORD, display_name="Alex")
    tokens = app.log_in(EMAIL, PASSWORD)

    assert app.me() == account
    assert (app.access_token, app.refresh_token) == (tokens["access_token"], tokens["refresh_token"])
    assert app.http.calls == ["POST /v1/accounts", "POST /v1/sessions", "GET /v1/accounts/me"]


def test_an_expired_access_token_is_refreshed_once_and_the_call_goes_through(alex, clock):
    old_refresh_token = alex.refresh_token
    clock.advance(minutes=11)  # past the access token's ten minutes

    assert alex.me()["email"] == EMAIL
    assert alex.http.calls == ["GET /v1/accounts/me", "POST /v1/sessions/refresh", "GET /v1/accounts/me"]
    assert alex.refresh_token != old_refresh_token

    alex.http.calls.clear()
    alex.me()
    assert alex.http.calls == ["GET /v1/accounts/me"]  # the new token serves


def test_a_session_that_ended_elsewhere_is_refreshed_once_then_forgotten(alex, client, clock):
    stolen = alex.refresh_token
    alex.refresh()
    replay = client.post("/v1/sessions/refresh", json={"refresh_token": stolen})
    assert replay.json["code"] == "refresh_token_reused"  # the service revokes the whole session
    alex.http.calls.clear()

    with pytest.raises(AppApiError) as ended:
        alex.me()

    assert (ended.value.status, ended.value.code) == (401, "unauthenticated")
    assert ended.value.detail == "This session has ended; log in again."
    assert alex.http.calls == ["GET /v1/accounts/me", "POST /v1/sessions/refresh"]
    assert (alex.access_token, alex.refresh_token) == (None, None)


def test_after_log_out_a_call_is_refused_and_nothing_is_refreshed(alex):
    session_id = alex.session_id

    alex.log_out()
    with pytest.raises(AppApiError) as refused:
        alex.me()

    assert session_id is not None
    assert (refused.value.status, refused.value.code) == (401, "unauthenticated")
    assert alex.http.calls == ["DELETE /v1/sessions/current", "GET /v1/accounts/me"]
    with pytest.raises(AppApiError, match="not_logged_in"):
        alex.refresh()


# --- Problems ------------------------------------------------------------------------------------------


def test_problems_become_app_api_errors_with_their_code(alex):
    with pytest.raises(AppApiError) as taken:
        alex.register(EMAIL, PASSWORD)
    with pytest.raises(AppApiError) as weak:
        alex.register("other@example.org", "short")
    with pytest.raises(AppApiError) as wrong:
        alex.log_in(EMAIL, "not the password at all")
    with pytest.raises(AppApiError) as unknown:
        alex.application(str(uuid.uuid4()))
    with pytest.raises(AppApiError) as unlinked:
        alex.link_by_card(**CARD)

    assert (taken.value.status, taken.value.code) == (409, "account_exists")
    assert (weak.value.status, weak.value.code) == (422, "validation_failed")
    assert "password" in weak.value.problem["errors"]["json"]
    assert (wrong.value.status, wrong.value.code) == (401, "invalid_credentials")
    assert (unknown.value.status, unknown.value.code) == (404, "not_found")
    assert (unlinked.value.status, unlinked.value.code) == (422, "no_matching_record")
    assert "POST /v1/sessions/refresh" not in alex.http.calls  # a refused log-in is not a lapsed session


def test_an_id_is_one_path_segment(alex):
    with pytest.raises(AppApiError) as refused:
        alex.credential("../accounts/me")

    assert refused.value.status == 404
    assert alex.http.calls == ["GET /v1/credentials/..%2Faccounts%2Fme"]


# --- Devices, links, wallet ----------------------------------------------------------------------------


def test_a_device_registers_with_a_proof_and_is_renamed_and_removed(alex):
    phone = DeviceKey()

    registered = alex.register_device(phone, "Alex's phone", push_token="push-1")
    renamed = alex.rename_device(registered["id"], "Old phone")
    listed = alex.devices()
    revoked = alex.remove_device(registered["id"])

    assert registered["key_thumbprint"] == jwk_thumbprint(phone.jwk)
    assert registered["has_push_token"] is True
    assert renamed["name"] == "Old phone"
    assert [d["id"] for d in listed] == [registered["id"]]
    assert revoked == 0
    assert alex.devices() == []
    device_path = f"/v1/devices/{registered['id']}"
    assert alex.http.calls == [
        "POST /v1/devices/challenges",
        "POST /v1/devices",
        f"PATCH {device_path}",
        "GET /v1/devices",
        f"DELETE {device_path}",
        "GET /v1/devices",
    ]


def test_a_stale_registration_proof_is_refused(alex, clock):
    late = AppClient(alex.http, base_url=alex.base_url, clock=lambda: clock.now().timestamp() - 3600)
    late.access_token, late.refresh_token = alex.access_token, alex.refresh_token

    with pytest.raises(AppApiError) as refused:
        late.register_device(DeviceKey(), "Alex's phone")

    assert (refused.value.status, refused.value.code) == (422, "invalid_device_proof")


def test_records_link_by_card_and_by_code(alex, client, transport):
    licence_holder(client, transport)
    other = licence_holder(client, transport, licence_number="87654321", card_number="1111111111")
    code = client.post(f"/v1/agency/people/{other}/link-codes", headers=bearer(transport)).json["code"]

    by_card = alex.link_by_card(**CARD)
    by_code = alex.link_by_code("transport", code)

    assert by_card["agency"] == by_code["agency"] == "transport"
    assert alex.links() == [by_card, by_code]  # the same person's details: two records, either order
    assert alex.http.calls[:2] == ["POST /v1/links", "POST /v1/links"]


def test_a_linked_record_gives_nothing_in_the_wallet_until_the_phone_collects_it(alex, linked):
    assert alex.links()[0]["family_name"] == LICENCE["family_name"]
    assert alex.credentials() == []


# --- Notifications and applications --------------------------------------------------------------------


def test_notifications_page_and_are_marked_read(alex, seniors):
    first = alex.apply_for_seniors_card(NOT_RESIDENT)
    second = alex.apply_for_seniors_card(NOT_RESIDENT)
    alex.http.calls.clear()

    page = alex.notifications(limit=1)
    rest = alex.notifications(cursor=page["next_cursor"], limit=1)
    alex.mark_read(page["notifications"][0]["id"])
    unread = alex.notifications(unread=True)
    marked = alex.mark_all_read()

    assert first["status"] == second["status"] == "declined"
    assert sorted(a["id"] for a in alex.applications()) == sorted([first["id"], second["id"]])
    assert [n["kind"] for n in page["notifications"] + rest["notifications"]] == ["application_declined"] * 2
    assert [n["id"] for n in unread["notifications"]] == [rest["notifications"][0]["id"]]
    assert marked == 1
    assert alex.notifications(unread=True)["notifications"] == []
    assert alex.http.calls[:5] == [
        "GET /v1/notifications?limit=1",
        f"GET /v1/notifications?cursor={page['next_cursor']}&limit=1",
        f"POST /v1/notifications/{page['notifications'][0]['id']}/read",
        "GET /v1/notifications?unread=true",
        "POST /v1/notifications/read",
    ]


def test_mark_all_read_up_to_a_cursor_leaves_newer_ones_unread(alex, seniors):
    alex.apply_for_seniors_card(NOT_RESIDENT)
    alex.apply_for_seniors_card(NOT_RESIDENT)
    older = alex.notifications()["notifications"][1]

    assert alex.mark_all_read(cursor=older["cursor"]) == 1
    assert len(alex.notifications(unread=True)["notifications"]) == 1


def test_an_application_not_approved_gives_nothing_to_collect(alex, seniors, holder):
    declined = alex.apply_for_seniors_card(NOT_RESIDENT)

    with pytest.raises(AppApiError) as nothing:
        alex.collect_card(holder, declined, [DeviceKey()])

    assert nothing.value.code == "nothing_to_collect"
    assert alex.application(declined["id"])["collect"] is None


def test_an_approved_card_is_collected_even_after_the_access_token_lapsed(
    alex, client, transport, seniors, holder, clock
):
    licence_holder(client, transport, birthdate="1950-02-01", licence_number="55555555", card_number="5555")
    alex.link_by_card(licence_number="55555555", card_number="5555")
    approved = alex.apply_for_seniors_card(Declarations(True, 10, True))
    phone = DeviceKey()
    alex.register_device(phone, "Alex's phone")
    clock.advance(minutes=11)

    received = alex.collect_card(holder, approved, [phone])

    assert approved["status"] == "approved"
    assert received.configuration_id == "seniors_card"
    assert len(received.credentials) == 1
    assert "POST /v1/sessions/refresh" in alex.http.calls
    [card] = alex.credentials()
    assert (card["type"], card["issuer_id"], card["device"]["name"]) == (
        "seniors_card",
        "seniors",
        "Alex's phone",
    )


# --- Renewing with the app session ---------------------------------------------------------------------


def test_renew_collects_what_a_linked_record_gives_and_keeps_it(alex, linked, holder):
    store = CredentialStore(b"passphrase")
    phone = store.new_device_key()
    alex.register_device(phone, "Alex's phone")

    renewal = alex.renew(holder, [phone], store=store)

    assert renewal.types() == ["driver_licence", "proof_of_age"]
    assert renewal.refused == [Refused("transport", "photo_card", "credential_request_denied")]
    assert sorted(c.credential_type for c in store.credentials()) == ["driver_licence", "proof_of_age"]
    wallet = alex.credentials()
    assert sorted((e["type"], e["status"], e["device"]["name"]) for e in wallet) == [
        ("driver_licence", "valid", "Alex's phone"),
        ("proof_of_age", "valid", "Alex's phone"),
    ]


def test_renew_asks_for_nothing_the_phone_holds_current(alex, linked, holder):
    phone = DeviceKey()
    alex.register_device(phone, "Alex's phone")
    alex.renew(holder, [phone])

    again = alex.renew(holder, [phone])

    assert again.types() == []
    assert [r.configuration_id for r in again.refused] == ["photo_card"]


def test_renew_fetches_a_copy_due_after_a_record_change(alex, linked, holder, client, transport, clock):
    phone = DeviceKey()
    alex.register_device(phone, "Alex's phone")
    alex.renew(holder, [phone])
    changed = client.patch(
        f"/v1/agency/people/{linked}", json={"family_name": "Renamed"}, headers=bearer(transport)
    )
    assert changed.status_code == 200, changed.json
    assert {e["refresh_due"] for e in alex.credentials()} == {True}
    clock.advance(minutes=1)

    renewal = alex.renew(holder, [phone])

    assert renewal.types() == ["driver_licence", "proof_of_age"]
    current = [e for e in alex.credentials() if e["status"] == "valid"]
    assert sorted(e["type"] for e in current) == ["driver_licence", "proof_of_age"]
    assert not any(e["refresh_due"] for e in current)


def reissue_after_key_compromise(rt) -> None:
    """Revoke the transport issuer's key and re-issue its credentials: copies pending for the phones."""
    old_kid = rt.keystore.active("issuer:transport").kid
    rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        Reissuer(rt.issuance(session)).batch(agency, old_kid, size=10, actor=TEST_ACTOR)
        session.commit()


def test_renew_collects_the_copies_reissued_after_a_key_compromise(alex, linked, holder, rt):
    store = CredentialStore(b"passphrase")
    phone = store.new_device_key()
    alex.register_device(phone, "Alex's phone")
    alex.renew(holder, [phone], store=store)
    reissue_after_key_compromise(rt)

    renewal = alex.renew(holder, [phone], store=store)

    assert renewal.types() == ["driver_licence", "proof_of_age"]  # both collected, nothing issued anew
    assert renewal.received == []
    assert len(store.credentials()) == 4
    assert not any(e["pending_copy"] for e in alex.credentials())


def test_renew_keeps_the_collected_copies_when_a_later_request_fails(alex, linked, holder, rt, client, clock):
    store = CredentialStore(b"passphrase")
    phone = store.new_device_key()
    alex.register_device(phone, "Alex's phone")
    alex.renew(holder, [phone], store=store)
    reissue_after_key_compromise(rt)
    failing = FailingCredentialRequest(FlaskTransport(client), nth=1)  # photo_card, asked after collecting

    with pytest.raises(IssuanceFailed, match="503"):
        alex.renew(HolderClient(failing, clock=lambda: clock.now().timestamp()), [phone], store=store)

    assert not any(e["pending_copy"] for e in alex.credentials())  # the service holds them no longer
    assert len(store.credentials()) == 4
