"""The citizen's whole journey, over HTTP, through the app's own clients (AppClient + HolderClient).

Alex registers, logs in, registers a phone, links the licence record the transport agency keeps by the
numbers on the card, and collects the licence and its proof of age with the app session. The agency changes
the record; the wallet says the licence is due and a notification says why; the phone fetches the new copy
and the old one is revoked. Alex moves to a new phone and removes the old one: what was bound to it is
revoked, the new phone's copies stay valid. Alex is too young for a Seniors Card and is told when that
changes; Robin, born in 1950, is approved at once and collects the card. Last, a staff device that trusts
only the signed trust bundle checks presentations offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from tests import factories
from tests.factories import PASSWORD, agency_client, agency_token, bearer
from tests.samples import LICENCE
from tests.wallet.issuance.conftest import AGENCY_SCOPES, FlaskTransport, status_of
from verifier.replay import MemoryReplayCache
from verifier.statuslist import Status
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.clock import FrozenClock
from wallet.holder.app import AppClient, Declarations
from wallet.holder.oid4vci import DeviceKey, HolderClient
from wallet.holder.present import POLICE, Profile, SdJwtCredential, present, venue
from wallet.holder.store import CredentialStore, StoredCredential
from wallet.runtime import Runtime

ALEX, ROBIN = "alex@example.org", "robin@example.org"
CARD = {"licence_number": LICENCE["licence_number"], "card_number": LICENCE["card_number"]}
ROBINS_LICENCE = {
    **LICENCE,
    "given_name": "Robin",
    "family_name": "Elder",
    "birthdate": "1950-02-01",
    "licence_number": "19500201",
    "card_number": "3000000001",
}
PART_TIME = Declarations(nsw_resident=True, paid_work_hours_per_week=20, statutory_declaration_accepted=True)
SENIORS_CARD = Profile("seniors", "seniors_card", ("age_over_60",))
LICENCE_AND_AGE = ["driver_licence", "proof_of_age"]


@dataclass
class World:
    """What the journey runs on: the app over its test client, the frozen clock, the agencies."""

    client: FlaskClient
    rt: Runtime
    clock: FrozenClock
    transport: factories.TestClientCredentials  # a client of the transport agency

    @property
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def transport_token(self) -> str:
        """A fresh token of the transport agency (they last ten minutes, and the journey takes longer)."""
        return agency_token(self.client, self.transport)

    def app(self) -> AppClient:
        """The app on a phone: its own client of the app API, its own session."""
        return AppClient(self._http(), base_url=self.rt.settings.public_url, clock=self._seconds)

    def holder(self) -> HolderClient:
        return HolderClient(self._http(), clock=self._seconds)

    def _http(self) -> FlaskTransport:
        return FlaskTransport(self.client)

    def _seconds(self) -> float:
        return self.clock.now().timestamp()


@dataclass
class Phone:
    """A phone: its device key (in the store, as in a secure element), its credentials, its registration."""

    name: str
    store: CredentialStore
    key: DeviceKey
    device_id: str

    def credential(self, credential_type: str, now: int) -> SdJwtCredential:
        """The newest unexpired copy of this type on the phone, as the app would show it."""
        credential, _ = self.store.pick(credential_type, now=now)
        return credential

    def copies(self, credential_type: str) -> list[StoredCredential]:
        return self.store.credentials(credential_type)


# --- Steps ----------------------------------------------------------------------------------------------


def sign_up(world: World, email: str) -> AppClient:
    app = world.app()
    account = app.register(email, PASSWORD)
    app.log_in(email, PASSWORD)
    assert app.me() == account
    return app


def log_in_on_a_new_phone(world: World, email: str) -> AppClient:
    app = world.app()
    app.log_in(email, PASSWORD)
    return app


def register_phone(app: AppClient, name: str) -> Phone:
    store = CredentialStore(f"{name} passphrase".encode())
    key = store.new_device_key()
    device = app.register_device(key, name, push_token=f"push-{name}")
    assert device["name"] == name
    return Phone(name, store, key, str(device["id"]))


def link_licence_record(app: AppClient, card: dict[str, str], given_name: str, family_name: str) -> None:
    linked = app.link_by_card(**card)
    assert linked == {
        "agency": "transport",
        "agency_name": "Transport",
        "given_name": given_name,
        "family_name": family_name,
    }
    assert linked in app.links()


def renew_onto(world: World, app: AppClient, phone: Phone, expected: list[str]) -> None:
    """The app renews with its session; ``phone`` receives exactly ``expected``, each bound to its key."""
    renewal = app.renew(world.holder(), [phone.key], store=phone.store)
    assert renewal.types() == expected
    assert all(r.configuration_id == "photo_card" for r in renewal.refused)  # the record gives no photo card


def wallet_on(app: AppClient, phone: Phone) -> dict[str, dict[str, Any]]:
    """The wallet entries the app shows for ``phone``, by type; there is one current copy of each."""
    entries = [e for e in app.credentials() if (e["device"] or {}).get("id") == phone.device_id]
    current = [e for e in entries if e["status"] != "revoked"]
    assert len({e["type"] for e in current}) == len(current), current
    return {e["type"]: e for e in current}


def assert_current(app: AppClient, phone: Phone, types: list[str]) -> None:
    shown = wallet_on(app, phone)
    assert sorted(shown) == types
    for entry in shown.values():
        assert (entry["status"], entry["refresh_due"], entry["pending_copy"]) == ("valid", False, False)
        assert entry["device"]["name"] == phone.name


def unread_notifications(app: AppClient) -> list[dict[str, Any]]:
    return list(app.notifications(unread=True)["notifications"])


def agency_updates_family_name(world: World, person_id: str, family_name: str) -> None:
    response = world.client.patch(
        f"/v1/agency/people/{person_id}",
        json={"family_name": family_name},
        headers=bearer(world.transport_token()),
    )
    assert response.status_code == 200, response.json


def agency_creates_licence_holder(world: World, claims: dict[str, Any]) -> str:
    token = world.transport_token()
    person = {"agency_ref": "P-1950", **{k: claims[k] for k in ("given_name", "family_name", "birthdate")}}
    created = world.client.post("/v1/agency/people", json=person, headers=bearer(token))
    assert created.status_code == 201, created.json
    authorised = world.client.post(
        f"/v1/agency/people/{created.json['id']}/authorisations",
        json={"credential_type": "driver_licence", "claims": claims},
        headers=bearer(token),
    )
    assert authorised.status_code == 201, authorised.json
    return str(created.json["id"])


def issued_by_transport(world: World, person_id: str) -> dict[str, str]:
    """The agency's list of what it issued to the person: state by holder key and type."""
    response = world.client.get(
        f"/v1/agency/people/{person_id}/credentials", headers=bearer(world.transport_token())
    )
    assert response.status_code == 200, response.json
    return {f"{r['holder_key']}/{r['credential_type']}/{r['id']}": r["state"] for r in response.json}


