"""A P1 driver pays a camera fine with 4 demerit points and reaches the P1 limit: the licence is suspended
for 3 months, a police officer's offline check of the licence QR says ``suspended``, and when the suspension
ends the same licence is valid again (and a fresh copy verifies). Its proof-of-age companion follows it,
unless the policy keeps proof of age valid."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.e2e.test_journey import World, register_phone, renew_onto, sign_up, trust_store
from tests.factories import PASSWORD, agency_client, agency_token, bearer
from tests.samples import LICENCE
from tests.wallet.fines.conftest import NOTICE, SCOPES
from tests.wallet.issuance.conftest import status_of
from verifier.replay import MemoryReplayCache
from verifier.statuslist import Status
from verifier.verify import Verifier
from wallet.demerits import rules as demerit_rules
from wallet.holder.present import POLICE, Profile, present, venue
from wallet.holder.qr import presentation_qr
from wallet.jobs import run_jobs
from wallet.notifications.push import LogPusher

P1_LICENCE = {**LICENCE, "licence_type": "P1", "licence_number": "40000001", "card_number": "2040000001"}
CARD = {"licence_number": "40000001", "card_number": "2040000001"}
BOTH = ["driver_licence", "proof_of_age"]


def police_check(world: World, phone, profile: Profile = POLICE) -> object:
    """The licence (with ``venue()``, its proof of age) shown as a QR, checked offline against the bundle."""
    credential, device = phone.store.pick(profile.credential_type, now=world.now)
    qr = presentation_qr(present(credential, device, profile, now=world.now).text, level=profile.level)
    verifier = Verifier(trust=trust_store(world), replay_cache=MemoryReplayCache())
    return verifier.verify(qr.text, now=world.now, audience="offline")


@pytest.mark.parametrize(
    ("renewed_first", "age_stays_valid"),
    [(False, False), (True, False), (False, True)],
    ids=["first-copy", "after-a-refresh", "proof-of-age-kept-by-policy"],
)
def test_four_points_on_a_p1_licence_suspend_it_offline_until_the_suspension_ends(
    client, rt, clock, monkeypatch, renewed_first, age_stays_valid
):
    monkeypatch.setattr(
        demerit_rules, "NSW", replace(demerit_rules.NSW, proof_of_age_stays_valid=age_stays_valid)
    )
    for key in ("issuer:transport", "trust-anchor"):
        rt.keystore.ensure_active(key, now=rt.clock.now())
    transport = agency_client(rt, "transport", SCOPES)
    world = World(client, rt, clock, transport)
    token = agency_token(client, transport)
    person = {
        "agency_ref": "P1-DRIVER",
        "given_name": "Alex",
        "family_name": "Citizen",
        "birthdate": "1990-04-12",
    }
    person_id = client.post("/v1/agency/people", json=person, headers=bearer(token)).json["id"]
    authorised = client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={"credential_type": "driver_licence", "claims": P1_LICENCE},
        headers=bearer(token),
    )
    assert authorised.status_code == 201, authorised.json

    # Alex's app links the licence and collects it on a phone; the police see a valid licence.
    alex = sign_up(world, "alex@example.org")
    phone = register_phone(alex, "Phone")
    alex.link_by_card(**CARD)
    renew_onto(world, alex, phone, BOTH)
    assert police_check(world, phone).valid
    if renewed_first:  # the record changes and the app fetches new copies; the first ones are revoked
        clock.advance(minutes=5)
        client.patch(f"/v1/agency/people/{person_id}", json={"family_name": "Newname"}, headers=bearer(token))
        renew_onto(world, alex, phone, BOTH)

    # A camera fine with 4 points, paid at once: the P1 limit is 4, so the licence is suspended now.
    fine = client.post(
        "/v1/agency/fines", json={**NOTICE, "licence_number": "40000001", "points": 4}, headers=bearer(token)
    ).json
    paid = client.post(
        f"/v1/fines/{fine['id']}/payments",
        json={"amount_cents": fine["owed_cents"], "card_token": "tok_sandbox_visa"},
        headers={**bearer(alex.access_token), "Idempotency-Key": '"pay-1"'},
    )
    assert paid.status_code == 201, paid.json
    demerits = client.get("/v1/demerits", headers=bearer(alex.access_token)).json
    [suspension] = demerits["sanctions"]
    assert (suspension["state"], suspension["starts_on"], suspension["ends_on"]) == (
        "active",
        "2026-11-22",
        "2027-02-21",
    )
    told = [n["kind"] for n in alex.notifications(unread=True)["notifications"]]
    assert "licence_suspension" in told

    # Offline, the police officer's verifier says suspended (the next trust bundle carries the change).
    checked = police_check(world, phone)
    assert (checked.valid, checked.status, [str(r) for r in checked.reasons]) == (
        False,
        "suspended",
        ["suspended"],
    )
    # Proof of age at a venue follows the licence, unless the policy keeps it valid.
    age = police_check(world, phone, venue())
    assert (age.valid, age.status) == ((True, "valid") if age_stays_valid else (False, "suspended"))
    licence = phone.copies("driver_licence")[-1]

    # The day after the last day of the suspension, the job ends it and the licence is valid again.
    clock.advance(days=92)
    report = run_jobs(rt, pusher=LogPusher())
    assert report.sanctions_ended == 1
    assert Status(status_of(client, licence.credential.text)) == Status.VALID

    # The copy on the phone has passed its 30 days meanwhile: the app collects a fresh one, and it verifies.
    alex.log_in("alex@example.org", PASSWORD)
    renew_onto(world, alex, phone, BOTH)
    after = police_check(world, phone)
    assert (after.valid, after.status) == (True, "valid")
