"""Published metadata: Credential Issuer, OAuth Authorization Server, SD-JWT VC issuer, and type metadata."""

from __future__ import annotations

import pytest

from tests.wallet.issuance.conftest import PRE_AUTHORIZED_GRANT, agency_with_issuer, issuer_jwks

LICENCE_CLAIMS = [
    "given_name",
    "family_name",
    "birthdate",
    "address",
    "licence_number",
    "card_number",
    "issue_date",
    "expiry_date",
    "portrait",
    "licence_class",
    "licence_type",
    "conditions",
    "age_over_16",
    "age_over_18",
    "age_over_21",
    "age_over_65",
]


def _get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.json


@pytest.fixture
def metadata(client, transport_agency):
    return _get(client, "/.well-known/openid-credential-issuer/issuers/transport")


def test_the_issuer_metadata_names_its_endpoints(metadata, issuer):
    assert metadata["credential_issuer"] == issuer
    assert metadata["credential_endpoint"] == f"{issuer}/credential"
    assert metadata["nonce_endpoint"] == f"{issuer}/nonce"
    assert metadata["batch_credential_issuance"]["batch_size"] == 10


def test_the_issuer_offers_its_three_transport_configurations(metadata, rt):
    configurations = metadata["credential_configurations_supported"]

    assert set(configurations) == {"driver_licence", "photo_card", "proof_of_age"}
    for configuration_id, configuration in configurations.items():
        assert configuration["format"] == "dc+sd-jwt"
        assert configuration["vct"] == f"{rt.settings.public_url}/vct/{configuration_id}/v1"
        assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
            "ES256"
        ]
        assert configuration["cryptographic_binding_methods_supported"] == ["jwk"]
        assert configuration["credential_signing_alg_values_supported"] == ["ES256"]


def test_the_endpoints_the_metadata_names_are_served(client, metadata):
    for name in ("credential_endpoint", "nonce_endpoint"):
        path = metadata[name].removeprefix(metadata["credential_issuer"].removesuffix("/issuers/transport"))
        assert client.post(path).status_code != 404


def test_another_issuer_lists_only_its_own_types(client, rt):
    agency_with_issuer(rt, client, "seniors")

    seniors = _get(client, "/.well-known/openid-credential-issuer/issuers/seniors")

    assert set(seniors["credential_configurations_supported"]) == {"seniors_card", "senior_savers_card"}


def test_the_authorization_server_metadata_offers_the_pre_authorized_grant(client, transport_agency, issuer):
    server = _get(client, "/.well-known/oauth-authorization-server/issuers/transport")

    assert server["issuer"] == issuer
    assert server["token_endpoint"] == f"{issuer}/token"
    assert PRE_AUTHORIZED_GRANT in server["grant_types_supported"]
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


def test_the_jwt_vc_issuer_metadata_holds_the_issuer_keys(client, transport_agency, issuer, rt):
    document = _get(client, "/.well-known/jwt-vc-issuer/issuers/transport")

    assert document["issuer"] == issuer
    assert document["jwks"] == issuer_jwks(client)
    kid = rt.keystore.active("issuer:transport").kid
    [key] = [key for key in document["jwks"]["keys"] if key["kid"] == kid]
    assert (key["kty"], key["crv"]) == ("EC", "P-256")
    assert "d" not in key


def test_the_licence_type_metadata_says_which_claims_are_disclosable(client, rt):
    document = _get(client, "/vct/driver_licence/v1")

    assert document["vct"] == f"{rt.settings.public_url}/vct/driver_licence/v1"
    assert [claim["path"] for claim in document["claims"]] == [[name] for name in LICENCE_CLAIMS]
    assert {claim["sd"] for claim in document["claims"]} == {"always"}


def test_the_proof_of_age_type_metadata_holds_only_ages(client):
    document = _get(client, "/vct/proof_of_age/v1")

    assert {claim["path"][0]: claim["sd"] for claim in document["claims"]} == {
        "age_over_16": "always",
        "age_over_18": "always",
        "age_over_21": "always",
        "age_over_65": "always",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-credential-issuer/issuers/nobody",
        "/.well-known/oauth-authorization-server/issuers/nobody",
        "/.well-known/jwt-vc-issuer/issuers/nobody",
        "/issuers/nobody/.well-known/jwks.json",
        "/vct/nobody/v1",
    ],
)
def test_unknown_names_are_not_found(client, transport_agency, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
