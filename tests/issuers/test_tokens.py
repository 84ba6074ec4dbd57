from __future__ import annotations

from datetime import timedelta

import jwt

from issuers.tokens import TrustContents, TrustedIssuer, TrustPolicy, status_list_token, trust_bundle
from tests.issuers.conftest import ISSUER, NOW
from verifier.statuslist import Status, StatusList

URI = f"{ISSUER}/status/1"


def test_a_status_list_token_follows_the_token_status_list_jwt_format(issuer_key):
    statuses = StatusList(100_000, bits=2)
    statuses[7] = Status.INVALID
    statuses[99_999] = Status.SUSPENDED

    token = status_list_token(
        statuses,
        key=issuer_key,
        issuer=ISSUER,
        uri=URI,
        now=NOW,
        ttl=timedelta(minutes=15),
        lifetime=timedelta(days=1),
    )

    assert jwt.get_unverified_header(token) == {
        "alg": "ES256",
        "typ": "statuslist+jwt",
        "kid": issuer_key.kid,
    }
    claims = jwt.decode(token, issuer_key.public_key(), algorithms=["ES256"])
    assert claims["sub"] == URI
    assert claims["ttl"] == 900
    assert claims["exp"] - claims["iat"] == 86400
    decoded = StatusList.decode(claims["status_list"])
    assert (decoded[7], decoded[99_999], decoded[8]) == (1, 2, 0)
    assert len(decoded) == 100_000


def test_the_trust_bundle_carries_issuers_lists_and_policy(issuer_key):
    anchor = type(issuer_key).generate("trust-anchor")
    contents = TrustContents(
        issuers=[
            TrustedIssuer(
                ISSUER,
                "Transport Agency",
                {"keys": [issuer_key.public_jwk()]},
                ["https://wallet.example.gov/vct/driver_licence/v1"],
            )
        ],
        status_lists={URI: "token"},
        policy=TrustPolicy(max_status_age=timedelta(hours=6)),
    )

    bundle = trust_bundle(
        contents, key=anchor, issuer="https://wallet.example.gov", now=NOW, lifetime=timedelta(days=7)
    )

    assert jwt.get_unverified_header(bundle)["typ"] == "trust-bundle+jwt"
    claims = jwt.decode(bundle, anchor.public_key(), algorithms=["ES256"])
    assert claims["issuers"][0]["vcts"] == ["https://wallet.example.gov/vct/driver_licence/v1"]
    assert claims["issuers"][0]["jwks"]["keys"][0]["kid"] == issuer_key.kid
    assert claims["status_lists"] == {URI: "token"}
    assert claims["policy"] == {"max_status_age": 21600}
    assert claims["exp"] - claims["iat"] == 7 * 86400
