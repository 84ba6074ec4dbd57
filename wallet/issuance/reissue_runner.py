"""Running the re-issue: batch after batch in one process, or in several worker processes at once.

Each worker opens its own runtime (engine, key store) in a fresh interpreter, and goes through the rows in
id order from its own position; when it reaches the end it goes over them once more from the start, for
rows that other workers held as it passed, and stops when such a pass finds nothing.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import replace
from queue import Queue
from typing import Any

from sqlalchemy.exc import DBAPIError

from wallet.audit.service import Actor
from wallet.clock import Clock
from wallet.config import Settings
from wallet.issuance.reissue import ALONE, Lane, Position, Reissuer
from wallet.runtime import Runtime, build_runtime

BATCH_ATTEMPTS = 3
# SQLSTATEs of a transaction the server rolled back to let others go on: deadlock_detected and
# serialization_failure. Running it again is the documented remedy.
RETRYABLE = frozenset({"40P01", "40001"})


def run_batches(
    rt: Runtime,
    issuer: str,
    kid: str,
    *,
    size: int,
    actor: Actor,
    lane: Lane = ALONE,
    progress: Callable[[int], object] = lambda handled: None,
) -> int:
    """Re-issue batch after batch, each committed on its own, until this worker finds nothing more to do:
    a pass from the start of the id order that handles nothing. Returns how many credentials it handled.
    """
    done, position = 0, Position()
    while True:
        from_start = position.at_start
        handled, position = _batch(rt, issuer, kid, size=size, actor=actor, lane=lane, position=position)
        if handled:
            done += handled
            progress(handled)
        elif from_start:
            return done
        else:  # another pass, for whatever other workers held when this one went by
            position = Position()


def _batch(
    rt: Runtime, issuer: str, kid: str, *, size: int, actor: Actor, lane: Lane, position: Position
) -> tuple[int, Position]:
    """One batch in a transaction of its own: how many it handled, and the position after it.

    A batch that PostgreSQL broke off to end a deadlock or a serialization conflict (with a request
    changing one of its credentials, say) wrote nothing, and is run again from the same position.
    """
    attempts = 1
    while True:
        after = replace(position)  # the batch moves it; a failed batch must not
        try:
            with rt.db.session() as session, session.begin():
                agency = rt.agencies(session).find_agency(issuer)
                reissuer = Reissuer(rt.issuance(session), lane=lane, position=after)
                return reissuer.batch(agency, kid, size=size, actor=actor), after
        except DBAPIError as error:
            if attempts == BATCH_ATTEMPTS or getattr(error.orig, "sqlstate", None) not in RETRYABLE:
                raise
            attempts += 1


def run_workers(
    settings: Settings,
    clock: Clock,
    issuer: str,
    kid: str,
    *,
    workers: int,
    size: int,
    actor: Actor,
    progress: Callable[[int], object] = lambda handled: None,
) -> int:
    """``run_batches`` in ``workers`` processes at once (PostgreSQL: it needs SKIP LOCKED).

    Returns how many credentials they handled; raises what a worker raised, once all have stopped.
    """
    # spawn: each worker starts a fresh interpreter and opens its own engine, keys and connections.
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        handled: Queue[int] = manager.Queue()
        futures = [
            pool.submit(_worker, settings, clock, issuer, kid, size, actor, Lane(number, workers), handled)
            for number in range(workers)
        ]
        while wait(futures, timeout=0.2).not_done:
            _drain(handled, progress)
        _drain(handled, progress)
        return sum(future.result() for future in futures)


def _worker(
    settings: Settings, clock: Clock, issuer: str, kid: str, size: int, actor: Actor, lane: Lane, handled: Any
) -> int:
    rt = build_runtime(settings, clock)
    try:
        return run_batches(rt, issuer, kid, size=size, actor=actor, lane=lane, progress=handled.put)
    finally:
        rt.db.dispose()


def _drain(handled: Queue[int], progress: Callable[[int], object]) -> None:
    while not handled.empty():
        progress(handled.get())
