"""QR versions of real presentations, plain (byte mode, the baseline) against compact CW1 (numeric mode).

Venue: proof of age showing age_over_18, error correction M, target version <= 18. Police: the full licence
without portrait, error correction L, target version <= 27. Credentials are minted with issuers.sdjwt.mint and
presented with wallet.holder.present, several times over, since the decoy count (and so the size) is random;
the worst version counts. Also reported: where the compact bytes go, and how long drawing the PNG takes.
"""

from __future__ import annotations

import statistics
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from issuers.catalog import DRIVER_LICENCE, PROOF_OF_AGE, CredentialType
from issuers.sdjwt import StatusReference, mint, prepare_claims
from keys import SigningKey
from verifier import qrcodec
from verifier.qrdraw import qr_png
from wallet.demo import LICENCE_CLAIMS as RECORD
from wallet.holder.oid4vci import DeviceKey
from wallet.holder.present import POLICE, Profile, SdJwtCredential, present, venue
from wallet.holder.qr import QrTooLarge, presentation_qr

BASE_URL = "https://wallet.example.gov"
TARGETS = {"venue": 18, "police": 27}
SAMPLES = 6
RENDERS = 5


def _presentations(ctype: CredentialType, profile: Profile, key: SigningKey) -> list[str]:
    claims = prepare_claims(ctype, RECORD, date(2026, 1, 1))
    texts = []
    for _ in range(SAMPLES):
        device = DeviceKey()
        minted = mint(
            ctype,
            claims,
            key=key,
            issuer=f"{BASE_URL}/issuers/transport",
            vct=ctype.vct(BASE_URL),
            holder_jwk=device.jwk,
            status=StatusReference(f"{BASE_URL}/issuers/transport/status/1", 123456),
            now=datetime.now(UTC),
            lifetime=timedelta(days=30),
        )
        texts.append(present(SdJwtCredential(minted.sd_jwt), device, profile).text)
    return texts


def _version(text: str, profile: Profile, *, plain: bool) -> int | None:
    try:
        return presentation_qr(text, level=profile.level, plain=plain).version
    except QrTooLarge:
        return None  # more than version 40 holds


def _sections(compact: str) -> dict[str, int]:
    """Where the bytes of a CW1 code go, read by docs/qr-format.md (independently of the decoder)."""
    digits = compact[len(qrcodec.PREFIX) :]
    data = bytearray()
    for start in range(0, len(digits), 17):
        chunk = digits[start : start + 17]
        data += int(chunk).to_bytes({3: 1, 5: 2, 8: 3, 10: 4, 13: 5, 15: 6, 17: 7}[len(chunk)], "big")
    head, position = 2, 2
    for _ in range(2 if data[0] & 1 else 1):
        head += 1 + data[position]
        position += 1 + data[position]
    inflate = zlib.decompressobj(-15, zdict=qrcodec.DICTIONARY)
    inflated = inflate.decompress(bytes(data[head:]))
    raw = len(inflate.unused_data)
    return {
        "total_bytes": len(data),
        "header_and_signatures": head,
        "deflated_json": len(data) - head - raw,
        "json_inflated": len(inflated),
        "raw_strings": raw,
    }


def _profile_report(name: str, profile: Profile, texts: list[str]) -> dict[str, Any]:
    compact = [qrcodec.encode_transport(t) for t in texts]
    assert all(qrcodec.decode_transport(c) == t for c, t in zip(compact, texts, strict=True))
    versions = [_version(t, profile, plain=False) for t in texts]
    plain = [_version(t, profile, plain=True) for t in texts]
    worst = max(v or 41 for v in versions)
    worst_index = max(range(len(texts)), key=lambda i: len(compact[i]))
    return {
        "level": profile.level,
        "plain": {"bytes": max(map(len, texts)), "versions": plain, "note": "None: does not fit version 40"},
        "compact": {"chars": max(map(len, compact)), "versions": versions, **_sections(compact[worst_index])},
        "target": f"<= {TARGETS[name]}",
        "met": worst <= TARGETS[name],
    }


def _render_ms(text: str, profile: Profile) -> float:
    times = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        qr_png(text, level=profile.level)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run() -> dict[str, Any]:
    key = SigningKey.generate("issuer:bench")
    profiles = {"venue": (PROOF_OF_AGE, venue()), "police": (DRIVER_LICENCE, POLICE)}
    samples = {name: _presentations(ctype, profile, key) for name, (ctype, profile) in profiles.items()}
    report = {name: _profile_report(name, profiles[name][1], samples[name]) for name in profiles}
    venue_plain, venue_compact = samples["venue"][0], qrcodec.encode_transport(samples["venue"][0])
    police_compact = qrcodec.encode_transport(samples["police"][0])
    render = {
        "venue_compact_ms": round(_render_ms(venue_compact, venue()), 1),
        "venue_plain_ms": round(_render_ms(venue_plain, venue()), 1),
        "police_compact_ms": round(_render_ms(police_compact, POLICE), 1),
    }
    ours, base = 1000 / render["venue_compact_ms"], 1000 / render["venue_plain_ms"]
    return {
        "figure": "venue QR PNGs drawn / s: compact CW1 against plain (QR versions under venue/police)",
        **report,
        "render": render,
        "ours": {"median_per_s": round(ours, 1)},
        "baseline": {"what": "the same, as plain text in byte mode", "median_per_s": round(base, 1)},
        "ratio": round(ours / base, 3),
        "target": "venue <= v18 at M, police <= v27 at L",
        "met": report["venue"]["met"] and report["police"]["met"],
    }
