"""With CREDWALLET_REDIS_URL set, every worker counts against the same limits."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from tests.factories import PASSWORD, register
from wallet.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def settings(settings):
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail("CI machines run Redis on 127.0.0.1:6379; it does not answer")
        pytest.skip("no Redis on 127.0.0.1:6379")
    return {**settings, "REDIS_URL": REDIS_URL, "LOGIN_LIMIT_ACCOUNT": "3/minute"}


def test_two_workers_share_the_per_account_limit(app, settings, clock):
    # A second app on the same database connection and the same Redis stands for a second worker process.
    other_worker = create_app(settings, clock=clock)
    other_worker.extensions["credwallet"].db.bind(app.extensions["credwallet"].db.joined)
    email = f"shared-{uuid.uuid4().hex}@example.org"
    first, second = app.test_client(), other_worker.test_client()
    register(first, email)
    wrong = {"email": email, "password": "wrong password!"}

    for worker in (first, second, first):
        assert worker.post("/v1/sessions", json=wrong).status_code == 401

    response = second.post("/v1/sessions", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
