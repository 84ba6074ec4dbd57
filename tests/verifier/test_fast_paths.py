"""The verifier's fast paths give exactly what the general code gives, on the common shape and off it.

``process_payload`` skips its general walk when the payload's JSON text shows that only the top-level
``_sd`` can reference a Disclosure; base64url is decoded by pybase64; JSON that orjson writes back byte for
byte is taken from orjson; the depth walk is skipped when a text has too few brackets to nest deeply. Each
is checked here against a plain reference, with hypothesis (bounded and derandomized, as in
test_properties.py) and with the cases that could fool it.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.verifier.helpers import (
    AUD,
    ISS,
    NONCE,
    NOW,
    OTHER_ISS,
    STATUS_URI,
    VCT,
    World,
    decoy,
    disclose,
    kb_jwt,
    public_jwk,
)
from verifier.disclosures import Disclosure
from verifier.encoding import (
    MAX_JSON_DEPTH,
    _loads_general,
    _may_nest_deeper,
    b64url_decode,
    b64url_encode,
    loads_strict,
)
from verifier.errors import FormatError
from verifier.jwk import p256_public_key
from verifier.jws import P256_ORDER, der_signature, parse_compact
from verifier.sdjwt import process_payload, split_presentation
from verifier.verify import Verifier

BOUNDED = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
P256_FIELD = 2**256 - 2**224 + 2**192 + 2**96 - 1


def _outcome(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return ("value", function(*args, **kwargs))
    except FormatError as e:
        return ("refused", e.reason, str(e))


def _assert_as_reference(outcome: Any, expected: Any) -> None:
    """Refused where the plain definition gives None, else its very value."""
    assert outcome[0] == ("refused" if expected is None else "value")
    if expected is not None:
        assert outcome[1] == expected


# --- Disclosures: the flat fast path against the general walk ------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["x", "_sd", "...", "é", 'q"\\'])
# Ordinary names half the time, so that many examples take the fast path to its end.
NAMES = st.sampled_from(["given_name", "age", "city"]) | st.sampled_from(
    ["_sd", "_sd_alg", "...", "iss", "_sdx", "é", "a\\b"]
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(NAMES, inner, max_size=2),
    max_leaves=4,
)


@st.composite
def _disclosures(draw: st.DrawFn) -> list[Disclosure]:
    names = st.one_of(st.none(), NAMES)
    return [_disclosure(draw(names), draw(VALUES)) for _ in range(draw(st.integers(0, 4)))]


def _disclosure(name: str | None, value: Any) -> Disclosure:
    # Written out directly: encode_disclosure would refuse the reserved names that the verifier must refuse.
    array = ["c2FsdA", value] if name is None else ["c2FsdA", name, value]
    return Disclosure(b64url_encode(json.dumps(array).encode()), "c2FsdA", name, value)


@st.composite
def _payload(draw: st.DrawFn, disclosures: list[Disclosure]) -> dict[str, Any]:
    """Plain claims, then an ``_sd`` referencing some of ``disclosures`` (maybe twice), decoys, and maybe
    digests or ``...`` entries further down, where only the general walk may look."""
    payload: dict[str, Any] = draw(st.dictionaries(NAMES, VALUES, max_size=3))
    referenced = draw(st.lists(st.sampled_from(disclosures), max_size=5)) if disclosures else []
    digests: list[Any] = [d.digest for d in referenced] + [decoy() for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        digests.append(draw(SCALARS))
    payload["_sd"] = draw(st.permutations(digests)) if draw(st.booleans()) else draw(VALUES)
    if draw(st.booleans()):
        payload["_sd_alg"] = draw(st.sampled_from(["sha-256", "sha-512"]))
    if disclosures and draw(st.booleans()):
        nested = {"_sd": [disclosures[0].digest]} if draw(st.booleans()) else [{"...": disclosures[0].digest}]
        payload["nested"] = nested
    return payload


def _texts(payload: dict[str, Any]) -> list[bytes]:
    compact = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    escaped = json.dumps(payload).encode()  # \u escapes wherever a name or value is not ASCII
    hidden = compact.replace(b'"_sd"', b'"\\u005fsd"')  # the same payload, _sd spelt with an escape
    return [compact, escaped, hidden]


@BOUNDED
@given(data=st.data())
def test_the_flat_path_agrees_with_the_general_walk(data):
    disclosures = data.draw(_disclosures())
    payload = data.draw(_payload(disclosures))
    shown = (
        [d.encoded for d in data.draw(st.lists(st.sampled_from(disclosures), max_size=4))]
        if disclosures
        else []
    )
    general = _outcome(process_payload, payload, shown)

    for text in _texts(payload):
        assert json.loads(text) == payload
        assert _outcome(process_payload, payload, shown, payload_json=text) == general


def test_digests_below_the_top_are_still_processed_on_the_fast_path():
    street = disclose("street", "1 Main St")
    address = disclose("address", {"_sd": [street.digest]})
    payload = {"iss": "x", "_sd": [address.digest, decoy()]}
    text = json.dumps(payload, separators=(",", ":")).encode()

    result = process_payload(payload, [address.encoded, street.encoded], payload_json=text)

    assert result == {"iss": "x", "address": {"street": "1 Main St"}}


@pytest.mark.parametrize(
    "nested",
    [
        {"cnf": {"_sd": ["DIGEST"]}},
        {"tags": [{"...": "DIGEST"}]},
        {"cnf": {"_sd_alg": "sha-256"}},
        {"...": 1},
    ],
    ids=["sd-below-top", "array-entry", "sd-alg-below-top", "ellipsis-name"],
)
def test_an_escaped_marker_name_cannot_hide_from_the_checks(nested):
    given_name = disclose("given_name", "Ada")
    payload = json.loads(json.dumps(nested).replace("DIGEST", given_name.digest))
    payload["_sd"] = [given_name.digest]
    general = _outcome(process_payload, payload, [given_name.encoded])
    escaped = (
        json.dumps(payload, separators=(",", ":")).replace('"_sd', '"\\u005fsd').replace('"...', '"\\u002e..')
    )

    fast = _outcome(process_payload, payload, [given_name.encoded], payload_json=escaped.encode())

    assert fast == general
    assert general[0] == "refused"


def test_a_string_value_that_looks_like_a_marker_changes_nothing():
    given_name = disclose("given_name", "Ada")
    payload = {"note": '"_sd', "other": "...", "_sd": [given_name.digest]}
    text = json.dumps(payload, separators=(",", ":")).encode()

    assert process_payload(payload, [given_name.encoded], payload_json=text) == {
        "note": '"_sd',
        "other": "...",
        "given_name": "Ada",
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"tags": [{"...": "DECOY"}]},
        {"tags": [{"...": "DECOY"}], "cnf": {"_sd": []}},
        {"cnf": {"_sd_alg": "sha-256"}},
        {"..._sd": 1, "_sd...": 2},
        {"cnf": {"_sdx": 1}},
    ],
    ids=["ellipsis-entry", "ellipsis-and-sd", "sd-alg-below-top", "markers-side-by-side", "sd-prefix-below"],
)
def test_both_markers_are_counted_in_one_pass(extra):
    given_name = disclose("given_name", "Ada")
    payload = json.loads(json.dumps(extra).replace("DECOY", decoy())) | {"_sd": [given_name.digest]}
    text = json.dumps(payload, separators=(",", ":")).encode()

    general = _outcome(process_payload, payload, [given_name.encoded])

    assert _outcome(process_payload, payload, [given_name.encoded], payload_json=text) == general


# --- base64url: pybase64 and three refusals against a plain definition ----------------------------------


def _reference_b64url(text: str) -> bytes | None:
    """Unpadded base64url in its one canonical spelling: the alphabet only, and re-encoding gives it back."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if b64url_encode(data) == text else None


