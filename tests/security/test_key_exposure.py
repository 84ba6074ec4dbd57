"""Secrets that must never leave: the private signing key, its passphrase, passwords, tokens, secrets."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from flask import abort
from sqlalchemy import select

from keys import b64url_encode, jwk_thumbprint
from tests.factories import PASSWORD, agency_client, agency_token, bearer, citizen
from wallet.accounts.models import Account
from wallet.audit.models import AuditEvent
from wallet.audit.service import Actor, record
from wallet.auth.tokens import SERVICE_KEYS
from wallet.models import Base

PUBLIC_MEMBERS = {"kty", "crv", "x", "y", "kid", "use", "alg"}


def _private_key_forms(rt):
    """The service private key's d, in every form a leak could take, and the key passphrase."""
    private_key = rt.keystore.active(SERVICE_KEYS)._private_key
    d = private_key.private_numbers().private_value
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    body = "".join(pem.splitlines()[1:-1])
    return {
        "d (base64url)": b64url_encode(d.to_bytes(32, "big")),
        "d (hex)": f"{d:064x}",
        "d (decimal)": str(d),
        "PEM body": body[:60],
        "passphrase": rt.settings.key_passphrase,
    }


def test_jwks_publishes_only_public_members(client, rt):
    """Reading the private key (d) or a mislabelled key out of the public JWKS."""
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    keys = response.json["keys"]
    assert keys
    assert rt.keystore.active(SERVICE_KEYS).kid in {key["kid"] for key in keys}
    for key in keys:
        assert "d" not in key
        assert set(key) == PUBLIC_MEMBERS
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("EC", "P-256", "sig", "ES256")
        assert key["kid"] == jwk_thumbprint(key)


def test_key_files_on_disk_are_encrypted_and_private(rt):
    """Reading the signing key from disk: the files are encrypted PKCS#8 and owner-only."""
    keys_dir = rt.settings.keys_dir
    pem_files = sorted(keys_dir.rglob("*.pem"))
    active = rt.keystore.active(SERVICE_KEYS)
    assert any(path.stem == active.kid for path in pem_files)

    for path in pem_files:
        pem = path.read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        with pytest.raises(TypeError):  # "Password was not given but private key is encrypted"
            serialization.load_pem_private_key(pem, password=None)
    for path in keys_dir.rglob("*"):
        if path.is_dir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
        elif path.name == "keyset.json":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _full_flow(app, client, rt):
    """Every kind of response: successes, each class of error, an unexpected 500, the docs."""
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    tokens = citizen(client)
    creds = agency_client(rt)
    token = agency_token(client, creds)
    refreshed = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    requests = [
        client.get("/.well-known/jwks.json"),
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/openapi.json"),
        client.get("/v1/accounts/me", headers=bearer(refreshed.json["access_token"])),
        client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}),
        client.post("/v1/sessions", json={"email": "citizen@example.org", "password": "wrong!"}),
        client.post("/v1/sessions", json={"email": "nobody@example.org", "password": PASSWORD}),
        client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=creds.basic),
        client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=("x", "y")),
        client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=creds.basic
        ),
        client.post("/v1/agency/people", json={"id": 1}, headers=bearer(token)),
        client.get("/v1/accounts/me", headers=bearer("not.a.token")),
        client.post("/v1/accounts", data=b"{", content_type="application/json"),
        client.post("/v1/accounts", data="x", content_type="text/plain"),
        client.put("/v1/sessions"),
        client.get("/nowhere"),
        client.get("/boom"),
    ]
    return tokens, creds, refreshed.json, requests


def test_no_response_reveals_the_private_key_or_its_passphrase(app, client, rt):
    """Finding the signing key or its passphrase anywhere in the API's answers, errors included."""
    forms = _private_key_forms(rt)
    _tokens, _creds, _refreshed, responses = _full_flow(app, client, rt)

    for response in responses:
        seen = response.get_data(as_text=True) + json.dumps(sorted(response.headers.items()))
        for name, secret in forms.items():
            assert secret not in seen, f"{name} in {response.request.path}"


def _rows(rt, model):
    with rt.db.session() as session:
        return [
            {column.name: getattr(row, column.key) for column in model.__mapper__.columns}
            for row in session.scalars(select(model))
        ]


def test_audit_log_holds_no_password_refresh_token_or_client_secret(app, client, rt):
    """Harvesting credentials from the audit log, which operators and auditors read."""
    tokens, creds, refreshed, _responses = _full_flow(app, client, rt)
    secrets = {
        "password": PASSWORD,
        "refresh token": tokens["refresh_token"],
        "refreshed refresh token": refreshed["refresh_token"],
        "access token": tokens["access_token"],
        "client secret": creds.secret,
    }

    rows = _rows(rt, AuditEvent)

    assert {"login", "login_failed", "agency_client_auth_failed", "refresh_token_reused"} <= {
        row["event"] for row in rows
    }
    for row in rows:
        dump = json.dumps(row, default=str)
        for name, secret in secrets.items():
            assert secret not in dump, f"{name} in audit event {row['event']}"


def test_audit_refuses_details_named_like_secrets(rt, clock):
    """A careless caller passing a secret to the audit log under an explicit name."""
    with rt.db.session() as session:
        for name in ("password", "client_secret", "refresh_token", "key_passphrase", "private_key"):
            with pytest.raises(ValueError, match="secrets"):
                record(session, event="x", actor=Actor("operator"), at=clock.now(), **{name: "s"})


def test_a_copy_of_the_database_reveals_no_password_or_token(app, client, rt):
    """A stolen database dump: passwords, refresh tokens and client secrets are not in it in clear."""
    tokens, creds, refreshed, _responses = _full_flow(app, client, rt)
    secrets = [PASSWORD, tokens["refresh_token"], refreshed["refresh_token"], creds.secret]

    for table in Base.metadata.sorted_tables:
        with rt.db.session() as session:
            dump = repr(session.execute(select(table)).all())
        for secret in secrets:
            assert secret not in dump, f"a secret in table {table.name}"
    assert all(row["password_hash"].startswith("$argon2id$") for row in _rows(rt, Account))


def test_unhandled_error_returns_a_problem_without_traceback(app, client):
    """Reading source paths, code or secrets from the traceback of an unexpected error."""
    marker = "credwallet-internal-detail-4f2a"

    def boom():
        raise RuntimeError(f"{marker}: connection string postgresql://app:hunter2@db/credwallet")

    app.add_url_rule("/boom", "boom", boom)

    response = client.get("/boom")

    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "internal_error"
    text = response.get_data(as_text=True)
    for leak in (marker, "hunter2", "Traceback", "RuntimeError", 'File "', ".py"):
        assert leak not in text


def test_server_error_description_is_not_shown(app, client):
    """Reading internal details from the description of an HTTP 5xx error raised on purpose."""
    app.add_url_rule("/upstream", "upstream", lambda: abort(502, description="upstream 10.0.0.7 said no"))

    response = client.get("/upstream")

    assert response.status_code == 500
    assert response.json["code"] == "internal_error"
    assert "10.0.0.7" not in response.get_data(as_text=True)


def test_settings_and_runtime_reprs_hide_the_key_passphrase(rt):
    """Leaking the key passphrase through a repr printed in a traceback, a debugger or a log."""
    passphrase = rt.settings.key_passphrase

    assert passphrase not in repr(rt.settings)
    assert passphrase not in repr(rt)
    assert passphrase not in repr(rt.keystore)
