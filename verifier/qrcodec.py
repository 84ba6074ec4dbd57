"""The compact QR transport of a presentation (``CW1:`` + digits): the same SD-JWT+KB in far fewer modules.

Plain SD-JWT text is base64url of JSON, 8 bits on the wire for every 6 of content, in QR byte mode. Here every
base64url part is decoded to its bytes; signatures stay raw; inside the JSON texts, a digest the decoder can
recompute (that of a presented Disclosure, the KB-JWT's ``sd_hash``) becomes a two-byte reference, and every
other long base64url string (salts, undisclosed digests, key coordinates, the kid, the nonce) moves out as raw
bytes; what is left of the JSON, mostly names and punctuation, goes through one raw DEFLATE stream primed with
a dictionary of this product's JSON; the bytes are written as decimal digits, which QR numeric mode packs at
3.33 bits a digit. docs/qr-format.md is the specification: layout, limits, version rule, measured sizes.

``decode_transport`` gives back the exact plain text (so signatures and ``sd_hash`` verify unchanged) and
passes plain text through; on any input it raises nothing but FormatError.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

from verifier.disclosures import digest_of
from verifier.encoding import b64url_decode, b64url_encode
from verifier.errors import FormatError
from verifier.reasons import Reason
from verifier.sdjwt import split_presentation

PREFIX = "CW1:"
_ANY_VERSION = re.compile(r"CW[0-9]*:")  # compact, though maybe of a version this decoder does not know
MAX_TEXT_CHARS = len(PREFIX) + 7089  # a QR code holds at most 7,089 digits
MAX_OUTPUT_CHARS = 16 * 1024  # the verifier's MAX_PRESENTATION_BYTES
MAX_STREAM_BYTES = 12 * 1024  # the JSON texts as inflated, before references and raw strings go back in
MAX_DISCLOSURES = 250
MAX_SIGNATURE_BYTES = 132  # room for ES512; ES256's is 64
FLAG_KB = 0x01
# Markers inside the JSON texts: RFC 8259 JSON never holds a raw control character, so they are unambiguous.
REFERENCE = 0x00  # + index: the digest of Disclosure <index>, or the SD-JWT's sd_hash for SD_HASH_INDEX
RAW = 0x01  # + n: the base64url of the next n bytes of the raw section
SD_HASH_INDEX = 0xFF
DIGEST_CHARS = 43  # base64url of a SHA-256 digest
MIN_RAW_CHARS = 16  # shorter base64url strings are words ("Parramatta") that DEFLATE does better with
_LONG_STRING = re.compile(rb'"([A-Za-z0-9_-]{%d,340})"' % MIN_RAW_CHARS)  # 340 chars: 255 bytes
_MARKER = re.compile(rb"[\x00\x01]")
# Decimal digits: each group of n bytes (7, the last one fewer) as a number of _DIGITS[n] digits.
_GROUP_BYTES, _DIGITS = 7, (0, 3, 5, 8, 10, 13, 15, 17)
_BYTES = {digits: count for count, digits in enumerate(_DIGITS)}

# Version 1's dictionary: the JSON of this product's credentials and KB-JWTs, the commonest last (nearest). It
# is part of the format: changing one byte of it changes what every CW1 code means, so it never changes.
DICTIONARY = (
    b'"portrait","/9j/4AAQSkZJRgABAQ"photo_card/v1seniors_card/v1senior_savers_card/v1"age_over_60",'
    b'["\x01\x10","licence_class",["C"]]["\x01\x10","licence_type","unrestricted"]"learner"]"P1"]"P2"]'
    b'["\x01\x10","conditions",[]]["\x01\x10","licence_number","'
    b'["\x01\x10","card_number","["\x01\x10","issue_date","20["\x01\x10","expiry_date","20'
    b'["\x01\x10","street_address","["\x01\x10","locality","["\x01\x10","region","NSW"]'
    b'["\x01\x10","postal_code","["\x01\x10","address",{"_sd":["\x01 ","\x00'
    b'["\x01\x10","given_name","["\x01\x10","family_name","["\x01\x10","birthdate","19'
    b'["\x01\x10","age_over_16",true]["\x01\x10","age_over_21",true]["\x01\x10","age_over_65",false]'
    b'{"alg":"ES256","kid":"\x01 ","typ":"dc+sd-jwt"}'
    b'{"iss":"https://","iat":17,"exp":17,"vct":"https:///vct/driver_licence/v1/vct/proof_of_age/v1",'
    b'"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"\x01 ","y":"\x01 "}},"status":{"status_list":{"idx":'
    b',"uri":"https:///issuers/transport/status/"}},"_sd":["\x01 ","\x01 ","\x00'
    b'"],"_sd_alg":"sha-256"}'
    b'["\x01\x10","age_over_18",true]'
    b'{"alg":"ES256","typ":"kb+jwt"}{"iat":17,"aud":"offline","nonce":"\x01\x0c","sd_hash":"\x00\xff"}'
)


def is_compact(text: str) -> bool:
    return _ANY_VERSION.match(text) is not None


def encode_transport(presentation: str) -> str:
    """The compact text of a plain SD-JWT(+KB).

    Raises FormatError when it cannot be carried exactly (not an SD-JWT, non-canonical base64url, a control
    byte in a JSON text, a limit exceeded); the plain text is then the one to show.
    """
    texts, signatures, count = _parse_plain(presentation)
    digests = {digest_of(b64url_encode(t)).encode(): i for i, t in enumerate(texts[2 : 2 + count])}
    if len(signatures) == 2:
        digests[digest_of(presentation[: presentation.rindex("~") + 1]).encode()] = SD_HASH_INDEX
    raw, stream = bytearray(), bytearray()
    for text in texts:
        shrunk = _shrink(text, digests, raw)
        stream += _varint(len(shrunk)) + shrunk
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=DICTIONARY)
    head = bytes((FLAG_KB if len(signatures) == 2 else 0, count))
    head += b"".join(bytes((len(s),)) + s for s in signatures)
    compact = PREFIX + _to_digits(head + deflate.compress(bytes(stream)) + deflate.flush() + raw)
    if decode_transport(compact) != presentation:  # never expected; should it happen, plain still works
        raise FormatError("the compact form would not reproduce this presentation")
    return compact


def _parse_plain(presentation: str) -> tuple[list[bytes], list[bytes], int]:
    """JSON texts (issuer header, payload, Disclosures, KB header, payload), signatures, Disclosure count."""
    parts = split_presentation(presentation)
    texts: list[bytes] = []
    signatures: list[bytes] = []
    for jws in [parts.issuer_jwt] + ([parts.kb_jwt] if parts.kb_jwt else []):
        segments = jws.split(".")
        if len(segments) != 3:
            raise FormatError("a compact JWS has three parts")
        texts += [b64url_decode(segments[0]), b64url_decode(segments[1])]
        signatures.append(b64url_decode(segments[2]))
    texts[2:2] = [b64url_decode(d) for d in parts.disclosures]
    count = len(parts.disclosures)
    if count > MAX_DISCLOSURES or len(presentation) > MAX_OUTPUT_CHARS:
        raise FormatError("too large for the compact form")
    if any(not t or _MARKER.search(t) for t in texts) or not all(map(_signature_fits, signatures)):
        raise FormatError("a part that the compact form cannot carry")
    return texts, signatures, count


def _shrink(text: bytes, digests: dict[bytes, int], raw: bytearray) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        value = match.group(1)
        if value in digests:
            return bytes((34, REFERENCE, digests[value], 34))  # 34 is the quotation mark
        try:
            data = b64url_decode(value.decode("ascii"))
        except FormatError:
            return match.group()  # not canonical base64url: its bytes would not give it back
        raw.extend(data)
        return bytes((34, RAW, len(data), 34))

    return _LONG_STRING.sub(one, text)


def decode_transport(text: str) -> str:
    """Plain text unchanged; compact text as the exact plain text it encodes. Raises FormatError."""
    if not is_compact(text):
        return text
    if not text.startswith(PREFIX):
        raise FormatError(f"compact QR version {text.split(':', 1)[0]!r} is not supported")
    if len(text) > MAX_TEXT_CHARS:
        raise FormatError("compact text longer than a QR code holds", reason=Reason.TOO_LARGE)
    head = _Reader(_from_digits(text[len(PREFIX) :]))
    flags, count = head.byte(), head.byte()
    if flags & ~FLAG_KB or count > MAX_DISCLOSURES:
        raise FormatError("unknown flags, or too many Disclosures")
    signatures = [head.take(head.byte()) for _ in range(2 if flags & FLAG_KB else 1)]
    if not all(map(_signature_fits, signatures)):
        raise FormatError("a signature of a bad length")
    stream, raw = _inflate(head.data[head.position :])
    reader, raw_reader = _Reader(stream), _Reader(raw)
    parts = count + 2 * len(signatures)
    texts = [_restore_raw(reader.take(reader.varint()), raw_reader) for _ in range(parts)]
    reader.end()
    raw_reader.end()
    if not all(texts):
        raise FormatError("an empty part")
    return _assemble(texts, signatures, count)


def _restore_raw(text: bytes, raw: _Reader) -> bytes:
    """``text`` with each RAW marker replaced by the base64url of its bytes; REFERENCE markers kept."""
    out, position = bytearray(), 0
    while (found := _MARKER.search(text, position)) is not None:
        at = found.start()
        if at + 1 >= len(text):
            raise FormatError("a marker without its byte")
        out += text[position:at]
        if text[at] == REFERENCE:
            out += text[at : at + 2]
        elif text[at + 1] == 0:
            raise FormatError("an empty raw string")
        else:
            out += b64url_encode(raw.take(text[at + 1])).encode("ascii")
        position = at + 2
    return bytes(out + text[position:])


def _assemble(texts: list[bytes], signatures: list[bytes], count: int) -> str:
    disclosures = _resolve_disclosures(texts[2 : 2 + count])
    digests = [digest_of(d).encode() for d in disclosures]
    payload = _expand(texts[1], digests.__getitem__, count)
    issuer_jwt = ".".join(b64url_encode(t) for t in (texts[0], payload, signatures[0]))
    sd_jwt = issuer_jwt + "~" + "".join(d + "~" for d in disclosures)
    if len(signatures) == 1:
        return _bounded(sd_jwt)
    kb_digests = {**dict(enumerate(digests)), SD_HASH_INDEX: digest_of(sd_jwt).encode()}
    kb = [_expand(t, kb_digests.__getitem__, count, sd_hash=True) for t in texts[2 + count :]]
    return _bounded(sd_jwt + ".".join(b64url_encode(t) for t in (*kb, signatures[1])))


def _signature_fits(signature: bytes) -> bool:
    return 0 < len(signature) <= MAX_SIGNATURE_BYTES


def _bounded(text: str) -> str:
    if len(text) > MAX_OUTPUT_CHARS:
        raise FormatError("the decoded presentation is too large", reason=Reason.TOO_LARGE)
    return text


def _resolve_disclosures(texts: list[bytes]) -> list[str]:
    """Each Disclosure's base64url text; one may hold another's digest, but never in a cycle."""
    done: dict[int, str] = {}
    pending = {i: set(_references(t, len(texts))) for i, t in enumerate(texts)}
    while pending:
        ready = [i for i, needs in pending.items() if needs <= done.keys()]
        if not ready:
            raise FormatError("Disclosures that reference each other in a cycle")
        for i in ready:
            done[i] = b64url_encode(_expand(texts[i], lambda k: digest_of(done[k]).encode(), len(texts)))
            del pending[i]
    return [done[i] for i in range(len(texts))]


def _references(text: bytes, count: int, *, sd_hash: bool = False) -> list[int]:
    """The indexes ``text`` refers to: each a Disclosure below ``count``, or sd_hash where allowed."""
    found, position = [], text.find(REFERENCE)
    while position >= 0:
        index = text[position + 1]  # _restore_raw made sure every marker has its byte
        if not (index < count or (sd_hash and index == SD_HASH_INDEX)):
            raise FormatError("a reference to nothing")
        found.append(index)
        position = text.find(REFERENCE, position + 2)
    return found


def _expand(text: bytes, digest: Callable[[int], bytes], count: int, *, sd_hash: bool = False) -> bytes:
    references = _references(text, count, sd_hash=sd_hash)
    if len(text) + len(references) * DIGEST_CHARS > MAX_OUTPUT_CHARS:
        raise FormatError("references expand past the size limit", reason=Reason.TOO_LARGE)
    out, position = bytearray(), 0
    for _ in references:
        at = text.index(REFERENCE, position)
        out += text[position:at] + digest(text[at + 1])
        position = at + 2
    return bytes(out + text[position:])


def _inflate(data: bytes) -> tuple[bytes, bytes]:
    """The DEFLATE stream at the start of ``data``, inflated (bounded), and the raw bytes after it."""
    inflate = zlib.decompressobj(-15, zdict=DICTIONARY)
    try:
        stream = inflate.decompress(data, MAX_STREAM_BYTES)
    except zlib.error as e:
        raise FormatError(f"bad DEFLATE data: {e}") from e
    if inflate.unconsumed_tail:
        raise FormatError("the JSON texts inflate past the size limit", reason=Reason.TOO_LARGE)
    if not inflate.eof:
        raise FormatError("the DEFLATE stream is cut short")
    return stream, inflate.unused_data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def take(self, count: int) -> bytes:
        if self.position + count > len(self.data):
            raise FormatError("the compact data is cut short")
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def varint(self) -> int:
        """An unsigned LEB128 number of one or two bytes, in its shortest form."""
        first = self.byte()
        if first < 0x80:
            return first
        second = self.byte()
        if not 0 < second < 0x80:
            raise FormatError("a length not in its shortest form, or too long")
        return (first & 0x7F) | second << 7

    def end(self) -> None:
        if self.position != len(self.data):
            raise FormatError("bytes after the last part")


def _varint(value: int) -> bytes:
    if value >= 1 << 14:
        raise FormatError("a part too long for the compact form")
    return bytes((value,)) if value < 0x80 else bytes((value & 0x7F | 0x80, value >> 7))


def _to_digits(data: bytes) -> str:
    groups = (data[i : i + _GROUP_BYTES] for i in range(0, len(data), _GROUP_BYTES))
    return "".join(str(int.from_bytes(group, "big")).zfill(_DIGITS[len(group)]) for group in groups)


def _from_digits(digits: str) -> bytes:
    if not (digits.isascii() and digits.isdigit()) or len(digits) % _DIGITS[-1] not in _BYTES:
        raise FormatError("compact text holds a number of digits, and nothing else, after its prefix")
    out = bytearray()
    for start in range(0, len(digits), _DIGITS[-1]):
        chunk = digits[start : start + _DIGITS[-1]]
        value, size = int(chunk), _BYTES[len(chunk)]
        if value >> (8 * size):
            raise FormatError("a digit group out of range")
        out += value.to_bytes(size, "big")
    return bytes(out)
