from __future__ import annotations

import json
from datetime import date, timedelta

import jwt
import marshmallow as ma
import pytest
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from issuers.catalog import DRIVER_LICENCE, PROOF_OF_AGE
from issuers.sdjwt import StatusReference, age_on, mint, prepare_claims
from tests.issuers.conftest import BASE, ISSUER, NOW, TODAY
from tests.samples import LICENCE
from verifier.disclosures import decode_disclosure
from verifier.encoding import b64url_decode, b64url_encode
from verifier.errors import FormatError

STATUS = StatusReference("https://wallet.example.gov/issuers/transport/status/1", 4242)


def _licence(issuer_key, holder_jwk, **overrides):
    claims = prepare_claims(DRIVER_LICENCE, {**LICENCE, **overrides}, TODAY)
    return mint(
        DRIVER_LICENCE,
        claims,
        key=issuer_key,
        issuer=ISSUER,
        vct=DRIVER_LICENCE.vct(BASE),
        holder_jwk=holder_jwk,
        status=STATUS,
        now=NOW,
        lifetime=timedelta(days=30),
    )


def _parts(sd_jwt):
    jws, *disclosures = sd_jwt.split("~")
    assert disclosures[-1] == ""  # an SD-JWT without key binding ends with "~"
    return jws, disclosures[:-1]


def test_the_header_is_sd_jwt_vc_es256_with_the_key_thumbprint(issuer_key, holder_jwk):
    minted = _licence(issuer_key, holder_jwk)

    header = jwt.get_unverified_header(_parts(minted.sd_jwt)[0])

    assert header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": issuer_key.kid}


def test_the_signature_verifies_with_the_issuer_key(issuer_key, holder_jwk):
    jws, _ = _parts(_licence(issuer_key, holder_jwk).sd_jwt)

    payload = jwt.decode(jws, issuer_key.public_key(), algorithms=["ES256"], options={"verify_aud": False})

    assert payload["iss"] == ISSUER


def test_the_plain_claims_are_exactly_the_never_disclosable_ones(issuer_key, holder_jwk):
    payload = _licence(issuer_key, holder_jwk).payload

    assert set(payload) == {"iss", "iat", "exp", "vct", "cnf", "status", "_sd", "_sd_alg"}
    assert payload["vct"] == f"{BASE}/vct/driver_licence/v1"
    assert payload["cnf"] == {"jwk": holder_jwk}
    assert payload["status"] == {"status_list": {"idx": 4242, "uri": STATUS.uri}}
    assert payload["_sd_alg"] == "sha-256"
    assert payload["exp"] - payload["iat"] == 30 * 86400


def test_every_personal_claim_is_selectively_disclosable(issuer_key, holder_jwk):
    minted = _licence(issuer_key, holder_jwk)

    top = {d.name for d in minted.disclosures if d.name in DRIVER_LICENCE.disclosable}
    address_members = {d.name for d in minted.disclosures if d.name in LICENCE["address"]}

    assert top == set(LICENCE) | {"age_over_16", "age_over_18", "age_over_21", "age_over_65"}
    assert address_members == set(LICENCE["address"])


def test_digests_include_decoys_and_are_sorted(issuer_key, holder_jwk):
    minted = _licence(issuer_key, holder_jwk)

    sd = minted.payload["_sd"]
    real = {d.digest for d in minted.disclosures if d.name in DRIVER_LICENCE.disclosable}
    decoys = set(sd) - real

    assert sd == sorted(sd)
    assert real <= set(sd)
    assert DRIVER_LICENCE.decoys[0] <= len(decoys) <= DRIVER_LICENCE.decoys[1]


def test_salts_are_128_bit_and_never_repeat(issuer_key, holder_jwk):
    salts = [d.salt for _ in range(5) for d in _licence(issuer_key, holder_jwk).disclosures]

    assert all(len(b64url_decode(salt)) == 16 for salt in salts)
    assert len(set(salts)) == len(salts)


def test_disclosures_on_the_wire_decode_to_what_was_minted(issuer_key, holder_jwk):
    minted = _licence(issuer_key, holder_jwk)

    decoded = [decode_disclosure(text) for text in _parts(minted.sd_jwt)[1]]

    assert decoded == list(minted.disclosures)


