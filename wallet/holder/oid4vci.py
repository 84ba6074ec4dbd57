"""The holder's side of OpenID4VCI's pre-authorized code flow: what the phone does to receive credentials.

Offer -> issuer metadata -> token (pre-authorized code + transaction code) -> c_nonce -> one key proof per
device key -> credential endpoint -> SD-JWT VCs bound to those keys.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from keys import SigningKey, ec_public_jwk
from wallet.holder.transport import Reply, Transport

OFFER_SCHEME = "openid-credential-offer://"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class IssuanceFailed(Exception):
    """The issuer refused a step, or answered it with what the step cannot use (``why``); ``error`` is its
    OAuth / OpenID4VCI error code, or ``malformed_reply``."""

    def __init__(self, step: str, reply: Reply, *, why: str | None = None) -> None:
        if why is not None:
            self.error = "malformed_reply"
            super().__init__(f"{step} failed: the issuer's reply {why}")
            return
        body = reply.body if isinstance(reply.body, dict) else {}
        self.error = str(body.get("error") or body.get("code") or reply.status)
        super().__init__(f"{step} failed: {reply.status} {self.error}: {body.get('detail', '')}")


class DeviceKey:
    """A P-256 key the phone keeps (in its secure element on a real device); credentials are bound to it."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self._key = SigningKey(private_key or ec.generate_private_key(ec.SECP256R1()), "device")

    @property
    def jwk(self) -> dict[str, str]:
        return ec_public_jwk(self._key.public_key())

    def sign(self, payload: dict[str, Any], *, typ: str) -> str:
        return self._key.sign_jws(payload, typ=typ, extra_header={"jwk": self.jwk}, with_kid=False)

    def sign_bound(self, payload: dict[str, Any], *, typ: str) -> str:
        """A JWS whose key the verifier already knows (from ``cnf.jwk``), so it names none."""
        return self._key.sign_jws(payload, typ=typ, with_kid=False)

    def registration_proof(self, *, challenge: str, audience: str, now: int | None = None) -> str:
        """The proof of possession the app API asks for when this device registers."""
        payload = {"challenge": challenge, "aud": audience, "iat": int(time.time()) if now is None else now}
        return self.sign_bound(payload, typ="device-proof+jwt")

    def proof(self, *, issuer: str, nonce: str, now: int | None = None) -> str:
        payload = {"aud": issuer, "iat": int(time.time()) if now is None else now, "nonce": nonce}
        return self.sign(payload, typ="openid4vci-proof+jwt")


@dataclass(frozen=True, slots=True)
class Received:
    configuration_id: str
    credentials: list[str]


def parse_offer(uri: str) -> dict[str, Any]:
    """The offer object inside an ``openid-credential-offer://`` URI. Raises ValueError."""
    if not uri.startswith(OFFER_SCHEME):
        raise ValueError("not a credential offer URI")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    if "credential_offer" not in query:
        raise ValueError("the offer is not carried by value")
    try:
        offer = json.loads(query["credential_offer"][0])
    except ValueError as e:
        raise ValueError(f"the credential offer is not JSON: {e}") from e
    return _checked(offer)


def _checked(offer: Any) -> dict[str, Any]:
    """``offer``, when it has what the pre-authorized code flow reads from it. Raises ValueError."""
    if not isinstance(offer, dict):
        raise ValueError("the credential offer is not a JSON object")
    issuer = offer.get("credential_issuer")
    if not isinstance(issuer, str) or not _is_http_url(issuer):
        raise ValueError("the credential offer's credential_issuer is not an https or http URL")
    grants = offer.get("grants")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        raise ValueError("the credential offer has no pre-authorized code grant")
    ids = offer.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError("the credential offer's credential_configuration_ids is not a list of names")
    return offer


def _is_http_url(value: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:  # such as a malformed IPv6 host
        return False
    return parts.scheme in ("https", "http") and bool(parts.netloc)


class HolderClient:
    def __init__(self, transport: Transport, *, clock: Callable[[], float] = time.time) -> None:
        self.http = transport
        self.clock = clock

    def metadata(self, issuer: str) -> dict[str, Any]:
        """Credential Issuer metadata, from the well-known URL OpenID4VCI section 12.2.2 defines."""
        parts = urllib.parse.urlsplit(issuer)
        url = f"{parts.scheme}://{parts.netloc}/.well-known/openid-credential-issuer{parts.path}"
        reply = self.http.request("GET", url)
        metadata = self._ok("metadata", reply)
        for name in ("nonce_endpoint", "credential_endpoint"):
            _text(metadata, name, "metadata", reply)
        named = _text(metadata, "credential_issuer", "metadata", reply)
        if named != issuer:  # OpenID4VCI 12.2.2: the metadata MUST name the issuer it was asked of
            raise IssuanceFailed("metadata", reply, why=f"names another issuer: {named}")
        return metadata

    def redeem(self, offer: dict[str, Any], tx_code: str) -> str:
        grant = offer["grants"][PRE_AUTHORIZED_GRANT]
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": tx_code,
        }
        reply = self.http.request("POST", f"{offer['credential_issuer']}/token", form=form)
        return _text(self._ok("token", reply), "access_token", "token", reply)

    def nonce(self, metadata: dict[str, Any]) -> str:
        reply = self.http.request("POST", metadata["nonce_endpoint"])
        return _text(self._ok("nonce", reply), "c_nonce", "nonce", reply)

    def request_credentials(
        self, metadata: dict[str, Any], access_token: str, configuration_id: str, devices: Sequence[DeviceKey]
    ) -> Received:
        nonce = self.nonce(metadata)
        body = {
            "credential_configuration_id": configuration_id,
            "proofs": {"jwt": [self._proof(d, metadata["credential_issuer"], nonce) for d in devices]},
        }
        headers = {"Authorization": f"Bearer {access_token}"}
        reply = self.http.request("POST", metadata["credential_endpoint"], json_body=body, headers=headers)
        issued = self._ok("credential", reply).get("credentials")
        if not isinstance(issued, list) or not issued:
            raise IssuanceFailed("credential", reply, why="has no credentials")
        return Received(
            configuration_id, [_text(entry, "credential", "credential", reply) for entry in issued]
        )

    def accept_offer(
        self,
        uri: str,
        tx_code: str,
        devices: Sequence[DeviceKey],
        *,
        keep: Callable[[Received], object] | None = None,
    ) -> list[Received]:
        """Run the whole flow for every credential the offer lists, each bound to every device key.

        ``keep`` is given each batch as soon as it arrives: the offer's code is spent by then, so when a
        later request fails (IssuanceFailed) the batches before it exist nowhere else.
        """
        offer = parse_offer(uri)
        metadata = self.metadata(offer["credential_issuer"])
        token = self.redeem(offer, tx_code)
        received: list[Received] = []
        for configuration_id in offer["credential_configuration_ids"]:
            batch = self.request_credentials(metadata, token, configuration_id, devices)
            if keep is not None:
                keep(batch)
            received.append(batch)
        return received

    def _proof(self, device: DeviceKey, issuer: str, nonce: str) -> str:
        return device.proof(issuer=issuer, nonce=nonce, now=int(self.clock()))

    @staticmethod
    def _ok(step: str, reply: Reply) -> dict[str, Any]:
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise IssuanceFailed(step, reply)
        return reply.body


def _text(body: Any, name: str, step: str, reply: Reply) -> str:
    """The non-empty string ``name`` of a reply's JSON object: a reply without one fails its step, rather than
    raise a KeyError or TypeError past every caller (the CLI's contract is a message, never a traceback)."""
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise IssuanceFailed(step, reply, why=f"has no {name}")
    return value
