"""Fixtures of the verifier tests: one world of keys per session (keys are the slow part to make)."""

from __future__ import annotations

import pytest

from tests.verifier.helpers import World


@pytest.fixture(scope="session")
def world() -> World:
    return World()