@BOUNDED
@given(text=st.text(alphabet=st.sampled_from(list("AQgw_-zZ09+/= \n.é\x00")), max_size=9))
def test_base64url_is_decoded_exactly_as_defined(text):
    _assert_as_reference(_outcome(b64url_decode, text), _reference_b64url(text))


# --- JSON: orjson's byte-for-byte round trip against the general parser -----------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from(list('a_é"\\/\x00\n\u2028\U0001f600')), max_size=4)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "é", ""]), inner),
    max_leaves=8,
)
WRITERS = {
    "orjson": orjson.dumps,
    "compact": lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode(),
    "ascii": lambda v: json.dumps(v, separators=(",", ":")).encode(),
    "spaced": lambda v: json.dumps(v).encode(),
}


def _typed(outcome: Any) -> Any:
    # repr tells 1 from 1.0 and True, and keeps member order, where == would not.
    return (outcome[0], repr(outcome[1]), *outcome[2:])


@BOUNDED
@given(value=JSON_VALUES, writer=st.sampled_from(sorted(WRITERS)), duplicate=st.booleans())
def test_json_is_read_as_the_general_parser_reads_it(value, writer, duplicate):
    try:
        text = WRITERS[writer](value)
    except orjson.JSONEncodeError:  # an integer past 64 bits, which orjson does not write
        assume(False)
    if duplicate and text.startswith(b"{") and text != b"{}":
        text = text[:1] + text[1:-1] + b"," + text[1:]  # every member again: each name now appears twice
    expected = _typed(_outcome(_loads_general, text, MAX_JSON_DEPTH))

    assert _typed(_outcome(loads_strict, text)) == expected


