"""Issuance fixtures: the transport agency with its issuer key and client, a holder over the test client."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from flask.testing import FlaskClient
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import func, select

from tests.factories import agency_client, agency_token, bearer
from tests.samples import LICENCE
from tests.wallet.issuance import forging
from verifier.encoding import b64url_json
from verifier.statuslist import StatusList
from wallet.holder.oid4vci import DeviceKey, HolderClient
from wallet.holder.transport import Reply
from wallet.issuance.models import IssuanceNonce, IssuedCredential

PERSON = {"agency_ref": "P-1", "given_name": "Alex", "family_name": "Citizen", "birthdate": "1990-04-12"}
AGENCY_SCOPES = ("people:read", "people:write", "credentials:issue", "credentials:revoke")


class FlaskTransport:
    """The holder's HTTP, sent to the app's test client instead of the network."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

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
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.open(
            path, method=method, data=form, json=json_body, headers=dict(headers or {})
        )
        body = response.get_json(silent=True)
        return Reply(response.status_code, body if body is not None else response.get_data(as_text=True))


@pytest.fixture
def transport_agency(rt, client):
    """The transport agency's client token, with the issuer key in place."""
    creds = agency_client(rt, "transport", AGENCY_SCOPES)
    rt.keystore.ensure_active("issuer:transport", now=rt.clock.now())
    return agency_token(client, creds)


@pytest.fixture
def person_id(client, transport_agency):
    response = client.post("/v1/agency/people", json=PERSON, headers=bearer(transport_agency))
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def offer(client, transport_agency, person_id):
    response = client.post(
        f"/v1/agency/people/{person_id}/authorisations",
        json={"credential_type": "driver_licence", "claims": LICENCE},
        headers=bearer(transport_agency),
    )
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def holder(client, clock):
    return HolderClient(FlaskTransport(client), clock=lambda: clock.now().timestamp())


def jwt_payload(token: str) -> dict[str, Any]:
    """The issuer-signed payload of an SD-JWT (or any compact JWS), unverified."""
    return b64url_json(token.split("~")[0].split(".")[1])


# --- Shared helpers for the issuance tests ------------------------------------------------------------

TRANSPORT = "/issuers/transport"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
SENIORS_CARD = {
    "given_name": "Robin",
    "family_name": "Elder",
    "birthdate": "1950-02-01",
    "card_number": "S1234567",
    "issue_date": "2025-01-01",
    "expiry_date": "2030-01-01",
}


@pytest.fixture
def issuer(rt) -> str:
    """The transport issuer's identifier: the ``aud`` of key proofs, the ``iss`` of its credentials."""
    return f"{rt.settings.public_url}{TRANSPORT}"


@pytest.fixture
def nonce(client, transport_agency) -> str:
    """A fresh c_nonce of the transport issuer."""
    return new_nonce(client)


@pytest.fixture
def now(clock) -> int:
    return int(clock.now().timestamp())


@pytest.fixture
def forge(issuer, nonce, now):
    """Build a key proof by hand (``forging.proof``), for this issuer and ``nonce`` unless told otherwise."""

    def build(**changes: Any) -> str:
        return forging.proof(issuer=issuer, nonce=nonce, now=now, **changes)

    return build


@pytest.fixture
def token(client, offer) -> str:
    """An access token for the transport credential endpoint, from the offer's pre-authorized code."""
    response = redeem(client, offer)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def pre_authorized_code(offer: Mapping[str, Any]) -> str:
    return offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]


def redeem(
    client: FlaskClient,
    offer: Mapping[str, Any],
    *,
    issuer_path: str = TRANSPORT,
    changes: Mapping[str, str | None] | None = None,
):
    """POST the token request of ``offer``; ``changes`` replaces parameters (None drops one)."""
    form: dict[str, str | None] = {
        "grant_type": PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": pre_authorized_code(offer),
        "tx_code": offer["tx_code"],
        **(changes or {}),
    }
    return client.post(f"{issuer_path}/token", data={k: v for k, v in form.items() if v is not None})


def new_nonce(client: FlaskClient, issuer_path: str = TRANSPORT) -> str:
    response = client.post(f"{issuer_path}/nonce")
    assert response.status_code == 200, response.json
    return response.json["c_nonce"]


