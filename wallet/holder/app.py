"""The app's side of the citizen's app API: a thin client that keeps the log-in session and speaks every call.

``AppClient`` holds the session tokens (access and refresh). When a call is answered 401 because the short
access token has lapsed, it trades the refresh token for new tokens (``POST /v1/sessions/refresh``) and
sends the call once more; a second 401, or a refresh the service refuses, is the caller's to handle (log in
again). Every problem response becomes an ``AppApiError`` carrying the problem's stable ``code``.

``renew`` keeps the phone's credentials current with the app session instead of an offer code: it collects
copies the service re-issued on its own, and runs OpenID4VCI again for every credential that is due for
refresh, or that the account's linked records give but the phone does not hold yet.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from keys import jwk_thumbprint
from wallet.holder.oid4vci import DeviceKey, HolderClient, IssuanceFailed, Received
from wallet.holder.store import CredentialStore
from wallet.holder.transport import Reply, Transport

Json = dict[str, Any]

# Credential endpoint refusals that mean "not for this account" (no linked record authorises it, or the
# issuer does not issue it): renewal notes them and goes on. Any other failure is raised.
NOT_FOR_YOU = frozenset({"credential_request_denied", "unknown_credential_configuration"})
# What the wallet says of a copy that needs nothing: the agency suspended it, or it is current.
KEPT_STATUSES = frozenset({"valid", "suspended"})


class AppApiError(Exception):
    """The app API answered with a problem (RFC 9457): its HTTP status, stable ``code`` and ``detail``.

    ``problem`` is the whole problem document (``errors`` of a validation failure, ``retry_after``, ...).
    """

    def __init__(self, status: int, code: str, detail: str = "", problem: Mapping[str, Any] | None = None):
        super().__init__(f"{status} {code}: {detail}" if detail else f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problem: Mapping[str, Any] = problem or {}

    @classmethod
    def of(cls, reply: Reply) -> AppApiError:
        body: Mapping[str, Any] = reply.body if isinstance(reply.body, dict) else {}
        code = body.get("code") or body.get("error") or f"http_{reply.status}"
        detail = body.get("detail") or body.get("error_description") or body.get("title") or ""
        return cls(reply.status, str(code), str(detail), body)


@dataclass(frozen=True, slots=True)
class Declarations:
    """What the applicant declares on a card application form."""

    nsw_resident: bool
    paid_work_hours_per_week: int
    statutory_declaration_accepted: bool


@dataclass(frozen=True, slots=True)
class Refused:
    """A credential the issuer would not give to this account (``error`` is its OpenID4VCI code)."""

    issuer_id: str
    configuration_id: str
    error: str


@dataclass(slots=True)
class Renewal:
    """What ``renew`` did: new credentials received, re-issued copies collected, requests refused."""

    received: list[Received] = field(default_factory=list)
    collected: list[Received] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    def types(self) -> list[str]:
        """The configuration ids of every credential the phone got, one per credential, sorted."""
        return sorted(r.configuration_id for r in [*self.received, *self.collected] for _ in r.credentials)


@dataclass(frozen=True, slots=True)
class _Issuer:
    """An issuer the account has credentials or linked records at, and what it may ask it for."""

    id: str
    metadata: dict[str, Any]
    configurations: tuple[str, ...]  # in the order its metadata lists them: a licence before its companion


@dataclass(frozen=True, slots=True)
class _Wanted:
    """One credential configuration of one issuer, to request for these devices."""

    issuer: _Issuer
    configuration_id: str
    devices: tuple[DeviceKey, ...]


class AppClient:
    def __init__(
        self, transport: Transport, *, base_url: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.http = transport
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.access_token: str | None = None
        self.refresh_token: str | None = None
        self.session_id: str | None = None

    @property
    def audience(self) -> str:
        """The app API's audience: what a device's registration proof is addressed to."""
        return f"{self.base_url}/v1"

    def issuer_url(self, issuer_id: str) -> str:
        """The OpenID4VCI Credential Issuer of an agency (a wallet entry's ``issuer_id``)."""
        return f"{self.base_url}/issuers/{issuer_id}"

    # --- Account and session ---------------------------------------------------------------------------

    def register(self, email: str, password: str, display_name: str | None = None) -> Json:
        body: Json = {"email": email, "password": password}
        if display_name is not None:
            body["display_name"] = display_name
        return _object(self._call("POST", "/v1/accounts", body, auth=False))

    def log_in(self, email: str, password: str) -> Json:
        """Start a session; its tokens are kept for the calls that follow."""
        reply = self._call("POST", "/v1/sessions", {"email": email, "password": password}, auth=False)
        return self._keep(_object(reply))

    def refresh(self) -> Json:
        """Trade the refresh token for new tokens (each refresh token works once)."""
        if self.refresh_token is None:
            raise AppApiError(401, "not_logged_in", "log in first")
        reply = self._send("POST", "/v1/sessions/refresh", {"refresh_token": self.refresh_token}, auth=False)
        if reply.status != 200:
            raise AppApiError.of(reply)
        return self._keep(_object(reply))

    def log_out(self) -> None:
        """End the session at the service, then forget its tokens."""
        self._call("DELETE", "/v1/sessions/current")
        self._forget()

    def me(self) -> Json:
        return _object(self._call("GET", "/v1/accounts/me"))

    # --- Devices ---------------------------------------------------------------------------------------

    def device_challenge(self) -> str:
        return str(_object(self._call("POST", "/v1/devices/challenges"))["challenge"])

    def register_device(self, device: DeviceKey, name: str, push_token: str | None = None) -> Json:
        """Register ``device``'s key, proving possession by signing a fresh challenge with it."""
        proof = device.registration_proof(
            challenge=self.device_challenge(), audience=self.audience, now=int(self.clock())
        )
        body: Json = {"name": name, "public_jwk": device.jwk, "proof": proof}
        if push_token is not None:
            body["push_token"] = push_token
        return _object(self._call("POST", "/v1/devices", body))

    def devices(self) -> list[Json]:
        return _objects(self._call("GET", "/v1/devices"))

    def rename_device(self, device_id: str, name: str) -> Json:
        return _object(self._call("PATCH", f"/v1/devices/{_segment(device_id)}", {"name": name}))

    def remove_device(self, device_id: str) -> int:
        """Remove a device (lost or stolen); returns how many credentials bound to it were revoked."""
        reply = self._call("DELETE", f"/v1/devices/{_segment(device_id)}")
        return int(_object(reply)["credentials_revoked"])

    # --- Linking agency records ------------------------------------------------------------------------

    def link_by_card(self, licence_number: str, card_number: str) -> Json:
        body = {"licence_number": licence_number, "card_number": card_number}
        return _object(self._call("POST", "/v1/links", body))

    def link_by_code(self, agency: str, code: str) -> Json:
        return _object(self._call("POST", "/v1/links", {"agency": agency, "code": code}))

    def links(self) -> list[Json]:
        return _objects(self._call("GET", "/v1/links"))

    # --- The wallet ------------------------------------------------------------------------------------

    def credentials(self) -> list[Json]:
        return _objects(self._call("GET", "/v1/credentials"))

    def credential(self, credential_id: str) -> Json:
        return _object(self._call("GET", f"/v1/credentials/{_segment(credential_id)}"))

    def collect_pending_copy(self, credential_id: str) -> str:
        """The copy the service re-issued on its own; the service keeps it no longer once delivered."""
        reply = self._call("POST", f"/v1/credentials/{_segment(credential_id)}/pending-copy")
        return str(_object(reply)["credential"])

    # --- Notifications ---------------------------------------------------------------------------------

    def notifications(
        self, *, cursor: str | None = None, unread: bool = False, limit: int | None = None
    ) -> Json:
        """One page, newest first: ``notifications`` and ``next_cursor`` (None on the last page)."""
        query: dict[str, str] = {}
        if cursor is not None:
            query["cursor"] = cursor
        if unread:
            query["unread"] = "true"
        if limit is not None:
            query["limit"] = str(limit)
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return _object(self._call("GET", f"/v1/notifications{suffix}"))

    def mark_read(self, notification_id: str) -> None:
        self._call("POST", f"/v1/notifications/{_segment(notification_id)}/read")

    def mark_all_read(self, cursor: str | None = None) -> int:
        """Mark every notification read, or only the one at ``cursor`` and older ones. Returns how many."""
        body: Json = {} if cursor is None else {"cursor": cursor}
        return int(_object(self._call("POST", "/v1/notifications/read", body))["marked"])

    # --- Applications ----------------------------------------------------------------------------------

    def apply_for_seniors_card(self, declarations: Declarations) -> Json:
        body = {"type": "seniors_card", "declarations": asdict(declarations)}
        return _object(self._call("POST", "/v1/applications", body))

    def application(self, application_id: str) -> Json:
        return _object(self._call("GET", f"/v1/applications/{_segment(application_id)}"))

    def applications(self) -> list[Json]:
        return _objects(self._call("GET", "/v1/applications"))

    def collect_card(
        self,
        holder: HolderClient,
        application: Mapping[str, Any],
        devices: Sequence[DeviceKey],
        *,
        store: CredentialStore | None = None,
    ) -> Received:
        """Collect an approved application's card with the app session, at the issuer its ``collect`` names.

        Raises AppApiError when the application gives no card to collect (yet), IssuanceFailed when the
        issuer refuses.
        """
        where = application.get("collect")
        if not isinstance(where, dict):
            raise AppApiError(409, "nothing_to_collect", f"the application is {application.get('status')}")
        metadata = holder.metadata(str(where["credential_issuer"]))
        received = self._issue(holder, metadata, str(where["credential_configuration_id"]), devices)
        _keep_in(store, [received])
        return received

    # --- Keeping the phone's credentials current ------------------------------------------------------

    def renew(
        self, holder: HolderClient, devices: Sequence[DeviceKey], *, store: CredentialStore | None = None
    ) -> Renewal:
        """Bring ``devices`` up to date with the app session, and keep what arrives in ``store`` if given.

        Collects re-issued copies waiting for these devices, then requests (one request per configuration,
        every device that needs it in the same batch) each credential that is due for refresh on a device,
        or that the account's wallet or linked records give and a device does not hold yet. The wallet
        knows what a device holds only once it is registered: an unregistered one is asked everything.
        Each credential is kept in ``store`` as it arrives (the service no longer holds a collected copy),
        so a later failure loses none of them.
        Raises AppApiError, IssuanceFailed (anything but a refusal, which is noted in ``Renewal.refused``).
        """
        entries = self.credentials()
        ours = self._registered(devices)
        renewal = Renewal()
        self._collect_pending(entries, ours, renewal, store)
        wanted = _wanted(self._issuers(holder, entries), entries, devices, ours)
        self._request_all(holder, wanted, renewal, store)
        return renewal

    def _registered(self, devices: Sequence[DeviceKey]) -> dict[str, DeviceKey]:
        """The account's device ids of ``devices`` (those registered), by id."""
        by_thumbprint = {jwk_thumbprint(device.jwk): device for device in devices}
        return {
            str(d["id"]): by_thumbprint[str(d["key_thumbprint"])]
            for d in self.devices()
            if d.get("key_thumbprint") in by_thumbprint
        }

    def _collect_pending(
        self,
        entries: list[Json],
        ours: Mapping[str, DeviceKey],
        renewal: Renewal,
        store: CredentialStore | None,
    ) -> None:
        for entry in entries:
            if entry.get("pending_copy") and _device_id(entry) in ours:
                copy = Received(str(entry["type"]), [self.collect_pending_copy(str(entry["id"]))])
                _keep_in(store, [copy])
                renewal.collected.append(copy)

    def _issuers(self, holder: HolderClient, entries: list[Json]) -> list[_Issuer]:
        """The issuers of the wallet's credentials and of the account's linked records. The account may ask
        an issuer of a linked record for anything it issues (it refuses what the record does not give), and
        any other issuer for the types the wallet already shows."""
        shown: dict[str, set[str]] = {}
        for entry in entries:
            shown.setdefault(str(entry["issuer_id"]), set()).add(str(entry["type"]))
        linked = {str(link["agency"]) for link in self.links()}
        issuers: list[_Issuer] = []
        for issuer_id in sorted(shown.keys() | linked):
            metadata = holder.metadata(self.issuer_url(issuer_id))
            supported = metadata.get("credential_configurations_supported") or {}
            asked = tuple(c for c in supported if issuer_id in linked or c in shown.get(issuer_id, ()))
            issuers.append(_Issuer(issuer_id, metadata, asked))
        return issuers

    def _request_all(
        self, holder: HolderClient, wanted: list[_Wanted], renewal: Renewal, store: CredentialStore | None
    ) -> None:
        """Request each; what was refused is asked once more after the rest, when the rest got something:
        a companion is only issued to a key that already holds its licence."""
        refused = self._request_each(holder, wanted, renewal, store)
        if refused and len(refused) < len(wanted):
            refused = self._request_each(holder, [w for w, _ in refused], renewal, store)
        renewal.refused.extend(Refused(w.issuer.id, w.configuration_id, error) for w, error in refused)

    def _request_each(
        self,
        holder: HolderClient,
        wanted: Iterable[_Wanted],
        renewal: Renewal,
        store: CredentialStore | None,
    ) -> list[tuple[_Wanted, str]]:
        refused: list[tuple[_Wanted, str]] = []
        for want in wanted:
            try:
                received = self._issue(holder, want.issuer.metadata, want.configuration_id, want.devices)
            except IssuanceFailed as e:
                if e.error not in NOT_FOR_YOU:
                    raise
                refused.append((want, e.error))
            else:
                _keep_in(store, [received])
                renewal.received.append(received)
        return refused

    def _issue(
        self,
        holder: HolderClient,
        metadata: dict[str, Any],
        configuration_id: str,
        devices: Sequence[DeviceKey],
    ) -> Received:
        """The credential endpoint with the app access token, refreshed once if it has lapsed."""
        try:
            return holder.request_credentials(metadata, self._token(), configuration_id, devices)
        except IssuanceFailed as e:
            if e.error != "invalid_token" or self.refresh_token is None:
                raise
            self._refresh_after(e)
        return holder.request_credentials(metadata, self._token(), configuration_id, devices)

    # --- HTTP ------------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Json | None = None, *, auth: bool = True) -> Reply:
        """Send a call; on a 401 with a session in hand, refresh once and send it again.

        Raises AppApiError for any problem response, or when the session cannot be refreshed.
        """
        reply = self._send(method, path, body, auth=auth)
        if reply.status == 401 and auth and self.refresh_token is not None:
            self._refresh_after(AppApiError.of(reply))
            reply = self._send(method, path, body, auth=auth)
        if not 200 <= reply.status < 300:
            raise AppApiError.of(reply)
        return reply

    def _refresh_after(self, refusal: Exception) -> None:
        """New tokens after a call was refused as unauthenticated. When the service will not refresh the
        session (it has ended: logged out, expired, revoked), forget it and raise ``refusal``."""
        try:
            self.refresh()
        except AppApiError as e:
            if e.status != 401:
                raise
            self._forget()
            raise refusal from e

    def _send(self, method: str, path: str, body: Json | None, *, auth: bool) -> Reply:
        headers = {"Authorization": f"Bearer {self.access_token}"} if auth and self.access_token else {}
        return self.http.request(method, f"{self.base_url}{path}", json_body=body, headers=headers)

    def _token(self) -> str:
        if self.access_token is None:
            raise AppApiError(401, "not_logged_in", "log in first")
        return self.access_token

    def _keep(self, tokens: Json) -> Json:
        self.access_token = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])
        self.session_id = str(tokens["session_id"])
        return tokens

    def _forget(self) -> None:
        self.access_token = self.refresh_token = self.session_id = None


