"""Credentials we issue, presented with a holder's KB-JWT, verify with the independent ``polaris-oid4vp``
verifier (pinned as a test extra), and our own offline verifier reaches the same verdict on the same text.

Issued over the test client by the OpenID4VCI flow, bound to a device key; the presentation is built here as a
wallet builds it: the issuer JWT, the chosen Disclosures, and a KB-JWT whose ``sd_hash`` is the base64url
SHA-256 of the ASCII of everything through the last ``~``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import marshmallow as ma
import pytest
from polaris_oid4vp.sdjwt import verify_presentation

from issuers.catalog import DRIVER_LICENCE
from issuers.claims import JPEG_MAGIC, MAX_PORTRAIT_BYTES
from issuers.sdjwt import mint, prepare_claims
from keys import SigningKey
from tests.samples import LICENCE
from verifier.disclosures import decode_disclosure
from verifier.encoding import b64url_encode
from verifier.store import TrustStore
from verifier.verify import Verifier
from wallet.holder.oid4vci import DeviceKey

AUDIENCE = "https://venue.example.gov/door-1"
NONCE = "n-7d2c9a41"
ENVELOPE = {"iss", "vct", "vct#integrity", "cnf", "status", "iat", "exp", "nbf", "_sd_alg"}
LICENCE_SHOWN = {
    "given_name": "Alex",
    "family_name": "Citizen",
    "age_over_18": True,
    "address": {"locality": "Parramatta"},  # one member of a recursively disclosable object
}


@pytest.fixture
def now(clock) -> int:
    return int(clock.now().timestamp())


@pytest.fixture
def phone() -> DeviceKey:
    return DeviceKey()


@pytest.fixture
def issued(holder, offer, phone) -> dict[str, str]:
    """One credential of each type the offer lists, by configuration id, bound to ``phone``."""
    received = holder.accept_offer(offer["credential_offer_uri"], offer["tx_code"], [phone])
    return {r.configuration_id: r.credentials[0] for r in received}


@pytest.fixture
def issuer_jwks(client, transport_agency) -> list[dict[str, Any]]:
    response = client.get("/issuers/transport/.well-known/jwks.json")
    assert response.status_code == 200, response.json
    keys: list[dict[str, Any]] = response.json["keys"]
    return keys


@pytest.fixture
def ours(client, rt, now, issued) -> Verifier:
    """Our verifier, trusting what the service's signed trust bundle says (fetched after issuance)."""
    rt.keystore.ensure_active("trust-anchor", now=rt.clock.now())
    anchors = client.get("/v1/trust-anchor/jwks.json").json
    bundle = client.get("/v1/trust-bundle").get_data(as_text=True)
    return Verifier(trust=TrustStore.from_signed_bundle(bundle, anchors=anchors, now=now), replay_cache=None)


def present(credential: str, names: set[str], phone: DeviceKey, *, now: int) -> str:
    """The issuer JWT with the Disclosures named ``names`` (at any depth), and a KB-JWT over them."""
    issuer_jwt, *disclosures = [part for part in credential.split("~") if part]
    chosen = [d for d in disclosures if decode_disclosure(d).name in names]
    sd_jwt = "~".join([issuer_jwt, *chosen]) + "~"
    sd_hash = b64url_encode(hashlib.sha256(sd_jwt.encode("ascii")).digest())
    payload = {"iat": now, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sd_hash}
    return sd_jwt + phone.sign_bound(payload, typ="kb+jwt")


def polaris(presentation: str, jwks: list[dict[str, Any]], *, now: int, nonce: str = NONCE) -> Any:
    return verify_presentation(
        presentation, expected_nonce=nonce, expected_audience=AUDIENCE, issuer_jwks=jwks, now=now
    )


def _disclosed(claims: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in claims.items() if name not in ENVELOPE}


def _names(shown: dict[str, Any]) -> set[str]:
    nested = {member for value in shown.values() if isinstance(value, dict) for member in value}
    return set(shown) | nested


