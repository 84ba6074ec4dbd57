"""``credwallet trust sync``: download the signed trust bundle, check it, keep it for offline checks.

Beside the bundle go the anchor JWK Set that verified it (so ``credwallet verify`` needs no ``--anchor``) and
a state file with the server's ETag. A download replaces the stored bundle only once it verifies against the
pinned anchor, has not expired, builds a usable trust store and is newer than the stored one, both in its iat
and in each status list it shares with it (a replayed old bundle or list must not undo a revocation); the same
iat is taken only for the very same signed content. Writes are atomic: a refusal, fault or crash keeps the
last good one.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.encoding import dumps_compact, loads_strict
from verifier.errors import FormatError, TrustError, VerifierError
from verifier.jws import int_claim, parse_compact
from verifier.status import VerifiedStatusList
from verifier.store import TrustStore
from verifier.trust import load_json, parse_anchors, stored_bundle_contents, verify_trust_bundle

BUNDLE_FILE = "trust-bundle.jwt"  # what `credwallet verify` reads when given no --trust (verifier.cli)
ANCHOR_FILE = "anchor.json"
STATE_FILE = "sync-state.json"
MAX_BUNDLE_BYTES = 8 * 1024 * 1024
TIMEOUT_SECONDS = 20.0  # to connect, and for each receive
DOWNLOAD_SECONDS = 60.0  # for the whole body
FILE_MODE = 0o600
DIR_MODE = 0o700
_SCHEMES = ("http", "https")

Failure = Literal["url", "anchor", "network", "refused", "storage"]
Anchors = Mapping[str, ec.EllipticCurvePublicKey]


@dataclass(frozen=True, slots=True)
class StoredBundle:
    token: str
    iat: int
    exp: int


class SyncError(VerifierError):
    """A sync that stored nothing new. ``kind`` says what failed; ``kept`` is the bundle still in use."""

    kept: StoredBundle | None = None

    def __init__(self, message: str, *, kind: Failure) -> None:
        super().__init__(message)
        self.kind: Failure = kind


@dataclass(frozen=True, slots=True)
class SyncResult:
    outcome: Literal["updated", "unchanged"]
    bundle: StoredBundle  # what is stored now
    now: int
    rejected_status_lists: Mapping[str, str]  # uri -> why; such a list counts as missing when verifying

    @property
    def age(self) -> int:
        return max(0, self.now - self.bundle.iat)


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200, or 304 when the ETag sent still names the server's bundle
    body: bytes
    etag: str | None


Fetch = Callable[[str, str | None], Fetched]  # (url, ETag to send as If-None-Match or None) -> Fetched


def http_fetch(url: str, etag: str | None) -> Fetched:
    """GET ``url``, sending ``If-None-Match: etag``. Raises SyncError: ``network``, ``refused`` if too big."""
    headers = {"Accept": "application/jwt", "User-Agent": "credwallet-verifier"}
    if etag is not None:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the opener speaks only HTTP(S))
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as reply:
            if reply.status != 200:
                raise SyncError(f"{url} answered {reply.status}, not the bundle", kind="network")
            return Fetched(200, _read_limited(reply), reply.headers.get("ETag"))
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 304:
            return Fetched(304, b"", e.headers.get("ETag"))
        raise SyncError(f"{url} answered {e.code} {e.reason}", kind="network") from None
    # URLError, timeouts and resets are OSErrors; HTTPException: a broken reply; ValueError: a bad port.
    except (OSError, http.client.HTTPException, ValueError) as e:
        reason = e.reason if isinstance(e, urllib.error.URLError) else e
        raise SyncError(f"cannot download {url}: {reason}", kind="network") from e


def _opener() -> urllib.request.OpenerDirector:
    # HTTP(S) only: with no file:, ftp: or data: handler, neither the URL nor a redirect reads anything else.
    proxies = {scheme: proxy for scheme, proxy in urllib.request.getproxies().items() if scheme in _SCHEMES}
    opener = urllib.request.OpenerDirector()
    opener.add_handler(urllib.request.ProxyHandler(proxies))
    opener.add_handler(urllib.request.HTTPHandler())
    opener.add_handler(urllib.request.HTTPSHandler())  # verifies certificates and host names
    opener.add_handler(urllib.request.HTTPRedirectHandler())
    opener.add_handler(urllib.request.HTTPDefaultErrorHandler())  # a 4xx/5xx (and 304) becomes an HTTPError
    opener.add_handler(urllib.request.HTTPErrorProcessor())
    return opener


def _read_limited(reply: Any) -> bytes:
    # Piece by piece (read1: one receive each), so that no body, huge or trickling, outlasts the limits.
    body, deadline = bytearray(), time.monotonic() + DOWNLOAD_SECONDS
    while piece := reply.read1(65536):
        body += piece
        if len(body) > MAX_BUNDLE_BYTES:
            raise SyncError(f"the download is larger than {MAX_BUNDLE_BYTES} bytes", kind="refused")
        if time.monotonic() > deadline:
            raise SyncError(f"the download took longer than {DOWNLOAD_SECONDS:.0f} s", kind="network")
    return bytes(body)


def sync_bundle(
    url: str, *, anchor_path: str | Path, store_dir: str | Path, now: int, fetch: Fetch = http_fetch
) -> SyncResult:
    """Bring the bundle in ``store_dir`` up to date from ``url``, checked against the anchor at ``now``.

    Raises SyncError (a bad URL or anchor, a network fault, a refused bundle, a failed write); the stored
    bundle is then unchanged (unless a rename failed midway, which the message says), and the error's
    ``kept`` is the bundle in ``store_dir``, read back after the failure.
    """
    directory = Path(store_dir)
    stored = _read_stored(directory)
    try:
        _check_url(url)
        raw_anchor, anchors = _read_anchor(Path(anchor_path))
        etag = _etag_to_send(directory, url, stored, anchors, now)
        fetched = fetch(url, etag)
        if fetched.status == 304 and stored is not None and etag is not None:
            bundle, store = stored, _trust_store(stored.token, anchors, now)  # still what the server has
        else:
            bundle, store = _accept(fetched, anchors, now, stored)
        _write(directory, bundle, raw_anchor, etag=fetched.etag or etag, url=url)
    except SyncError as e:
        e.kept = _on_disk(directory, stored)
        raise
    same = stored is not None and stored.token == bundle.token  # a 304, or a server that sends no ETag
    return SyncResult("unchanged" if same else "updated", bundle, now, store.rejected_status_lists)


def _on_disk(directory: Path, stored: StoredBundle | None) -> StoredBundle | None:
    # What a failed sync leaves in use: read again, not assumed, in case a write got part of the way.
    try:
        return _read_stored(directory)
    except SyncError:
        return stored


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as e:
        raise SyncError(f"{url!r} is not a URL: {e}", kind="url") from e
    if parts.scheme.lower() not in _SCHEMES or not host:
        raise SyncError(f"{url!r} is not an http:// or https:// URL", kind="url")


def _read_anchor(path: Path) -> tuple[bytes, Anchors]:
    try:
        raw = path.read_bytes()
        anchors = parse_anchors(load_json(raw, what=f"anchor {path}"))
    except OSError as e:
        raise SyncError(f"cannot read the anchor {path}: {e.strerror or e}", kind="anchor") from e
    except TrustError as e:
        raise SyncError(f"bad anchor {path}: {e}", kind="anchor") from e
    if not anchors:
        raise SyncError(f"bad anchor {path}: the JWK Set has no keys", kind="anchor")
    return raw, anchors


def _read_stored(directory: Path) -> StoredBundle | None:
    # Not verified again: only verified bundles are ever written, and even an expired one still sets the iat
    # below which nothing is taken. A damaged file counts as none, so that any good bundle may replace it.
    try:
        token = (directory / BUNDLE_FILE).read_bytes().decode("ascii").strip()
        payload = parse_compact(token).payload
        iat, exp = int_claim(payload, "iat"), int_claim(payload, "exp")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SyncError(f"cannot read the stored bundle: {e.strerror or e}", kind="storage") from e
    except (UnicodeDecodeError, FormatError):
        return None
    return None if iat is None or exp is None else StoredBundle(token, iat, exp)


def _etag_to_send(
    directory: Path, url: str, stored: StoredBundle | None, anchors: Anchors, now: int
) -> str | None:
    """The ETag of the stored bundle, when a 304 for it would leave the device with a bundle worth keeping.

    The server's ETag covers the bundle's contents, not its ``iat``/``exp``, so it keeps answering 304 while
    the stored copy ages. Past half its lifetime (or under another anchor) a full download renews it.
    """
    if stored is None or now >= stored.iat + (stored.exp - stored.iat) // 2:
        return None
    try:
        verify_trust_bundle(stored.token, anchors=anchors, now=now)
        state = loads_strict((directory / STATE_FILE).read_bytes())
    except (TrustError, OSError, FormatError):
        return None  # the state is only an optimisation: without it, the whole bundle is downloaded
    if (
        not isinstance(state, dict)
        or state.get("url") != url
        or state.get("bundle_sha256") != _digest(stored)
    ):
        return None
    etag = state.get("etag")
    return etag if isinstance(etag, str) and etag.isascii() and etag.isprintable() else None


def _trust_store(token: str, anchors: Anchors, now: int) -> TrustStore:
    # The store, not just the signature: a signed bundle that `credwallet verify` could not load (a kid under
    # two issuers, say) must not replace a good one either.
    try:
        return TrustStore(verify_trust_bundle(token, anchors=anchors, now=now))
    except TrustError as e:
        raise SyncError(str(e), kind="refused") from e


def _accept(
    fetched: Fetched, anchors: Anchors, now: int, stored: StoredBundle | None
) -> tuple[StoredBundle, TrustStore]:
    """The downloaded bundle and its trust store. Raises SyncError (``refused``)."""
    if fetched.status != 200:  # a 304 when no ETag was sent: there is nothing it could refer to
        raise SyncError(f"the server answered {fetched.status} instead of a bundle", kind="refused")
    try:
        token = fetched.body.decode("ascii").strip()
    except UnicodeDecodeError as e:
        raise SyncError("the download is not a trust bundle (not ASCII text)", kind="refused") from e
    store = _trust_store(token, anchors, now)
    payload = parse_compact(token).payload  # verified just above, so iat and exp are integers
    candidate = StoredBundle(token, payload["iat"], payload["exp"])
    if stored is not None:
        _refuse_rollback(candidate, store, stored)
    return candidate, store


def _refuse_rollback(candidate: StoredBundle, store: TrustStore, stored: StoredBundle) -> None:
    """Raises SyncError (``refused``) unless ``candidate`` is newer than ``stored`` (or the same signed
    content) and none of its status lists is older than the stored bundle's list for the same URI.

    An older bundle, another bundle of the same second, or a newer one that carries an older status list
    could each bring back a revoked credential.
    """
    if candidate.iat < stored.iat:
        raise SyncError(
            f"the downloaded bundle was issued (iat {candidate.iat}) before the stored one"
            f" (iat {stored.iat}), and an older bundle could bring back a revoked credential",
            kind="refused",
        )
    if candidate.iat == stored.iat and _signed_part(candidate) != _signed_part(stored):
        raise SyncError(
            f"the downloaded bundle is not newer than the stored one: both were issued at iat {stored.iat},"
            " but their contents differ",
            kind="refused",
        )
    for uri, kept in _stored_status_lists(stored).items():
        offered = store.status_lists.get(uri)
        if offered is not None and offered.iat < kept.iat:
            raise SyncError(
                f"the downloaded bundle carries an older status list for {uri} (iat {offered.iat}) than the"
                f" stored one (iat {kept.iat}), and an older list could bring back a revoked credential",
                kind="refused",
            )


def _signed_part(bundle: StoredBundle) -> str:
    # Header and payload: the service signs afresh for each download, and ECDSA signatures differ each time.
    return bundle.token.rsplit(".", 1)[0]


def _stored_status_lists(stored: StoredBundle) -> Mapping[str, VerifiedStatusList]:
    # Verified against the stored bundle's own issuers, so that only lists it could really use set the bar.
    try:
        return TrustStore(stored_bundle_contents(stored.token)).status_lists
    except TrustError:
        return {}  # a damaged stored bundle sets no bar, as _read_stored treats it


def _digest(bundle: StoredBundle) -> str:
    return hashlib.sha256(bundle.token.encode("ascii")).hexdigest()


def _write(directory: Path, bundle: StoredBundle, anchor: bytes, *, etag: str | None, url: str) -> None:
    # Every file is written and synced under a temporary name before any is renamed into place, so the faults
    # a write meets (a full disk, an I/O error) come before anything stored has changed: the bundle and the
    # anchor that verifies it change together or not at all. Only the renames, which need no space, remain
    # after that; the bundle goes first and the state last, so the state never names a bundle not there.
    state = dumps_compact({"url": url, "etag": etag, "bundle_sha256": _digest(bundle)}) + b"\n"
    contents = {BUNDLE_FILE: bundle.token.encode("ascii") + b"\n", ANCHOR_FILE: anchor, STATE_FILE: state}
    prepared: list[tuple[Path, Path]] = []
    renamed: list[str] = []
    try:
        _private_dir(directory)
        for name, data in contents.items():
            prepared.append((_write_temporary(directory / name, data), directory / name))
        for temporary, path in prepared:
            os.replace(temporary, path)
            renamed.append(path.name)
        _sync_directory(directory)  # the renames themselves must survive a power cut
    except OSError as e:
        raise SyncError(_write_failure(directory, e, renamed, of=len(contents)), kind="storage") from e
    finally:
        for temporary, _ in prepared:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def _write_failure(directory: Path, error: OSError, renamed: list[str], *, of: int) -> str:
    message = f"cannot store the bundle in {directory}: {error.strerror or error}"
    if 0 < len(renamed) < of:  # some of the files, not all: what is stored is mixed until the next sync
        message += f" (only {', '.join(renamed)} replaced: sync again)"
    return message


def _private_dir(directory: Path) -> None:
    if not directory.is_dir():  # an existing one is the operator's choice: its mode is not ours to change
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(DIR_MODE)
        os.chmod(directory, DIR_MODE)  # mkdir's mode passes through the umask


def _write_temporary(path: Path, data: bytes) -> Path:
    """A new file beside ``path`` holding ``data``, written and synced, to be renamed over ``path``."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    written = False
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)  # exactly 0600 whatever the umask
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        written = True
    finally:
        if not written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return temporary


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
