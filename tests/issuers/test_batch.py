"""A batch: several credentials from one record, one per device key, each as ``mint`` makes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from issuers.catalog import DRIVER_LICENCE
from issuers.sdjwt import StatusReference, mint_batch, prepare_claims
from keys import ec_public_jwk
from tests.issuers.conftest import BASE, ISSUER, NOW, TODAY
from tests.samples import LICENCE
from verifier.errors import FormatError

URI = "https://wallet.example.gov/issuers/transport/status/1"


def _device() -> dict[str, str]:
    return ec_public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())


def _batch(issuer_key, holders):
    return mint_batch(
        DRIVER_LICENCE,
        prepare_claims(DRIVER_LICENCE, LICENCE, TODAY),
        key=issuer_key,
        issuer=ISSUER,
        vct=DRIVER_LICENCE.vct(BASE),
        holders=holders,
        now=NOW,
        lifetime=timedelta(days=30),
    )


def test_each_credential_is_bound_to_its_key_with_its_own_status_and_salts(issuer_key):
    holders = [(_device(), StatusReference(URI, index)) for index in (11, 12, 13)]

    batch = _batch(issuer_key, holders)

    assert [m.payload["cnf"]["jwk"] for m in batch] == [jwk for jwk, _ in holders]
    assert [m.payload["status"]["status_list"]["idx"] for m in batch] == [11, 12, 13]
    salts = [d.salt for m in batch for d in m.disclosures]
    assert len(set(salts)) == len(salts)
    digests = [set(m.payload["_sd"]) for m in batch]
    assert digests[0].isdisjoint(digests[1])
    assert digests[1].isdisjoint(digests[2])


def test_the_same_claims_are_disclosed_in_every_credential(issuer_key):
    batch = _batch(issuer_key, [(_device(), None), (_device(), None)])

    # the address object differs: it holds its members' digests, made with each credential's own salts
    first, second = ([(d.name, d.value) for d in m.disclosures if d.name != "address"] for m in batch)

    assert first == second
    assert [d.name for d in batch[0].disclosures] == [d.name for d in batch[1].disclosures]
    assert "status" not in batch[0].payload


def test_one_bad_key_refuses_the_whole_batch(issuer_key):
    with pytest.raises(FormatError):
        _batch(issuer_key, [(_device(), None), ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, None)])
