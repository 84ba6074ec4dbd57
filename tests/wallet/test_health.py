from __future__ import annotations

import gc

from wallet.app import create_app, create_served_app


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database_and_keys(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "keys": "ok"}


def test_readyz_is_a_503_problem_when_the_database_is_down(settings, clock):
    app = create_app(
        {**settings, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}, clock=clock
    )

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "not_ready"


def test_the_service_jwks_publishes_the_token_key(client, rt):
    response = client.get("/.well-known/jwks.json")

    kids = [key["kid"] for key in response.json["keys"]]
    assert rt.keystore.active("service-tokens").kid in kids


def test_the_logos_the_metadata_names_are_served(client):
    for name in ("transport", "seniors"):
        response = client.get(f"/static/logos/{name}.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"


def test_a_served_app_sets_its_start_up_heap_aside_from_the_collector(settings, clock, monkeypatch):
    """The server's factory freezes what start-up built, so full collections no longer walk it."""
    for name, value in settings.items():
        monkeypatch.setenv(f"CREDWALLET_{name}", str(value))
    before = gc.get_freeze_count()
    try:
        app = create_served_app()
        assert gc.get_freeze_count() > before
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        gc.unfreeze()
