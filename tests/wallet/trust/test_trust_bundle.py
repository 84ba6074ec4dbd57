from __future__ import annotations

import jwt
import pytest
from sqlalchemy import update

from keys import jwk_thumbprint
from tests.factories import bearer
from tests.wallet.issuance.conftest import path_of
from wallet.app import create_app
from wallet.holder.oid4vci import DeviceKey
from wallet.issuance.models import IssuedCredential


@pytest.fixture
def anchor(rt):
    return rt.keystore.ensure_active("trust-anchor", now=rt.clock.now())


def _bundle(client, anchor):
    response = client.get("/v1/trust-bundle")
    assert response.status_code == 200, response.get_data(as_text=True)
    token = response.get_data(as_text=True)
    assert jwt.get_unverified_header(token)["typ"] == "trust-bundle+jwt"
    return response, jwt.decode(token, anchor.public_key(), algorithms=["ES256"])


def test_the_bundle_names_each_issuer_with_its_keys_and_types(client, rt, anchor, transport_agency):
    _, claims = _bundle(client, anchor)

    [issuer] = claims["issuers"]
    assert issuer["iss"] == f"{rt.settings.public_url}/issuers/transport"
    assert issuer["jwks"] == rt.keystore.jwks("issuer:transport", now=rt.clock.now())
    assert f"{rt.settings.public_url}/vct/driver_licence/v1" in issuer["vcts"]
    assert claims["policy"] == {"max_status_age": 86400}
    assert claims["iss"] == rt.settings.public_url


def test_the_bundle_carries_the_status_lists_as_issued(client, rt, anchor, holder, offer, transport_agency):
    received = holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    credential = received[0].credentials[0]
    status = jwt.decode(credential.split("~")[0], options={"verify_signature": False})["status"][
        "status_list"
    ]

    _, claims = _bundle(client, anchor)

    token = claims["status_lists"][status["uri"]]
    issuer_key = rt.keystore.active("issuer:transport").public_key()
    assert jwt.decode(token, issuer_key, algorithms=["ES256"])["sub"] == status["uri"]


def test_if_none_match_saves_the_download(client, anchor, transport_agency):
    first, _ = _bundle(client, anchor)

    again = client.get("/v1/trust-bundle", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_status_change_changes_the_etag(client, rt, anchor, holder, offer, transport_agency, person_id):
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    before, _ = _bundle(client, anchor)
    issued = client.get(f"/v1/agency/people/{person_id}/credentials", headers=bearer(transport_agency)).json

    client.post(
        f"/v1/agency/credentials/{issued[0]['id']}/status",
        json={"status": "suspended", "reason": "test"},
        headers=bearer(transport_agency),
    )

    after = client.get("/v1/trust-bundle", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]


def test_the_anchor_jwks_is_public_keys_only(client, anchor):
    keys = client.get("/v1/trust-anchor/jwks.json").json["keys"]

    assert [key["kid"] for key in keys] == [anchor.kid]
    assert "d" not in keys[0]
    assert jwk_thumbprint(keys[0]) == anchor.kid


def test_without_an_anchor_key_the_bundle_is_a_503_problem(settings, clock, tmp_path):
    app = create_app({**settings, "DATA_DIR": str(tmp_path)}, clock=clock)  # a key store with no anchor key

    response = app.test_client().get("/v1/trust-bundle")

    assert response.status_code == 503
    assert response.json["code"] == "trust_unavailable"


def test_an_unchanged_bundle_gets_a_new_etag_each_day(client, clock, anchor, transport_agency):
    """So a device holding a 7-day bundle replaces it daily even when nothing changed."""
    first, _ = _bundle(client, anchor)

    clock.advance(days=1)

    again = client.get("/v1/trust-bundle", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]


def test_re_signed_status_lists_alone_do_not_change_the_etag(client, clock, anchor, holder, offer):
    """The ETag follows what the bundle says; list tokens re-signed every few minutes say nothing new."""
    holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    first, _ = _bundle(client, anchor)

    clock.advance(minutes=10)  # past half a list's ttl: its token would be signed anew

    again = client.get("/v1/trust-bundle", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_list_token_showing_other_statuses_changes_the_etag(client, rt, clock, anchor, holder, offer):
    """A verifier is never told 304 while the lists served say something else than its copy. Here a
    status moved without its list's version (as a lost re-signing race once left a list), and the
    token re-signed later shows it: the ETag, which followed the version alone, stayed put."""
    received = holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [DeviceKey()])
    credential = received[0].credentials[0]
    payload = jwt.decode(credential.split("~")[0], options={"verify_signature": False})
    status = payload["status"]["status_list"]
    first, _ = _bundle(client, anchor)
    with rt.db.session() as session:
        session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.status_index == status["idx"])
            .values(state="revoked")
        )
        session.commit()

    clock.advance(minutes=10)  # past half a list's ttl: the next fetch signs it anew, with the revocation
    assert client.get(path_of(status["uri"])).status_code == 200

    again = client.get("/v1/trust-bundle", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    # The new ETag is that of the tokens just re-signed and sent: the next sync is a 304.
    assert client.get("/v1/trust-bundle", headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