@pytest.mark.parametrize(
    ("configuration_id", "shown"),
    [("driver_licence", LICENCE_SHOWN), ("proof_of_age", {"age_over_18": True})],
)
def test_polaris_accepts_our_presentation_and_our_verifier_agrees(
    issued, phone, issuer_jwks, ours, now, configuration_id, shown
):
    presentation = present(issued[configuration_id], _names(shown), phone, now=now)

    verdict = polaris(presentation, issuer_jwks, now=now)
    result = ours.verify(presentation, now=now, audience=AUDIENCE, nonce=NONCE)

    assert verdict.authentic, (verdict.code, verdict.reason)
    assert _disclosed(verdict.claims) == shown
    assert verdict.claims["iss"] == "https://wallet.example.gov/issuers/transport"
    assert verdict.claims["vct"] == f"https://wallet.example.gov/vct/{configuration_id}/v1"
    assert result.valid, result.reasons
    assert result.claims == shown
    assert (result.iss, result.vct) == (verdict.claims["iss"], verdict.claims["vct"])
    assert result.holder_bound
    assert result.status == "valid"  # the bundle carries the list the credential points into


def test_both_refuse_a_presentation_made_for_another_request(issued, phone, issuer_jwks, ours, now):
    presentation = present(issued["proof_of_age"], {"age_over_18"}, phone, now=now)

    verdict = polaris(presentation, issuer_jwks, now=now, nonce="n-someone-else")
    result = ours.verify(presentation, now=now, audience=AUDIENCE, nonce="n-someone-else")

    assert (verdict.authentic, verdict.code) == (False, "nonce")
    assert [str(reason) for reason in result.reasons] == ["kb_wrong_nonce"]


def test_both_refuse_a_disclosure_cut_from_under_the_holders_proof(issued, phone, issuer_jwks, ours, now):
    presentation = present(issued["driver_licence"], _names(LICENCE_SHOWN), phone, now=now)
    parts = presentation.split("~")
    cut = "~".join(part for part in parts[1:-1] if decode_disclosure(part).name != "given_name")
    cut = f"{parts[0]}~{cut}~{parts[-1]}"

    verdict = polaris(cut, issuer_jwks, now=now)
    result = ours.verify(cut, now=now, audience=AUDIENCE, nonce=NONCE)

    assert (verdict.authentic, verdict.code) == (False, "sd_hash")
    assert [str(reason) for reason in result.reasons] == ["sd_hash_mismatch"]


def test_polaris_accepts_a_licence_that_discloses_the_largest_portrait_we_take(phone, clock, now):
    # Portraits of up to 64 KiB were taken once: past about 49 kB their disclosure outgrew polaris's limit.
    key = SigningKey.generate("issuer:transport")
    jpeg = JPEG_MAGIC + bytes(MAX_PORTRAIT_BYTES - len(JPEG_MAGIC))
    record = {**LICENCE, "portrait": base64.b64encode(jpeg).decode()}
    minted = mint(
        DRIVER_LICENCE,
        prepare_claims(DRIVER_LICENCE, record, clock.now().date()),
        key=key,
        issuer="https://wallet.example.gov/issuers/transport",
        vct="https://wallet.example.gov/vct/driver_licence/v1",
        holder_jwk=phone.jwk,
        status=None,
        now=clock.now(),
        lifetime=timedelta(days=30),
    )
    presentation = present(minted.sd_jwt, {"given_name", "portrait"}, phone, now=now)

    verdict = polaris(presentation, [key.public_jwk()], now=now)

    assert verdict.authentic, (verdict.code, verdict.reason)
    assert verdict.claims["portrait"] == record["portrait"]


def test_a_portrait_past_the_limit_is_refused_before_minting(clock):
    jpeg = JPEG_MAGIC + bytes(MAX_PORTRAIT_BYTES + 1 - len(JPEG_MAGIC))

    with pytest.raises(ma.ValidationError, match="portrait"):
        prepare_claims(
            DRIVER_LICENCE, {**LICENCE, "portrait": base64.b64encode(jpeg).decode()}, clock.now().date()
        )
