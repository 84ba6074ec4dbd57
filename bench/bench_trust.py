"""The signed trust bundle with three issuers and 1M credentials each (1% revoked), built with the issuer's
code (issuers.tokens) and taken in by a verifier's (verifier.sync, then loaded as ``credwallet verify``
loads it): its size, plain and gzip-compressed, the time to build it, to sync it and to load it, and the
verifier's memory peak (tracemalloc) for each.

Two layouts of the same million: one 1M-entry list per issuer, and the lists the service actually keeps
(131,072 entries, retired half full, so 16 per issuer). There is no target; the baseline is the three
issuers' status lists alone, compressed as the status-list draft measures them, so the ratio is what the
bundle adds around them (JWS, base64url twice, keys, policy).
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from issuers.tokens import TrustContents, TrustedIssuer, status_list_token, trust_bundle
from keys import SigningKey
from verifier.encoding import b64url_decode
from verifier.statuslist import Status, StatusList
from verifier.store import TrustStore
from verifier.sync import BUNDLE_FILE, Fetched, sync_bundle
from verifier.trust import parse_anchors, verify_trust_bundle

ISSUERS = ("transport", "seniors", "health")
CREDENTIALS = 1_000_000  # per issuer
REVOKED = 0.01
SERVICE_LIST_SIZE = 131_072  # wallet.issuance.statuslists.LIST_SIZE, retired at half
BITS = 2  # what the service's lists use: valid, revoked, suspended
REPETITIONS = 3
BASE = "https://wallet.example.gov"
SYNC_URL = "https://wallet.example.gov/v1/trust-bundle"  # never fetched: the bytes are handed over in memory
LAYOUTS = {"one 1M-entry list each": (CREDENTIALS, 1), "131,072-entry lists, half full (16 each)": (None, 16)}


def run() -> list[dict[str, Any]]:
    now = datetime.now(UTC).replace(microsecond=0)
    anchor = SigningKey.generate("trust-anchor")
    issuers = {slug: SigningKey.generate(f"issuer:{slug}") for slug in ISSUERS}
    return [_layout(name, anchor, issuers, now) for name in LAYOUTS]


def _layout(name: str, anchor: SigningKey, issuers: dict[str, SigningKey], now: datetime) -> dict[str, Any]:
    lists = {slug: _status_lists(slug, name) for slug in ISSUERS}

    def build() -> str:
        return _bundle(anchor, issuers, lists, now)

    token, build_s = _timed(build)
    with tempfile.TemporaryDirectory(prefix="credwallet-bench-trust-") as tmp:
        taken = _verifier(Path(tmp), anchor, token, int(now.timestamp()))
    plain = len(token)
    listed = sum(_compressed(s) for per_issuer in lists.values() for s in per_issuer)
    gzipped = len(gzip.compress(token.encode("ascii"), 9))
    return {
        "figure": f"trust bundle, 3 issuers x 1M credentials at 1% revoked, {name}",
        "ours": {"bytes": plain, "gzip_bytes": gzipped},
        "baseline": {
            "what": "the status lists alone, zlib-compressed (the draft's measure)",
            "bytes": listed,
        },
        "ratio": round(plain / listed, 3),
        "target": "report",
        "met": None,
        "build_s": build_s,
        **taken,
        "lists_per_issuer": len(lists[ISSUERS[0]]),
        "note": _note(build_s, taken, gzipped),
    }


def _note(build_s: dict[str, float], taken: dict[str, Any], gzipped: int) -> str:
    ms = {name: taken[name]["median"] * 1000 for name in ("sync_s", "load_s")}
    peaks = (taken["sync_peak_bytes"] / 1e6, taken["load_peak_bytes"] / 1e6)
    return (
        f"build {build_s['median'] * 1000:.0f} ms, sync {ms['sync_s']:.0f} ms, load {ms['load_s']:.0f} ms; "
        f"verifier peak {peaks[0]:.1f} MB (sync), {peaks[1]:.1f} MB (load); gzip {gzipped / 1e3:.0f} kB"
    )


def _status_lists(slug: str, layout: str) -> list[StatusList]:
    """The issuer's lists for a million credentials, 1% of them revoked at random indices."""
    size, count = LAYOUTS[layout]
    size = size or SERVICE_LIST_SIZE
    per_list, rng = CREDENTIALS // count, random.Random(f"{slug}:{layout}")
    lists = []
    for _ in range(count):
        statuses = StatusList(size, bits=BITS)
        for index in rng.sample(range(size), int(per_list * REVOKED)):
            statuses[index] = Status.INVALID
        lists.append(statuses)
    return lists


def _bundle(
    anchor: SigningKey, issuers: dict[str, SigningKey], lists: dict[str, list[StatusList]], now: datetime
) -> str:
    """What the service signs: every issuer's keys and vcts, each list as its own signed token."""
    trusted, tokens = [], {}
    for slug, key in issuers.items():
        iss = f"{BASE}/issuers/{slug}"
        trusted.append(
            TrustedIssuer(iss, slug.title(), {"keys": [key.public_jwk()]}, [f"{BASE}/vct/{slug}/v1"])
        )
        for number, statuses in enumerate(lists[slug], start=1):
            uri = f"{iss}/status/{number}"
            tokens[uri] = status_list_token(
                statuses,
                key=key,
                issuer=iss,
                uri=uri,
                now=now,
                ttl=timedelta(hours=1),
                lifetime=timedelta(days=1),
            )
    contents = TrustContents(trusted, tokens)
    return trust_bundle(contents, key=anchor, issuer=BASE, now=now, lifetime=timedelta(days=7))


def _verifier(home: Path, anchor: SigningKey, token: str, now: int) -> dict[str, Any]:
    """A staff device syncing the bundle into a fresh directory, then loading it to check presentations."""
    anchor_file = home / "anchor.json"
    anchor_file.write_text(json.dumps({"keys": [anchor.public_jwk()]}))
    body = token.encode("ascii")

    def sync(into: Path) -> None:
        sync_bundle(
            SYNC_URL,
            anchor_path=anchor_file,
            store_dir=into,
            now=now,
            fetch=lambda _url, _etag: Fetched(200, body, '"bench"'),
        )

    def load() -> TrustStore:
        stored = (home / "device-0" / BUNDLE_FILE).read_text(encoding="ascii")
        anchors = parse_anchors(json.loads(anchor_file.read_text()))
        return TrustStore(verify_trust_bundle(stored, anchors=anchors, now=now))

    devices = iter(range(REPETITIONS + 1))
    _, sync_s = _timed(lambda: sync(home / f"device-{next(devices)}"))
    store, load_s = _timed(load)
    if len(store.status_lists) != len(json.loads(_payload(token))["status_lists"]):
        raise RuntimeError(f"the verifier refused status lists: {store.rejected_status_lists}")
    return {
        "sync_s": sync_s,
        "load_s": load_s,
        "sync_peak_bytes": _peak(lambda: sync(home / "device-peak")),
        "load_peak_bytes": _peak(load),
    }


def _timed(operation: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """The last result, and the median, min and max seconds over REPETITIONS runs."""
    seconds, result = [], None
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        result = operation()
        seconds.append(time.perf_counter() - start)
    return result, {
        "median": round(statistics.median(seconds), 4),
        "min": round(min(seconds), 4),
        "max": round(max(seconds), 4),
    }


def _peak(operation: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        operation()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _compressed(statuses: StatusList) -> int:
    return len(statuses.encode()["lst"]) * 3 // 4


def _payload(token: str) -> bytes:
    return b64url_decode(token.split(".")[1])
