"""The holder's credential store: what it keeps, how it picks, its file (encrypted keys, 0600, round trip)."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.holder.credentials import NOW, mint_credential, verifier_for
from tests.holder.scripted import FailingCredentialRequest
from tests.wallet.issuance.conftest import FlaskTransport
from verifier.encoding import b64url_decode
from wallet.holder.oid4vci import DeviceKey, HolderClient, IssuanceFailed, Received
from wallet.holder.passphrase import PassphraseKdf
from wallet.holder.present import present, venue
from wallet.holder.store import CredentialStore, StoreError

PASSPHRASE = b"correct horse battery staple"
DAY = 86400


@pytest.fixture
def store():
    return CredentialStore(PASSPHRASE)


def test_a_credential_bound_to_a_key_of_the_store_is_kept(store, issuer_key):
    device = store.new_device_key()

    kept = store.add("proof_of_age", mint_credential("proof_of_age", device, issuer_key))

    assert store.credentials() == [kept]
    assert store.credentials("driver_licence") == []
    assert kept.credential.vct == "https://wallet.example.gov/vct/proof_of_age/v1"


def test_a_credential_bound_to_another_key_is_refused(store, issuer_key):
    store.new_device_key()

    with pytest.raises(StoreError, match="device key"):
        store.add("proof_of_age", mint_credential("proof_of_age", DeviceKey(), issuer_key))
    assert store.credentials() == []


def test_what_is_not_a_credential_is_refused(store):
    with pytest.raises(StoreError, match="not a credential"):
        store.add("proof_of_age", "garbage")


def test_received_batches_are_kept_by_configuration_id(store, issuer_key):
    devices = [store.new_device_key(), store.new_device_key()]
    credentials = [mint_credential("driver_licence", d, issuer_key) for d in devices]

    store.add_received(Received("driver_licence", credentials))

    assert [c.credential.text for c in store.credentials("driver_licence")] == credentials


def test_accept_offer_keeps_the_first_configuration_when_the_second_request_fails(
    store, offer, client, clock
):
    failing = FailingCredentialRequest(FlaskTransport(client), nth=2)
    holder = HolderClient(failing, clock=lambda: clock.now().timestamp())

    with pytest.raises(IssuanceFailed, match="503"):
        store.accept_offer(holder, offer["credential_offer_uri"], offer["tx_code"])

    assert [c.credential_type for c in store.credentials()] == ["driver_licence"]


def test_pick_returns_the_newest_unexpired_credential_and_its_key(store, issuer_key):
    old, new = store.new_device_key(), store.new_device_key()
    store.add("proof_of_age", mint_credential("proof_of_age", new, issuer_key, now=NOW - DAY))
    store.add("proof_of_age", mint_credential("proof_of_age", old, issuer_key, now=NOW - 2 * DAY))

    credential, device = store.pick("proof_of_age", now=NOW)

    assert credential.payload["iat"] == NOW - DAY
    assert device.jwk == new.jwk
    assert verifier_for(issuer_key).verify(present(credential, device, venue(), now=NOW).text, now=NOW).valid


def test_pick_skips_expired_credentials(store, issuer_key):
    device = store.new_device_key()
    store.add("proof_of_age", mint_credential("proof_of_age", device, issuer_key, now=NOW - 40 * DAY))

    with pytest.raises(StoreError, match="no unexpired proof_of_age"):
        store.pick("proof_of_age", now=NOW)


def test_pick_of_a_type_not_held_fails(store):
    with pytest.raises(StoreError, match="driver_licence"):
        store.pick("driver_licence", now=NOW)


def test_a_store_needs_a_passphrase():
    with pytest.raises(StoreError, match="passphrase"):
        CredentialStore(b"")


# --- The file --------------------------------------------------------------------------------------------


@pytest.fixture
def saved(store, issuer_key, tmp_path):
    device = store.new_device_key()
    store.add("driver_licence", mint_credential("driver_licence", device, issuer_key))
    store.add("proof_of_age", mint_credential("proof_of_age", device, issuer_key))
    path = tmp_path / "store.json"
    store.save(path)
    return store, path


def test_a_saved_store_loads_with_the_same_credentials_and_keys(saved, issuer_key):
    store, path = saved

    loaded = CredentialStore.load(path, PASSPHRASE)

    assert [(c.credential_type, c.credential.text) for c in loaded.credentials()] == [
        (c.credential_type, c.credential.text) for c in store.credentials()
    ]
    credential, device = loaded.pick("proof_of_age", now=NOW)
    assert verifier_for(issuer_key).verify(present(credential, device, venue(), now=NOW).text, now=NOW).valid


def test_the_file_is_private_and_its_keys_encrypted(saved):
    _, path = saved

    document = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert document["version"] == 2
    [pem] = document["device_keys"]
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")


def test_the_file_records_the_kdf_and_its_parameters(saved):
    _, path = saved

    document = json.loads(path.read_text())

    kdf = document["kdf"]
    assert {k: v for k, v in kdf.items() if k != "salt"} == {
        "name": "argon2id",
        "time_cost": 3,
        "memory_kib": 65536,
        "parallelism": 4,
    }
    assert len(b64url_decode(kdf["salt"])) == 16
    [pem] = document["device_keys"]
    with pytest.raises(ValueError, match="Incorrect password"):  # not under the passphrase itself
        serialization.load_pem_private_key(pem.encode(), PASSPHRASE)
    secret = PassphraseKdf.from_document(kdf).derive(PASSPHRASE)
    assert isinstance(serialization.load_pem_private_key(pem.encode(), secret), ec.EllipticCurvePrivateKey)


def test_a_store_file_asking_for_an_unbounded_kdf_is_refused(saved):
    _, path = saved
    document = json.loads(path.read_text())
    document["kdf"]["memory_kib"] = 2**40
    path.write_text(json.dumps(document))

    with pytest.raises(StoreError, match="memory_kib"):
        CredentialStore.load(path, PASSPHRASE)


def test_a_version_1_store_opens_and_is_upgraded_on_save(tmp_path, issuer_key):
    key = ec.generate_private_key(ec.SECP256R1())
    credential = mint_credential("proof_of_age", DeviceKey(key), issuer_key)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"short"),  # version 1 took any passphrase
    )
    path = tmp_path / "store.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "device_keys": [pem.decode()],
                "credentials": [{"type": "proof_of_age", "credential": credential}],
            }
        )
    )

    CredentialStore.load(path, b"short").save(path)

    document = json.loads(path.read_text())
    assert (document["version"], document["kdf"]["name"]) == (2, "argon2id")
    reopened = CredentialStore.load(path, b"short")
    assert [c.credential.text for c in reopened.credentials()] == [credential]
    _, device = reopened.pick("proof_of_age", now=NOW)
    assert device.jwk == DeviceKey(key).jwk


def test_a_short_passphrase_is_refused_for_a_new_store(tmp_path):
    with pytest.raises(StoreError, match="at least 8 characters"):
        CredentialStore(b"seven77")
    with pytest.raises(StoreError, match="at least 8 characters"):
        CredentialStore.load(tmp_path / "new.json", b"seven77")
    assert CredentialStore(b"eight888").credentials() == []


def test_a_wrong_passphrase_is_refused(saved):
    _, path = saved

    with pytest.raises(StoreError, match="wrong passphrase"):
        CredentialStore.load(path, b"not the passphrase")


def test_a_missing_file_is_an_empty_store(tmp_path):
    assert CredentialStore.load(tmp_path / "none.json", PASSPHRASE).credentials() == []


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"version": 3, "device_keys": [], "credentials": []}', '{"version": 1}', "\udcff"],
    ids=["not-json", "not-an-object", "other-version", "members-missing", "not-utf8"],
)
def test_a_damaged_file_is_a_store_error(tmp_path, content):
    path = tmp_path / "store.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))

    with pytest.raises(StoreError):
        CredentialStore.load(path, PASSPHRASE)


def test_a_store_file_whose_credential_lost_its_key_is_refused(saved):
    _, path = saved
    document = json.loads(path.read_text())
    document["device_keys"] = []
    path.write_text(json.dumps(document))

    with pytest.raises(StoreError, match="device key"):
        CredentialStore.load(path, PASSPHRASE)


def test_a_missing_directory_is_made_private(store, tmp_path):
    store.save(tmp_path / "missing-dir" / "store.json")

    assert stat.S_IMODE((tmp_path / "missing-dir").stat().st_mode) == 0o700


def test_an_unwritable_place_is_a_store_error(store, tmp_path):
    (tmp_path / "a-file").write_text("")

    with pytest.raises(StoreError, match="cannot write"):
        store.save(tmp_path / "a-file" / "store.json")
