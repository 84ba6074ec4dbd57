"""Several processes sharing one FileKeyStore directory."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from keys import FileKeyStore, KeyState

PASSPHRASE = b"concurrency test passphrase"
PURPOSE = "service-tokens"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
PROCESSES = 4
TIMEOUT = 120


def _ensure_active(directory: str, barrier: Barrier, results: Any) -> None:
    store = FileKeyStore(Path(directory), PASSPHRASE)
    barrier.wait(TIMEOUT)  # start together, so the processes really race
    results.put(store.ensure_active(PURPOSE, now=NOW).kid)


def _rotate(directory: str, barrier: Barrier, results: Any) -> None:
    store = FileKeyStore(Path(directory), PASSPHRASE)
    barrier.wait(TIMEOUT)
    results.put(store.rotate(PURPOSE, now=NOW, publish_for=timedelta(days=1)).kid)


def _run_in_processes(target: Any, directory: Path) -> list[str]:
    """Run ``target`` in PROCESSES spawned processes at once; return what each put."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(str(directory), barrier, results)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        kids = [results.get(timeout=TIMEOUT) for _ in processes]
    finally:
        for process in processes:
            process.join(TIMEOUT)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    return kids


def test_concurrent_ensure_active_creates_exactly_one_key(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    kids = _run_in_processes(_ensure_active, directory)
    assert len(set(kids)) == 1
    store = FileKeyStore(directory, PASSPHRASE)
    assert [info.kid for info in store.list_keys(PURPOSE)] == kids[:1]
    assert store.active(PURPOSE).kid == kids[0]
    assert len(list((directory / PURPOSE).glob("*.pem"))) == 1


def test_concurrent_rotations_lose_no_key(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    first = FileKeyStore(directory, PASSPHRASE).ensure_active(PURPOSE, now=NOW)
    kids = _run_in_processes(_rotate, directory)
    assert len(set(kids)) == PROCESSES
    infos = FileKeyStore(directory, PASSPHRASE).list_keys(PURPOSE)
    # Every rotation is recorded: the manifest was never overwritten from a stale read.
    assert {info.kid for info in infos} == {first.kid, *kids}
    assert [info.state for info in infos].count(KeyState.ACTIVE) == 1
    assert infos[-1].state == KeyState.ACTIVE
    assert infos[-1].kid in kids