def statuses(world: World, copies: list[StoredCredential]) -> set[Status]:
    """What the issuers' status lists say of these copies, fetched now."""
    return {Status(status_of(world.client, c.credential.text)) for c in copies}


def trust_store(world: World) -> TrustStore:
    """What a staff device syncs when it has network: the signed bundle, checked against pinned anchors."""
    bundle = world.client.get("/v1/trust-bundle").get_data(as_text=True)
    anchors = world.client.get("/v1/trust-anchor/jwks.json").json
    return TrustStore.from_signed_bundle(bundle, anchors=anchors, now=world.now)


def check_offline(world: World, trust: TrustStore, phone: Phone, profile: Profile, copy: int = -1):
    """Show ``profile`` of a copy on ``phone`` (the newest by default) to a verifier with no network."""
    stored = phone.copies(profile.credential_type)[copy]
    shown = present(stored.credential, phone.store.device_key(stored), profile, now=world.now)
    verifier = Verifier(trust=trust, replay_cache=MemoryReplayCache())
    return verifier.verify(shown.text, now=world.now, audience="offline")


# --- The journey ----------------------------------------------------------------------------------------


def test_a_citizen_from_sign_up_to_an_offline_check(client, rt, clock, transport_agency, person_id, offer):
    # The transport agency (the ``offer`` fixture) has authorised a driver licence for Alex's record.
    rt.keystore.ensure_active("trust-anchor", now=rt.clock.now())
    world = World(client, rt, clock, agency_client(rt, "transport", AGENCY_SCOPES))

    # Alex signs up on phone A and links the licence record by the numbers on the card.
    alex = sign_up(world, ALEX)
    phone_a = register_phone(alex, "Phone A")
    link_licence_record(alex, CARD, "Alex", "Citizen")
    assert alex.credentials() == []  # linked, but nothing collected yet

    # The app collects the licence and its proof of age with its session, bound to phone A.
    renew_onto(world, alex, phone_a, LICENCE_AND_AGE)
    assert_current(alex, phone_a, LICENCE_AND_AGE)
    assert phone_a.credential("driver_licence", world.now).claims["family_name"] == "Citizen"
    assert statuses(world, phone_a.copies("driver_licence") + phone_a.copies("proof_of_age")) == {
        Status.VALID
    }

    # The agency changes the record: the wallet says the licence is due, and a notification says why.
    clock.advance(minutes=5)
    agency_updates_family_name(world, person_id, "Newname")
    due = wallet_on(alex, phone_a)
    assert {(e["refresh_due"], e["refresh_reason"]) for e in due.values()} == {
        (True, "the record it was issued from has changed")
    }
    [told] = unread_notifications(alex)
    assert (told["kind"], told["title"]) == ("credential_refresh_due", "Update your Driver licence")
    assert told["reason"] == "because your details were updated"
    assert alex.mark_all_read() == 1

    # Past the access token's ten minutes: the app refreshes its session and fetches the new copies.
    clock.advance(minutes=11)
    lapsed = alex.refresh_token
    renew_onto(world, alex, phone_a, LICENCE_AND_AGE)
    assert alex.refresh_token != lapsed
    assert_current(alex, phone_a, LICENCE_AND_AGE)
    assert phone_a.credential("driver_licence", world.now).claims["family_name"] == "Newname"
    old_licence, new_licence = phone_a.copies("driver_licence")
    old_age, new_age = phone_a.copies("proof_of_age")
    assert statuses(world, [old_licence, old_age]) == {Status.INVALID}  # the old copies are revoked
    assert statuses(world, [new_licence, new_age]) == {Status.VALID}
    states = issued_by_transport(world, person_id)
    assert sorted(states.values()) == ["revoked", "revoked", "valid", "valid"]

    # A new phone: a new session, phone B registered and filled, then the old phone removed.
    clock.advance(minutes=3)
    alex_on_b = log_in_on_a_new_phone(world, ALEX)
    assert alex_on_b.session_id != alex.session_id
    phone_b = register_phone(alex_on_b, "Phone B")
    renew_onto(world, alex_on_b, phone_b, LICENCE_AND_AGE)
    assert_current(alex_on_b, phone_b, LICENCE_AND_AGE)
    assert phone_b.credential("driver_licence", world.now).claims["family_name"] == "Newname"

    assert alex_on_b.remove_device(phone_a.device_id) == 2  # phone A's current licence and proof of age
    assert [d["name"] for d in alex_on_b.devices()] == ["Phone B"]
    assert statuses(world, phone_a.copies("driver_licence") + phone_a.copies("proof_of_age")) == {
        Status.INVALID
    }
    assert statuses(world, phone_b.copies("driver_licence") + phone_b.copies("proof_of_age")) == {
        Status.VALID
    }
    assert_current(alex_on_b, phone_b, LICENCE_AND_AGE)
    unbound = [e for e in alex_on_b.credentials() if e["device"] is None]
    assert {e["status"] for e in unbound} == {"revoked"}  # phone A's copies, their device gone
    assert alex_on_b.renew(world.holder(), [phone_b.key]).types() == []  # nothing more to fetch

    # Alex applies for a Seniors Card: born in 1990, too young, and told when that changes.
    rt.keystore.ensure_active("issuer:seniors", now=rt.clock.now())
    agency_client(rt, "seniors", ("applications:decide",))
    declined = alex_on_b.apply_for_seniors_card(PART_TIME)
    assert (declined["status"], declined["decided_by"], declined["collect"]) == ("declined", "rules", None)
    assert declined["explanation"] == (
        "You must be 60 or over. You will be eligible on 12 April 2050, when you turn 60."
    )
    [refusal] = unread_notifications(alex_on_b)
    assert refusal["kind"] == "application_declined"
    assert refusal["body"] == declined["explanation"]

    # Robin, born in 1950, links a licence record the transport agency keeps, and is approved at once.
    robins_record = agency_creates_licence_holder(world, ROBINS_LICENCE)
    robin = sign_up(world, ROBIN)
    robins_phone = register_phone(robin, "Robin's phone")
    robins_card = {k: ROBINS_LICENCE[k] for k in CARD}
    link_licence_record(robin, robins_card, "Robin", "Elder")
    approved = robin.apply_for_seniors_card(PART_TIME)
    assert (approved["status"], approved["decided_by"], approved["card_type"]) == (
        "approved",
        "rules",
        "seniors_card",
    )
    assert approved["collect"] == {
        "credential_issuer": f"{rt.settings.public_url}/issuers/seniors",
        "credential_configuration_id": "seniors_card",
    }
    assert [n["kind"] for n in unread_notifications(robin)] == ["application_approved"]

    # Robin's app collects the card with its session; the wallet shows it on Robin's phone.
    received = robin.collect_card(world.holder(), approved, [robins_phone.key], store=robins_phone.store)
    assert (received.configuration_id, len(received.credentials)) == ("seniors_card", 1)
    card = wallet_on(robin, robins_phone)["seniors_card"]
    assert (card["status"], card["issuer_id"], card["display"]["name"]) == (
        "valid",
        "seniors",
        "Seniors Card",
    )
    claims = robins_phone.credential("seniors_card", world.now).claims
    assert (claims["given_name"], claims["family_name"], claims["card_number"]) == (
        "Robin",
        "Elder",
        approved["card_number"],
    )
    assert robins_record != person_id

    # A staff device checks presentations offline, trusting only the bundle it synced.
    trust = trust_store(world)
    seniors = check_offline(world, trust, robins_phone, SENIORS_CARD)
    assert seniors.valid, seniors.reasons
    assert seniors.claims == {"age_over_60": True}
    licence_on_b = check_offline(world, trust, phone_b, POLICE)
    assert licence_on_b.valid, licence_on_b.reasons
    assert (licence_on_b.claims["family_name"], licence_on_b.holder_bound) == ("Newname", True)
    age_on_b = check_offline(world, trust, phone_b, venue())
    assert (age_on_b.valid, age_on_b.claims) == (True, {"age_over_18": True})
    licence_on_a = check_offline(world, trust, phone_a, POLICE)
    assert (licence_on_a.valid, licence_on_a.status) == (False, "revoked")
