"""What we publish, offer, send and answer validates against the independent ``openid4vci`` package's
models of OpenID4VCI 1.0 (pinned as a test extra)."""

from __future__ import annotations

from openid4vci.models.credential import CredentialRequest, CredentialResponse
from openid4vci.models.metadata import AuthorizationServerMetadata, CredentialIssuerMetadata
from openid4vci.models.nonce import NonceResponse
from openid4vci.models.offer import CredentialOffer

from wallet.holder.oid4vci import DeviceKey, parse_offer

ISSUER = "https://wallet.example.gov/issuers/transport"


def test_credential_issuer_metadata_validates(client, transport_agency):
    body = client.get("/.well-known/openid-credential-issuer/issuers/transport").json

    metadata = CredentialIssuerMetadata.model_validate(body)

    assert metadata.credential_issuer == ISSUER
    assert set(metadata.credential_configurations_supported) >= {"driver_licence", "proof_of_age"}


def test_authorization_server_metadata_validates(client, transport_agency):
    body = client.get("/.well-known/oauth-authorization-server/issuers/transport").json

    assert AuthorizationServerMetadata.model_validate(body).issuer == ISSUER


def test_the_credential_offer_validates(offer):
    parsed = CredentialOffer.model_validate(parse_offer(offer["credential_offer_uri"]))

    assert parsed.credential_issuer == ISSUER
    assert parsed.credential_configuration_ids == ["driver_licence", "proof_of_age"]


def test_the_nonce_response_validates(client, transport_agency):
    body = client.post("/issuers/transport/nonce").json

    assert NonceResponse.model_validate(body).c_nonce == body["c_nonce"]


def test_the_holders_request_and_our_response_validate(client, holder, offer, clock):
    token = holder.redeem(parse_offer(offer["credential_offer_uri"]), offer["tx_code"])
    nonce = client.post("/issuers/transport/nonce").json["c_nonce"]
    proof = DeviceKey().proof(issuer=ISSUER, nonce=nonce, now=int(clock.now().timestamp()))
    request = {"credential_configuration_id": "driver_licence", "proofs": {"jwt": [proof]}}
    CredentialRequest.model_validate(request)

    response = client.post(
        "/issuers/transport/credential", json=request, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200, response.json
    assert len(CredentialResponse.model_validate(response.json).credentials) == 1
