"""Building and presenting forged access tokens, for the token attack tests."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys import b64url_encode
from tests.factories import bearer

PERSON = {"agency_ref": "A-1", "given_name": "Ada", "family_name": "Lovelace", "birthdate": "1990-01-01"}


def app_api(client, token, **kwargs):
    """Present ``token`` to the citizen app API (``GET /v1/accounts/me``)."""
    return client.get("/v1/accounts/me", headers=bearer(token), **kwargs)


def assert_refused(response):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "unauthenticated"


def segment(value):
    """One base64url JWS segment of a JSON value."""
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def forge(header, payload, sign=lambda _data: b""):
    """A compact JWS of our own making: any header, any payload, any signing function (none by default)."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64url_encode(sign(signing_input.encode()))}"


def es256(private_key):
    """A signing function for ``forge``: ES256 (raw r || s) with ``private_key``."""

    def sign(data):
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign
