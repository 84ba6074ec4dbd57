"""Building a presentation on the phone: pick Disclosures by a profile, then bind them with a fresh KB-JWT.

A stored credential is ``<issuer JWT>~<D1>~...~<DN>~``. A presentation keeps the issuer JWT, the chosen
Disclosures (in the order the issuer gave them) and appends a Key Binding JWT (RFC 9901 section 4.3) signed by
the device key the credential is bound to. A chosen nested Disclosure brings every Disclosure above it: the
verifier can only reach ``address.locality`` through the digest inside the ``address`` Disclosure.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.disclosures import Disclosure, decode_disclosure, digest_of
from verifier.errors import FormatError
from verifier.jws import parse_compact
from verifier.keybinding import KB_TYP
from verifier.qrdraw import ErrorLevel
from verifier.sdjwt import ELLIPSIS, SD, process_payload, split_presentation
from wallet.holder.oid4vci import DeviceKey

OFFLINE_AUDIENCE = "offline"
# The nonce only has to make each KB-JWT unique (offline, no verifier hands one out); 96 bits is plenty, and
# every byte of it is a byte of the QR code.
NONCE_BYTES = 12
PROOF_OF_AGE = "proof_of_age"
DRIVER_LICENCE = "driver_licence"


class PresentationError(ValueError):
    """The credential cannot be presented as asked (no such claim, wrong device key, not an SD-JWT)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What to show and to whom: which credential type, which claim paths, the audience and the QR level.

    ``claims`` None means every Disclosure; ``exclude`` paths are never disclosed, whatever ``claims`` says.
    A path is dotted (``address.locality``); a path names everything under it.
    """

    name: str
    credential_type: str
    claims: tuple[str, ...] | None
    exclude: tuple[str, ...] = ()
    audience: str = OFFLINE_AUDIENCE
    # Venue QRs are scanned off a phone in a dark bar: M. Police QRs are far larger; L keeps them scannable.
    level: ErrorLevel = "M"


def venue(age: int = 18) -> Profile:
    """Proof of age only: the one ``age_over_NN`` claim of the proof-of-age companion credential."""
    return Profile("venue", PROOF_OF_AGE, (f"age_over_{age}",), level="M")


POLICE = Profile("police", DRIVER_LICENCE, None, exclude=("portrait",), level="L")


def profile_named(name: str, *, claims: Sequence[str] | None = None, age: int = 18) -> Profile:
    """The ``venue`` or ``police`` profile, its claim list replaced by ``claims`` when given."""
    base = {"venue": venue(age), "police": POLICE}.get(name)
    if base is None:
        raise PresentationError(f"no profile {name!r}: venue or police")
    if claims is None:
        return base
    return Profile(base.name, base.credential_type, tuple(claims), base.exclude, base.audience, base.level)


@dataclass(frozen=True, slots=True)
class Presentation:
    text: str  # the SD-JWT+KB, as the verifier reads it
    disclosed: tuple[str, ...]  # the dotted path of each Disclosure included, in order
    kb_payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Node:
    path: tuple[str, ...]
    disclosure: Disclosure
    parent: str | None  # digest of the Disclosure this one is reached through, None from the payload


class SdJwtCredential:
    """A received SD-JWT VC, parsed once: its issuer JWT, payload and Disclosures by where they sit."""

    def __init__(self, text: str) -> None:
        """Raises PresentationError when ``text`` is not ``<JWT>~<D1>~...~`` with no KB-JWT."""
        try:
            parts = split_presentation(text)
            self.payload: dict[str, Any] = parse_compact(parts.issuer_jwt).payload
            disclosures = [decode_disclosure(d) for d in parts.disclosures]
            self.claims = process_payload(self.payload, parts.disclosures)
        except FormatError as e:
            raise PresentationError(f"not an SD-JWT VC: {e}") from e
        if parts.kb_jwt is not None:
            raise PresentationError("a stored credential carries no KB-JWT")
        self.text = text
        self.issuer_jwt = parts.issuer_jwt
        self.disclosures = tuple(disclosures)
        self.nodes = _index(self.payload, self.disclosures)

    @property
    def vct(self) -> str:
        return str(self.payload.get("vct", ""))

    @property
    def holder_jwk(self) -> Mapping[str, Any]:
        cnf = self.payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        if not isinstance(jwk, dict):
            raise PresentationError("the credential is not bound to a key (no cnf.jwk)")
        return jwk

    def select(self, claims: Iterable[str] | None, exclude: Iterable[str] = ()) -> list[Disclosure]:
        """The Disclosures to present for these claim paths, with their parents, in the issuer's order."""
        wanted = None if claims is None else [_split_path(c) for c in claims]
        unwanted = [_split_path(c) for c in exclude]
        for path in wanted or ():
            if not _has_path(self.claims, path):
                raise PresentationError(f"the credential has no claim {'.'.join(path)!r}")
        chosen: set[str] = set()
        for digest, node in self.nodes.items():
            if _covered(node.path, wanted) and not _covered(node.path, unwanted):
                chosen |= self._with_parents(digest)
        return [d for d in self.disclosures if d.digest in chosen]

    def _with_parents(self, digest: str) -> set[str]:
        found: set[str] = set()
        current: str | None = digest
        while current is not None and current not in found:
            found.add(current)
            current = self.nodes[current].parent
        return found

    def path_of(self, disclosure: Disclosure) -> str:
        return ".".join(self.nodes[disclosure.digest].path)