def _wanted(
    issuers: list[_Issuer], entries: list[Json], devices: Sequence[DeviceKey], ours: Mapping[str, DeviceKey]
) -> list[_Wanted]:
    """Each configuration an issuer may give, with the devices that lack a copy of it."""
    device_ids = {device: device_id for device_id, device in ours.items()}
    wanted: list[_Wanted] = []
    for issuer in issuers:
        for configuration_id in issuer.configurations:
            held = _holders(entries, issuer.id, configuration_id)
            lacking = tuple(d for d in devices if device_ids.get(d) not in held)
            if lacking:
                wanted.append(_Wanted(issuer, configuration_id, lacking))
    return wanted


def _holders(entries: list[Json], issuer_id: str, configuration_id: str) -> set[str]:
    """The ids of the registered devices holding a current copy of this configuration."""
    return {
        device_id
        for entry in entries
        if (entry["issuer_id"], entry["type"]) == (issuer_id, configuration_id) and _current(entry)
        if (device_id := _device_id(entry)) is not None
    }


def _current(entry: Mapping[str, Any]) -> bool:
    """A copy that needs nothing: valid (or suspended by the agency) and not due, or re-issued for us."""
    return bool(entry.get("pending_copy")) or (
        entry.get("status") in KEPT_STATUSES and not entry.get("refresh_due")
    )


def _device_id(entry: Mapping[str, Any]) -> str | None:
    device = entry.get("device")
    return str(device["id"]) if isinstance(device, dict) else None


def _keep_in(store: CredentialStore | None, received: Iterable[Received]) -> None:
    if store is not None:
        for batch in received:
            store.add_received(batch)


def _segment(value: str) -> str:
    """An id as one path segment: nothing in it can reach another route."""
    return urllib.parse.quote(str(value), safe="")


def _object(reply: Reply) -> Json:
    if not isinstance(reply.body, dict):
        raise AppApiError(reply.status, "unexpected_reply", "the app API did not answer with a JSON object")
    return reply.body


def _objects(reply: Reply) -> list[Json]:
    if not isinstance(reply.body, list) or not all(isinstance(item, dict) for item in reply.body):
        raise AppApiError(reply.status, "unexpected_reply", "the app API did not answer with a JSON list")
    return reply.body