@pytest.mark.parametrize(
    "text",
    [b'{"a":1,"a":1}', b'{"a":{"b":true,"b":true}}', b'[{"x":"y","x":"y"}]', b'{"a":1,"b":2,"a":1}'],
    ids=["same-value", "nested", "in-array", "apart"],
)
def test_a_duplicate_name_is_refused_in_compact_json(text):
    assert _outcome(loads_strict, text)[0] == "refused"


@pytest.mark.parametrize(
    ("text", "value"),
    [(b"[18446744073709551616]", [2**64]), (b"[-9223372036854775809]", [-(2**63) - 1]), (b"[1E5]", [1e5])],
    ids=["past-u64", "past-i64", "exponent"],
)
def test_numbers_orjson_would_change_keep_their_exact_value(text, value):
    assert _typed(_outcome(loads_strict, text)) == _typed(("value", value))


# --- JSON depth: the bracket count only ever skips the walk for shallow texts ---------------------------


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
        ('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), True),
        ('["' + "[{" * 40 + '"]', False),  # many brackets, all inside a string
        ("[" + "[]," * 40 + "[]]", False),  # many containers side by side, two deep
    ],
    ids=["at-limit", "past-limit", "objects-past-limit", "brackets-in-string", "wide"],
)
def test_json_depth_is_enforced_whatever_the_bracket_count(text, refused):
    assert (_outcome(loads_strict, text.encode())[0] == "refused") is refused


# --- JWK coordinates: one encoding for one point -----------------------------------------------------


def test_a_jwk_coordinate_of_p_or_more_is_refused():
    # The same point with x + p in place of x: EllipticCurvePublicNumbers would have reduced it modulo p.
    x = next(x for x in range(1, 100) if _on_curve_y(x) is not None)
    y = _on_curve_y(x)
    assert y is not None

    def jwk(x_value: int) -> dict[str, str]:
        coordinates = {"x": x_value.to_bytes(32, "big"), "y": y.to_bytes(32, "big")}
        return {"kty": "EC", "crv": "P-256", **{k: b64url_encode(v) for k, v in coordinates.items()}}

    assert isinstance(p256_public_key(jwk(x)), ec.EllipticCurvePublicKey)
    with pytest.raises(FormatError):
        p256_public_key(jwk(x + P256_FIELD))