def request_credential(
    client: FlaskClient,
    token: str | None,
    configuration_id: str,
    proofs: list[str] | None,
    *,
    issuer_path: str = TRANSPORT,
    **extra: Any,
):
    body: dict[str, Any] = {"credential_configuration_id": configuration_id, **extra}
    if proofs is not None:
        body["proofs"] = {"jwt": proofs}
    headers = bearer(token) if token else {}
    return client.post(f"{issuer_path}/credential", json=body, headers=headers)


def refused(rt, response, error: str, *, status: int = 400, nonce: str | None = None) -> None:
    """The credential endpoint refused with ``error``, issued nothing, and left ``nonce`` (if any) unspent."""
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    assert "credentials" not in response.json
    assert count(rt, IssuedCredential) == 0
    if nonce is not None:
        assert not nonce_used(rt, nonce)


def seniors_offer(client: FlaskClient, seniors_token: str) -> dict[str, Any]:
    """A seniors card offer, made by the seniors agency for a new person of theirs."""
    person = client.post(
        "/v1/agency/people",
        json={"agency_ref": "S-1", "given_name": "Robin", "family_name": "Elder", "birthdate": "1950-02-01"},
        headers=bearer(seniors_token),
    )
    assert person.status_code == 201, person.json
    response = client.post(
        f"/v1/agency/people/{person.json['id']}/authorisations",
        json={"credential_type": "seniors_card", "claims": SENIORS_CARD},
        headers=bearer(seniors_token),
    )
    assert response.status_code == 201, response.json
    offer: dict[str, Any] = response.json
    return offer


def count(rt, model: type, *where: Any) -> int:
    """Rows of ``model`` (matching ``where``) as the database sees them now, outside any request."""
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def nonce_used(rt, nonce: str) -> bool:
    """Whether a c_nonce has been spent. Fails if the nonce was never handed out."""
    with rt.db.session() as session:
        row = session.scalar(
            select(IssuanceNonce).where(IssuanceNonce.digest == hashlib.sha256(nonce.encode()).digest())
        )
    assert row is not None, "no such nonce was handed out"
    return row.used_at is not None


def path_of(url: str) -> str:
    return urlsplit(url).path


def status_list_token(client: FlaskClient, uri: str) -> str:
    response = client.get(path_of(uri))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/statuslist+jwt"
    return response.get_data(as_text=True)


def status_list(client: FlaskClient, uri: str) -> StatusList:
    token = status_list_token(client, uri)
    assert jwt.get_unverified_header(token)["typ"] == "statuslist+jwt"
    return StatusList.decode(jwt_payload(token)["status_list"])


def status_of(client: FlaskClient, credential: str) -> int:
    """The credential's entry in the status list its ``status`` claim points to, fetched now."""
    reference = jwt_payload(credential)["status"]["status_list"]
    return status_list(client, reference["uri"])[reference["idx"]]


def issuer_jwks(client: FlaskClient, issuer_path: str = TRANSPORT) -> dict[str, Any]:
    response = client.get(f"{issuer_path}/.well-known/jwks.json")
    assert response.status_code == 200, response.json
    return response.json


def verify_credential(client: FlaskClient, credential: str) -> dict[str, Any]:
    """Verify an SD-JWT VC with the SD-JWT reference implementation and the served JWKS; its claims."""
    keys = {key["kid"]: key for key in issuer_jwks(client)["keys"]}

    def issuer_key(_issuer: str, header: dict[str, Any]) -> JWK:
        return JWK(**keys[header["kid"]])

    claims: dict[str, Any] = SDJWTVerifier(credential, issuer_key).get_verified_payload()
    return claims


def agency_with_issuer(rt, client: FlaskClient, slug: str, scopes: tuple[str, ...] = AGENCY_SCOPES) -> str:
    """Another agency with its issuer key, and a client token of it."""
    creds = agency_client(rt, slug, scopes)
    rt.keystore.ensure_active(f"issuer:{slug}", now=rt.clock.now())
    return agency_token(client, creds)


def accept(holder: HolderClient, offer: Mapping[str, Any], devices: list[DeviceKey]) -> dict[str, list[str]]:
    """Run the holder's whole flow; the credentials by configuration id."""
    received = holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], devices)
    return {r.configuration_id: r.credentials for r in received}


def issued_records(
    client: FlaskClient, agency_token: str, person_id: str, **query: str
) -> list[dict[str, Any]]:
    response = client.get(
        f"/v1/agency/people/{person_id}/credentials", query_string=query, headers=bearer(agency_token)
    )
    assert response.status_code == 200, response.json
    records: list[dict[str, Any]] = response.json
    return records