@pytest.mark.parametrize(
    ("birthdate", "day", "age"),
    [
        (date(2008, 11, 22), date(2026, 11, 22), 18),  # the birthday itself
        (date(2008, 11, 23), date(2026, 11, 22), 17),  # the day before
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # leap-day births age on 1 March
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_counts_whole_years(birthdate, day, age):
    assert age_on(birthdate, day) == age


def test_age_claims_are_recomputed_at_every_issuance():
    record = {**LICENCE, "birthdate": "2008-11-23"}

    before = prepare_claims(DRIVER_LICENCE, record, date(2026, 11, 22))
    after = prepare_claims(DRIVER_LICENCE, record, date(2026, 11, 23))

    assert (before["age_over_18"], after["age_over_18"]) == (False, True)


def test_the_proof_of_age_companion_carries_only_ages(issuer_key, holder_jwk):
    claims = prepare_claims(PROOF_OF_AGE, LICENCE, TODAY)

    assert claims == {"age_over_16": True, "age_over_18": True, "age_over_21": True, "age_over_65": False}


def test_the_credential_never_outlives_the_card(issuer_key, holder_jwk):
    minted = _licence(issuer_key, holder_jwk, expiry_date="2026-12-01")

    assert minted.expires_at < int((NOW + timedelta(days=30)).timestamp())
    # The end of 1 December in Sydney (AEDT, UTC+11); tests/issuers/test_expiry.py has the time-zone cases.
    assert minted.expires_at == int(NOW.replace(year=2026, month=12, day=1, hour=13, minute=0).timestamp())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("licence_type", "P3"),
        ("licence_class", []),
        ("birthdate", "12/04/1990"),
        ("expiry_date", "2020-01-01"),
        ("licence_number", "../../etc"),
        ("portrait", "bm90IGEganBlZw=="),
        ("surprise", "field"),
    ],
)
def test_claims_failing_the_schema_are_refused(field, value):
    with pytest.raises(ma.ValidationError):
        prepare_claims(DRIVER_LICENCE, {**LICENCE, field: value}, TODAY)


@pytest.mark.parametrize(
    "bad_jwk",
    [
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
    ],
)
def test_a_holder_key_that_is_not_a_p256_public_key_is_refused(issuer_key, bad_jwk):
    with pytest.raises(FormatError):
        _licence(issuer_key, bad_jwk)


def test_a_private_holder_jwk_is_refused(issuer_key, holder_jwk):
    with pytest.raises(FormatError):
        _licence(issuer_key, {**holder_jwk, "d": "AAAA"})


def test_the_reference_implementation_accepts_the_credential(issuer_key, holder_jwk):
    """Interop: the SD-JWT reference implementation (sd-jwt, pinned) verifies and processes it."""
    minted = _licence(issuer_key, holder_jwk)
    issuer_jwk = JWK.from_json(json.dumps(issuer_key.public_jwk()))

    processed = SDJWTVerifier(minted.sd_jwt, lambda iss, header: issuer_jwk).get_verified_payload()

    expected = {**prepare_claims(DRIVER_LICENCE, LICENCE, TODAY)}
    assert {k: processed[k] for k in expected} == expected
    assert processed["cnf"] == {"jwk": holder_jwk}


@pytest.mark.parametrize(
    ("field", "value"),
    [("licence_class", ["C", "C"]), ("conditions", ["S"] * 2), ("conditions", [f"X{i}" for i in range(13)])],
)
def test_lists_are_bounded_and_without_repeats(field, value):
    with pytest.raises(ma.ValidationError):
        prepare_claims(DRIVER_LICENCE, {**LICENCE, field: value}, TODAY)


def test_cnf_never_carries_a_coordinate_written_as_itself_plus_p(issuer_key):
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    x, y = 5, 31468013646237722594854082025316614106172411895747863909393730389177298123724  # on P-256

    def holder(x_bytes: bytes) -> dict[str, str]:
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(x_bytes),
            "y": b64url_encode(y.to_bytes(32, "big")),
        }

    cnf = _licence(issuer_key, holder(x.to_bytes(32, "big"))).payload["cnf"]["jwk"]
    # The point itself is a good key; spelled with x + p it is refused (verifier.jwk parses SEC 1, which
    # rejects x >= p), so that spelling never reaches cnf.
    with pytest.raises(FormatError):
        _licence(issuer_key, holder((x + p).to_bytes(32, "big")))
    assert b64url_decode(cnf["x"]) == x.to_bytes(32, "big")