def _on_curve_y(x: int) -> int | None:
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    square = (x**3 - 3 * x + b) % P256_FIELD
    y = pow(square, (P256_FIELD + 1) // 4, P256_FIELD)  # p = 3 mod 4
    return y if y * y % P256_FIELD == square else None


# --- Verifier.verify on signed variations of a valid presentation ---------------------------------------

# Signed values of every kind, near the limits that the checks draw. Each example varies a few fields from a
# valid presentation, so that many stay valid and the rest are invalid in one or two ways at a time.
TIMES = [NOW, NOW - 10**6, NOW + 10**6, NOW + 5, NOW + 6, NOW - 5, NOW - 6, NOW - 60, NOW - 61]
ODD = [True, "x", 1.5, [1], {"a": 1}, 0]
CLAIMS = {"given_name": "Ada", "family_name": "Lovelace"}
STATUSES = [{"status_list": {"idx": index, "uri": STATUS_URI}} for index in (1, 2, 3, 99, -1, True, "0")]
VARIANTS: dict[str, list[Any]] = {
    "jwk": [{"use": "enc"}, {"use": "sig"}, {"alg": "ES256"}, {"key_ops": ["verify"]}, {"key_ops": ["sign"]}],
    "cnf": [None, "x", {"kid": "k"}, {"jwk": "x"}],
    "status": [*STATUSES, None, {"other": 1}, "x", {"status_list": {"idx": 0, "uri": "https://x.example"}}],
    "iss": [OTHER_ISS, 1, None],
    "vct": ["https://other.example/vct", 1, None],
    "exp": [None, *TIMES, *ODD],
    "iat": [None, *TIMES, *ODD],
    "nbf": TIMES + ODD,
    "claims": [{}, {"iat": NOW - 10}, {"iat": NOW + 10**6}, {"exp": NOW}, {"iss": ISS}, {"_sd_alg": "x"}],
    "claim values": [{"a": 1}, [2], None, 7],
    "shown": ["none", "one", "twice"],
    "header": [{"typ": "JWT"}, {"alg": "ES384"}, {"crit": ["x"]}, {"kid": "seniors-2026"}, {"kid": 1}],
    "kb": ["none"],
    "sd_hash": ["other"],
    "kb header": [
        {"alg": "ES256", "typ": "JWT"},
        {"alg": "ES256", "typ": "kb+jwt", "crit": []},
        {"typ": "kb+jwt"},
    ],
    "kb iat": TIMES + ODD,
    "kb exp": TIMES + ODD,
    "aud": ["https://other.example", 1, [AUD]],
    "nonce": ["other", 1, None],
}


@st.composite
def _signed_presentation(draw: st.DrawFn, world: World) -> str:
    varied = draw(st.sets(st.sampled_from(sorted(VARIANTS)), max_size=3))

    def pick(name: str, good: Any) -> Any:
        return draw(st.sampled_from(VARIANTS[name])) if name in varied else good

    jwk = {**public_jwk(world.holder.key), **pick("jwk", {})}
    payload = world.payload(
        iss=pick("iss", ISS),
        vct=pick("vct", VCT),
        exp=pick("exp", NOW + 86400),
        iat=pick("iat", NOW - 3600),
        cnf=pick("cnf", {"jwk": jwk}),
        status=pick("status", {"status_list": {"idx": 0, "uri": STATUS_URI}}),
    )
    if "nbf" in varied:
        payload["nbf"] = pick("nbf", None)
    claims = {**CLAIMS, **pick("claims", {})}
    if "claim values" in varied:
        claims["given_name"] = pick("claim values", None)
    issued = world.issue(payload, claims=claims, header=world.vc_header(**pick("header", {})))
    shown = {"all": issued.disclosures, "none": [], "one": issued.disclosures[:1]}.get(
        pick("shown", "all"), issued.disclosures * 2
    )
    sd_jwt = "~".join([issued.jwt, *(d.encoded for d in shown)]) + "~"
    if pick("kb", "kb") == "none":
        return sd_jwt
    kb = kb_jwt(
        sd_jwt if pick("sd_hash", "same") == "same" else sd_jwt + "x",
        world.holder.key,
        iat=pick("kb iat", NOW),
        aud=pick("aud", AUD),
        nonce=pick("nonce", NONCE),
        header=pick("kb header", None),
        exp=pick("kb exp", None),
    )
    return sd_jwt + kb


CHECKS = st.fixed_dictionaries(
    {
        "audience": st.sampled_from([AUD, None, "https://other.example"]),
        "nonce": st.sampled_from([NONCE, None, "other"]),
        "require_kb": st.booleans(),
    }
)


@pytest.fixture(scope="module")
def uncached(world):
    return Verifier(trust=world.store(), replay_cache=None)


@settings(BOUNDED, max_examples=400)
@given(data=st.data())
def test_signed_variations_get_a_verdict_with_its_reasons(world, uncached, data):
    """Whatever the issuer or the holder signs, near the limits the checks draw: never an exception, and
    reasons exactly when the verdict is not valid."""
    text = data.draw(_signed_presentation(world))

    result = uncached.verify(text, now=NOW, **data.draw(CHECKS))

    assert result.verdict in ("valid", "invalid")
    assert result.valid == (not result.reasons)


# --- DER signatures: written out by hand, as encode_dss_signature would ---------------------------------


@BOUNDED
@given(
    r=st.integers(1, P256_ORDER - 1) | st.integers(1, 2**64),
    s=st.integers(1, P256_ORDER - 1) | st.sampled_from([1, 2**255, 2**248 - 1, P256_ORDER - 1]),
)
def test_the_der_signature_is_what_cryptography_encodes(r, s):
    assert der_signature(r.to_bytes(32, "big"), s.to_bytes(32, "big")) == encode_dss_signature(r, s)


# --- JSON depth pre-check: brackets found one by one, against a plain count -------------------------------


@BOUNDED
@given(text=st.text(alphabet=st.sampled_from(list('{[]}"a\\\\')), max_size=80), limit=st.integers(0, 40))
def test_the_bracket_search_counts_as_count_does(text, limit):
    more = text.count("{") + text.count("[") > limit
    # Under 2 * (limit + 1) characters, no text can nest past the limit, whatever it holds.
    expected = more and len(text) >= 2 * (limit + 1)
    assert _may_nest_deeper(text, ("{", "["), limit) == expected
    assert _may_nest_deeper(text.encode(), (b"{", b"["), limit) == expected


# --- Protected headers: a header's parse is kept by its exact text -----------------------------------------


def _token(header_json: str) -> str:
    return f"{b64url_encode(header_json.encode())}.{b64url_encode(b'{}')}.{b64url_encode(bytes(64))}"


def test_a_kept_header_is_a_fresh_dict_each_time():
    token = _token('{"alg":"ES256","kid":"k1","typ":"dc+sd-jwt"}')
    first = parse_compact(token).header
    first["alg"] = "none"
    del first["kid"]

    assert parse_compact(token).header == {"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}


@pytest.mark.parametrize(
    "header_json",
    [
        '{"alg":"ES256","alg":"none"}',
        '{"alg":"ES256","typ":"dc+sd-jwt","typ":"kb+jwt"}',
        '{"alg":"ES256","x":{"a":1,"a":2}}',  # a duplicate inside a nested object
        '{"alg":"ES256","kid":"\\ud800"}',  # a lone surrogate
        '{"alg":NaN}',
        '["alg","ES256"]',
    ],
    ids=["duplicate", "duplicate-typ", "nested-duplicate", "lone-surrogate", "nan", "not-an-object"],
)
def test_a_refused_header_is_refused_every_time(header_json):
    token = _token(header_json)

    for _ in range(3):
        with pytest.raises(FormatError):
            parse_compact(token)


def test_a_header_with_members_other_than_strings_is_parsed_each_time():
    token = _token('{"alg":"ES256","crit":["b64"],"x":{"y":1}}')
    first = parse_compact(token).header
    first["crit"].append("exp")
    first["x"]["y"] = 2

    assert parse_compact(token).header == {"alg": "ES256", "crit": ["b64"], "x": {"y": 1}}


def test_a_header_is_kept_by_its_exact_text():
    # Two spellings of one JSON object are two texts: each is parsed from its own text, never the other's.
    plain, spaced = _token('{"alg":"ES256"}'), _token('{"alg": "ES256"}')
    doubled = _token('{"alg":"ES256","alg":"ES256"}')

    assert parse_compact(plain).header == parse_compact(spaced).header == {"alg": "ES256"}
    with pytest.raises(FormatError):
        parse_compact(doubled)


# --- Splitting: the issuer JWT found by partition, the rest split as str.split would ------------------------


def _reference_split(text: str) -> tuple[str, tuple[str, ...], str | None, str] | None:
    head, tilde, last = text.rpartition("~")
    issuer_jwt, *disclosures = head.split("~")
    if not tilde or not issuer_jwt or "" in disclosures:
        return None
    return issuer_jwt, tuple(disclosures), last or None, head + "~"


@BOUNDED
@given(text=st.text(alphabet=st.sampled_from(list("ab.~")), max_size=12))
def test_a_presentation_splits_as_a_plain_split_would(text):
    _assert_as_reference(_outcome(split_presentation, text), _reference_split(text))
