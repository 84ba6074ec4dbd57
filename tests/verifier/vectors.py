"""Loading the conformance vectors under tests/vectors/ (see tests/vectors/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
# The issuer and holder keys of the RFC 9901 examples (spec-examples-generated/settings_for_sdjwt_0.10.4.yml),
# used by every generated SD-JWT and SD-JWT VC vector here.
RFC_ISSUER_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
    "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
}
KB_NONCE = "1234567890"


def load(relative: str) -> Any:
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def generated_cases() -> list[Path]:
    """Every generated example folder with a presentation and its expected processed payload."""
    roots = ["sdjwt/spec-examples-generated", "sdjwt/lib-testcases", "sd-jwt-vc/examples-generated"]
    return sorted(
        case
        for root in roots
        for case in (VECTORS / root).iterdir()
        if case.is_dir() and (case / "verified_contents.json").exists()
    )


def compact_presentation(case: Path) -> str:
    """The case's presentation in compact form; JWS JSON serializations are turned into it (RFC 9901 8.1)."""
    text_file = case / "sd_jwt_presentation.txt"
    if text_file.exists():
        return text_file.read_text(encoding="utf-8").strip()
    document = json.loads(json.loads((case / "sd_jwt_presentation.json").read_text(encoding="utf-8")))
    signature = document["signatures"][0] if "signatures" in document else document
    unprotected = signature.get("header", document)
    jwt = f"{signature['protected']}.{document['payload']}.{signature['signature']}"
    return "~".join([jwt, *unprotected["disclosures"]]) + "~" + unprotected.get("kb_jwt", "")


def kb_audience(case: Path) -> str:
    """The verifier identifier the case's generator settings used as the KB-JWT audience."""
    settings = (
        (case.parent / "settings.yml").read_text(encoding="utf-8")
        if (case.parent / "settings.yml").exists()
        else ""
    )
    return (
        "https://example.com/verifier"
        if "example.com/verifier" in settings
        else "https://verifier.example.org"
    )
