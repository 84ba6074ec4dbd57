"""Published metadata, built from the credential catalogue: OpenID4VCI Credential Issuer metadata, OAuth
Authorization Server metadata, SD-JWT VC issuer metadata and type metadata."""

from __future__ import annotations

from typing import Any

from issuers.catalog import CATALOG, CredentialType
from wallet.issuance.offers import PRE_AUTHORIZED_GRANT
from wallet.issuance.service import BATCH_SIZE, issuer_url


def types_of(agency_slug: str) -> list[CredentialType]:
    return [ctype for ctype in CATALOG.values() if ctype.agency == agency_slug]


def credential_issuer(base_url: str, agency_slug: str, agency_name: str) -> dict[str, Any]:
    issuer = issuer_url(base_url, agency_slug)
    return {
        "credential_issuer": issuer,
        "credential_endpoint": f"{issuer}/credential",
        "nonce_endpoint": f"{issuer}/nonce",
        "batch_credential_issuance": {"batch_size": BATCH_SIZE},
        "display": [{"name": agency_name, "locale": "en-AU"}],
        "credential_configurations_supported": {
            ctype.id: _configuration(base_url, ctype) for ctype in types_of(agency_slug)
        },
    }


def _configuration(base_url: str, ctype: CredentialType) -> dict[str, Any]:
    return {
        "format": "dc+sd-jwt",
        "vct": ctype.vct(base_url),
        "scope": ctype.id,
        "credential_signing_alg_values_supported": ["ES256"],
        "cryptographic_binding_methods_supported": ["jwk"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
        "credential_metadata": {
            "display": [_display(base_url, ctype)],
            "claims": [
                {"path": [name], "display": [{"name": label, "locale": "en-AU"}]}
                for name, label in ctype.labels.items()
            ],
        },
    }


def _display(base_url: str, ctype: CredentialType) -> dict[str, Any]:
    shown = ctype.display
    return {
        "name": shown.name,
        "locale": "en-AU",
        "description": shown.description,
        "background_color": shown.background_color,
        "text_color": shown.text_color,
        "logo": {"uri": f"{base_url}{shown.logo}", "alt_text": shown.logo_alt},
    }


def authorization_server(base_url: str, agency_slug: str) -> dict[str, Any]:
    issuer = issuer_url(base_url, agency_slug)
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
    }


def jwt_vc_issuer(base_url: str, agency_slug: str, jwks: dict[str, Any]) -> dict[str, Any]:
    return {"issuer": issuer_url(base_url, agency_slug), "jwks": jwks}


def type_metadata(base_url: str, ctype: CredentialType) -> dict[str, Any]:
    """SD-JWT VC type metadata: display, and for each claim its label and whether it is disclosable."""
    shown = ctype.display
    return {
        "vct": ctype.vct(base_url),
        "name": shown.name,
        "description": shown.description,
        "display": [
            {
                "locale": "en-AU",
                "name": shown.name,
                "description": shown.description,
                "rendering": {
                    "simple": {
                        "logo": {"uri": f"{base_url}{shown.logo}", "alt_text": shown.logo_alt},
                        "background_color": shown.background_color,
                        "text_color": shown.text_color,
                    }
                },
            }
        ],
        "claims": [
            {
                "path": [name],
                "display": [{"locale": "en-AU", "label": label}],
                "sd": "always" if name in ctype.disclosable else "never",
            }
            for name, label in ctype.labels.items()
        ],
    }