def present(
    credential: SdJwtCredential,
    device: DeviceKey,
    profile: Profile,
    *,
    now: int | None = None,
    nonce: str | None = None,
) -> Presentation:
    """The SD-JWT+KB that shows ``profile``'s claims of ``credential``, bound by ``device`` at ``now``.

    Raises PresentationError when a claim is missing or ``device`` is not the key in the credential's cnf.
    """
    if not _same_key(device.jwk, credential.holder_jwk):
        raise PresentationError("this device key is not the one the credential is bound to")
    chosen = credential.select(profile.claims, profile.exclude)
    sd_jwt = credential.issuer_jwt + "~" + "".join(d.encoded + "~" for d in chosen)
    kb_payload = {
        "iat": int(time.time()) if now is None else now,
        "aud": profile.audience,
        "nonce": secrets.token_urlsafe(NONCE_BYTES) if nonce is None else nonce,
        "sd_hash": digest_of(sd_jwt),  # base64url SHA-256 of the ASCII text up to and including the last ~
    }
    kb_jwt = device.sign_bound(kb_payload, typ=KB_TYP)
    return Presentation(sd_jwt + kb_jwt, tuple(credential.path_of(d) for d in chosen), kb_payload)


def _same_key(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(a.get(member) == b.get(member) for member in ("kty", "crv", "x", "y"))


def _index(payload: dict[str, Any], disclosures: Sequence[Disclosure]) -> dict[str, _Node]:
    """Where each Disclosure sits: its claim path and the Disclosure (if any) that references it."""
    by_digest = {d.digest: d for d in disclosures}
    nodes: dict[str, _Node] = {}

    def visit(value: Any, path: tuple[str, ...], parent: str | None) -> None:
        if isinstance(value, dict):
            for digest in value.get(SD, []):
                reached(by_digest.get(digest), path, parent)
            for name, member in value.items():
                if name != SD:
                    visit(member, (*path, name), parent)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, dict) and set(element) == {ELLIPSIS}:
                    reached(by_digest.get(element[ELLIPSIS]), path, parent)  # an element: its array's path
                else:
                    visit(element, path, parent)

    def reached(disclosure: Disclosure | None, path: tuple[str, ...], parent: str | None) -> None:
        if disclosure is None or disclosure.digest in nodes:
            return  # a decoy, or (in a credential the verifier would refuse anyway) a repeated digest
        own = path if disclosure.name is None else (*path, disclosure.name)
        nodes[disclosure.digest] = _Node(own, disclosure, parent)
        visit(disclosure.value, own, disclosure.digest)

    visit(payload, (), None)
    return nodes


def _split_path(claim: str) -> tuple[str, ...]:
    path = tuple(claim.strip().split("."))
    if not all(path):
        raise PresentationError(f"bad claim path {claim!r}")
    return path


def _covered(path: tuple[str, ...], prefixes: list[tuple[str, ...]] | None) -> bool:
    """Whether ``path`` is one of ``prefixes`` or lies under one; None covers everything."""
    if prefixes is None:
        return True
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


def _has_path(claims: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = claims
    for name in path:
        if not isinstance(node, Mapping) or name not in node:
            return False
        node = node[name]
    return True
