"""Short-lived access tokens: ES256 JWTs (RFC 9068 ``at+jwt``) signed by the service's own key.

Verification pins the algorithm, the type, the issuer and the audience, and requires every claim it relies on,
so that a credential or a token meant for another audience can never pass as an access token.

An app sends the same token with every request for its whole life, so each process remembers the tokens it has
accepted (exactly the same text, for the same audience; the last 2,048, first in first out). The signature is
then not checked again, but everything that can change is: the key must still be published, and the times
still hold.
"""

from __future__ import annotations

import copy
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from jwt.types import Options

from keys import KeyStore
from wallet.clock import Clock

SERVICE_KEYS = "service-tokens"
TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type (RFC 9068), not a secret
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti"]
LEEWAY = timedelta(seconds=5)
CHECKED_TOKENS = 2048  # per process (a few MB): more live tokens than a worker sees between two uses of one


def own_clock(*require: str) -> Options:
    """Options for every jwt.decode of ours: the claims it must carry, and no time check by the library.

    Time claims are judged by the caller against the app's clock, never against the system clock (one
    clock, injectable, for tests and replays alike).
    """
    return Options(require=list(require), verify_exp=False, verify_nbf=False, verify_iat=False)


class BadNumericDate(ValueError):
    """A time claim that is not a finite number; the message says why ("must be a number", ...)."""


def numeric_date(value: Any) -> float:
    """A NumericDate (RFC 7519 section 2) as seconds, for judging a claim that own_clock left unchecked.

    PyJWT's JSON parser also yields NaN and Infinity, which compare False with everything and so would pass
    any window, and ints too large for a float; bool is an int to Python; and a signer may put any JSON value
    in a claim. All of these are refused, fractions allowed. Raises BadNumericDate.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadNumericDate("must be a number")
    try:
        seconds = float(value)
    except OverflowError:
        raise BadNumericDate("is out of range") from None
    if not math.isfinite(seconds):
        raise BadNumericDate("must be a finite number")
    return seconds


class InvalidAccessToken(Exception):
    """The token is malformed, forged, expired, or not meant for this audience."""


@dataclass(frozen=True, slots=True)
class _Checked:
    """A token whose signature, type, issuer, audience and claims were found good, under key ``kid``."""

    kid: str
    claims: dict[str, Any]


class AccessTokens:
    def __init__(self, *, keystore: KeyStore, issuer: str, clock: Clock) -> None:
        self._keystore = keystore
        self._issuer = issuer
        self._clock = clock
        self._checked: dict[tuple[str, str], _Checked] = {}
        self._remembering = threading.Lock()  # a server may run requests in threads

    def mint(self, *, subject: str, audience: str, ttl: int, **claims: Any) -> str:
        """A signed access token for ``subject``, valid ``ttl`` seconds, with ``claims`` added."""
        now = int(self._clock.now().timestamp())
        payload = {
            "iss": self._issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
            **claims,
        }
        return self._keystore.active(SERVICE_KEYS).sign_jws(payload, typ=TOKEN_TYPE)

    def verify(self, token: str, *, audience: str) -> dict[str, Any]:
        """The token's claims. Raises InvalidAccessToken unless it is a valid token for ``audience``."""
        now = self._clock.now()
        remembered = self._checked.get((token, audience))
        if remembered is None:
            checked = self._check_signature(token, audience, now)
        elif all(key.kid != remembered.kid for key in self._keystore.published(SERVICE_KEYS, now=now)):
            raise InvalidAccessToken("its signing key is no longer published")
        else:
            checked = remembered
        self._check_times(checked.claims, now.timestamp())
        if remembered is None:
            self._remember((token, audience), checked)
        return copy.deepcopy(checked.claims)  # the remembered claims stay as verified, nested lists too

    def _check_signature(self, token: str, audience: str, now: datetime) -> _Checked:
        """The signature (by a key published at ``now``) and every claim that cannot change with time."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise InvalidAccessToken("malformed token") from e
        if header.get("typ") != TOKEN_TYPE or header.get("alg") != "ES256":
            raise InvalidAccessToken("not an access token")
        kid = str(header.get("kid"))
        key = self._keystore.verification_keys(SERVICE_KEYS, now=now).get(kid)
        if key is None:
            raise InvalidAccessToken("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["ES256"],
                audience=audience,
                issuer=self._issuer,
                options=own_clock(*REQUIRED_CLAIMS),
            )
        except jwt.PyJWTError as e:
            raise InvalidAccessToken(str(e)) from e
        return _Checked(kid, claims)

    def _remember(self, key: tuple[str, str], checked: _Checked) -> None:
        with self._remembering:
            if len(self._checked) >= CHECKED_TOKENS:
                # First in, first out (dicts keep insertion order): a token still in use is checked anew.
                del self._checked[next(iter(self._checked))]
            self._checked[key] = checked

    @staticmethod
    def _check_times(claims: dict[str, Any], now: float) -> None:
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise InvalidAccessToken("exp and iat must be integers")
        if now >= exp + LEEWAY.total_seconds():
            raise InvalidAccessToken("token expired")
        if iat > now + LEEWAY.total_seconds():
            raise InvalidAccessToken("token issued in the future")
