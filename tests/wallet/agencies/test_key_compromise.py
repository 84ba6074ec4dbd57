"""A compromised issuer key: withdrawn from the JWKS, and all it signed re-issued to the same devices."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from tests.factories import TEST_ACTOR, bearer
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import IssuedCredential, PendingCredential
from wallet.issuance.reissue import Reissuer


def _issue(holder, offer, devices):
    return holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], devices)


def _reissue_everything(rt, kid, size=1):
    with rt.db.session() as session:
        agency = rt.agencies(session).find_agency("transport")
        reissuer = Reissuer(rt.issuance(session))
        remaining = reissuer.remaining(agency, kid)
        handled = []
        while count := reissuer.batch(agency, kid, size=size, actor=TEST_ACTOR):
            handled.append(count)
        session.commit()
    return remaining, handled


def test_every_credential_of_the_key_is_signed_again_for_the_same_device(client, rt, holder, offer):
    devices = [DeviceKey(), DeviceKey()]
    _issue(holder, offer, devices)
    old_kid = rt.keystore.active("issuer:transport").kid

    new_key = rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())
    remaining, handled = _reissue_everything(rt, old_kid, size=3)

    assert remaining == 4  # two licences, two proof-of-age companions
    assert handled == [3, 1]  # batches of three: the work resumes where the last batch stopped
    with rt.db.session() as session:
        old = session.scalars(select(IssuedCredential).where(IssuedCredential.signing_kid == old_kid)).all()
        new = session.scalars(
            select(IssuedCredential).where(IssuedCredential.signing_kid == new_key.kid)
        ).all()
        pending = {p.issued_credential_id: p.credential for p in session.scalars(select(PendingCredential))}
    assert {c.state for c in old} == {"revoked"}
    assert {c.replaces for c in new} == {c.id for c in old}
    assert {c.holder_key for c in new} == {c.holder_key for c in old}
    for credential in new:
        token = pending[credential.id]
        payload = jwt.decode(token.split("~")[0], new_key.public_key(), algorithms=["ES256"])
        assert payload["cnf"]["jwk"] == credential.holder_jwk


def test_a_new_companion_points_at_its_licences_new_copy(client, rt, holder, offer):
    _issue(holder, offer, [DeviceKey()])
    old_kid = rt.keystore.active("issuer:transport").kid
    rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())

    _reissue_everything(rt, old_kid, size=10)

    with rt.db.session() as session:
        new = session.scalars(select(IssuedCredential).where(IssuedCredential.replaces.is_not(None))).all()
    licence = next(c for c in new if c.credential_type == "driver_licence")
    companion = next(c for c in new if c.credential_type == "proof_of_age")
    assert companion.companion_of == licence.id


def test_the_withdrawn_key_leaves_the_jwks_at_once(client, rt, holder, offer):
    _issue(holder, offer, [DeviceKey()])
    old_kid = rt.keystore.active("issuer:transport").kid

    rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())

    kids = [k["kid"] for k in client.get("/issuers/transport/.well-known/jwks.json").json["keys"]]
    assert old_kid not in kids
    assert rt.keystore.active("issuer:transport").kid in kids


def test_a_suspended_credential_stays_suspended_in_its_new_copy(
    client, rt, holder, offer, transport_agency, person_id
):
    _issue(holder, offer, [DeviceKey()])
    issued = client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(transport_agency)).json
    licence = next(c for c in issued if c["credential_type"] == "driver_licence")
    client.post(
        f"/v1/agency/credentials/{licence['id']}/status",
        json={"status": "suspended", "reason": "demerit points"},
        headers=bearer(transport_agency),
    )
    old_kid = rt.keystore.active("issuer:transport").kid
    rt.keystore.revoke("issuer:transport", old_kid, now=rt.clock.now())

    _reissue_everything(rt, old_kid, size=10)

    with rt.db.session() as session:
        new = session.scalars(select(IssuedCredential).where(IssuedCredential.replaces.is_not(None))).all()
    assert {c.credential_type: c.state for c in new} == {
        "driver_licence": "suspended",
        "proof_of_age": "suspended",
    }
