"""Hostile compact codes, one named test per attack: every one is a FormatError, and a refused verdict.

Codes are built here byte by byte (header, a stored or compressed DEFLATE stream, the raw section) and turned
into digits by this file's own reading of docs/qr-format.md, not by the encoder under test.
"""

from __future__ import annotations

import contextlib
import random
import struct
import zlib

import pytest

from tests.verifier.helpers import World, reasons
from verifier.errors import FormatError
from verifier.qrcodec import DICTIONARY, MAX_TEXT_CHARS, PREFIX, decode_transport, encode_transport

SALT = bytes(16)
WIDTHS = (0, 3, 5, 8, 10, 13, 15, 17)


def digits(data: bytes) -> str:
    groups = [data[i : i + 7] for i in range(0, len(data), 7)]
    return PREFIX + "".join(str(int.from_bytes(g, "big")).zfill(WIDTHS[len(g)]) for g in groups)


def stored(stream: bytes) -> bytes:
    return b"\x01" + struct.pack("<HH", len(stream), 0xFFFF ^ len(stream)) + stream


def deflated(stream: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=DICTIONARY)
    return compressor.compress(stream) + compressor.flush()


def framed(*texts: bytes) -> bytes:
    out = b""
    for text in texts:
        size = len(text)
        out += bytes((size,)) if size < 0x80 else bytes((size & 0x7F | 0x80, size >> 7))
        out += text
    return out


DISCLOSURE = b'["\x01\x10","age_over_18",true]'
TEXTS = (b"{}", b'{"_sd":["\x00\x00"]}', DISCLOSURE, b"{}", b'{"sd_hash":"\x00\xff"}')


def code(
    *,
    flags: int = 1,
    count: int = 1,
    signatures: tuple[bytes, ...] = (b"\x01", b"\x02"),
    texts: tuple[bytes, ...] = TEXTS,
    stream: bytes | None = None,
    raw: bytes = SALT,
    after: bytes = b"",
) -> str:
    """A compact code, valid with the defaults: one Disclosure referenced by digest, a KB-JWT with sd_hash."""
    head = bytes((flags, count)) + b"".join(bytes((len(s),)) + s for s in signatures)
    return digits(head + (stored(framed(*texts)) if stream is None else stream) + raw + after)


def refused(text: str, reason: str = "malformed") -> FormatError:
    with pytest.raises(FormatError) as caught:
        decode_transport(text)
    assert caught.value.reason == reason
    return caught.value


def test_the_default_hand_built_code_is_valid():
    """The base every attack below changes one thing of: it decodes, and to the expected shape."""
    issuer_jwt, disclosure, kb = decode_transport(code()).split("~")

    assert issuer_jwt.endswith(".AQ")
    assert disclosure
    assert kb.endswith(".Ag")


# --- The text layer --------------------------------------------------------------------------------------


def test_an_unknown_version_is_refused_by_name():
    assert "CW2" in str(refused("CW2:" + code()[len(PREFIX) :]))
    refused("CW:123")
    refused("CW01:" + code()[len(PREFIX) :])


@pytest.mark.parametrize(
    "body", ["12A45", "123 456", "١٢٣", "+123", "-123", "12.3", "\n123"], ids=lambda body: repr(body)
)
def test_anything_but_ascii_digits_after_the_prefix_is_refused(body):
    refused(PREFIX + body)


def test_an_empty_code_is_refused():
    refused(PREFIX)


@pytest.mark.parametrize("extra", [1, 2, 4, 6, 16])
def test_a_digit_count_no_group_size_gives_is_refused(extra):
    refused(code() + "0" * extra)  # a final group of 1, 2, 4, 6 or 16 digits encodes no byte count


def test_a_digit_group_out_of_range_is_refused():
    refused(PREFIX + "99999999999999999")  # 17 digits above 2**56 - 1
    refused(PREFIX + "256")  # a 1-byte group above 255


def test_a_code_longer_than_a_qr_code_holds_is_too_large():
    refused(PREFIX + "0" * (MAX_TEXT_CHARS - len(PREFIX) + 17), reason="too_large")


# --- Header and framing ----------------------------------------------------------------------------------


def test_every_truncation_is_refused():
    text = code()
    for end in range(len(PREFIX), len(text)):
        with pytest.raises(FormatError):
            decode_transport(text[:end])


def test_every_truncation_of_a_real_code_is_refused(world: World):
    text = encode_transport(world.present())
    for end in range(len(PREFIX), len(text), 3):
        with pytest.raises(FormatError):
            decode_transport(text[:end])


def test_unknown_flag_bits_are_refused():
    refused(code(flags=0x03))


def test_more_disclosures_than_the_limit_are_refused():
    refused(code(count=251))


def test_a_count_larger_than_the_parts_sent_is_refused():
    refused(code(count=2))


@pytest.mark.parametrize("signature", [b"", bytes(133)], ids=["empty", "133-bytes"])
def test_a_signature_of_a_bad_length_is_refused(signature):
    refused(code(signatures=(signature, b"\x02")))


def test_a_signature_length_past_the_end_is_refused():
    refused(digits(b"\x00\x00\x40" + bytes(10)))


def test_a_part_length_past_the_end_of_the_stream_is_refused():
    refused(code(stream=stored(framed(*TEXTS[:-1]) + b"\x7f{}")))


def test_a_length_not_in_its_shortest_form_is_refused():
    refused(code(stream=stored(b"\x82\x00{}" + framed(*TEXTS[1:]))))


def test_a_three_byte_length_is_refused():
    refused(code(stream=stored(b"\x82\x80\x01{}" + framed(*TEXTS[1:]))))


def test_an_empty_part_is_refused():
    refused(code(texts=(b"", *TEXTS[1:])))


def test_bytes_after_the_last_part_in_the_stream_are_refused():
    refused(code(stream=stored(framed(*TEXTS) + b"\x00")))


def test_bytes_after_the_raw_section_are_refused():
    refused(code(after=b"\x00"))


# --- DEFLATE ---------------------------------------------------------------------------------------------


def test_a_compressed_stream_is_as_good_as_a_stored_one():
    assert decode_transport(code(stream=deflated(framed(*TEXTS)))) == decode_transport(code())


def test_a_decompression_bomb_is_too_large():
    bomb = deflated(framed(b"{}", b"{" + b" " * 16000 + b"}", DISCLOSURE, b"{}", b"{}"))

    assert len(bomb) < 200
    refused(code(stream=bomb), reason="too_large")


def test_a_stream_that_inflates_to_a_megabyte_is_too_large():
    refused(code(stream=deflated(bytes(1 << 20))), reason="too_large")


def test_a_cut_deflate_stream_is_refused():
    stream = deflated(framed(*TEXTS))
    refused(code(stream=stream[:-2], raw=b""))


def test_invalid_deflate_data_is_refused():
    refused(code(stream=b"\x07\xff\xff", raw=b""))  # block type 3 is reserved


# --- Markers and references ------------------------------------------------------------------------------


def test_a_reference_to_a_missing_disclosure_is_refused():
    refused(code(texts=(b"{}", b'{"_sd":["\x00\x01"]}', *TEXTS[2:])))


def test_an_sd_hash_reference_in_the_issuer_payload_is_refused():
    refused(code(texts=(b"{}", b'{"_sd":["\x00\xff"]}', *TEXTS[2:])))


def test_an_sd_hash_reference_in_a_disclosure_is_refused():
    refused(code(texts=(*TEXTS[:2], b'["\x01\x10","a","\x00\xff"]', *TEXTS[3:])))


def test_a_disclosure_referencing_itself_is_refused():
    refused(code(texts=(*TEXTS[:2], b'["\x01\x10","a","\x00\x00"]', *TEXTS[3:])))


def test_disclosures_referencing_each_other_in_a_cycle_are_refused():
    one, two = b'["\x01\x10","a","\x00\x01"]', b'["\x01\x08","b","\x00\x00"]'
    refused(code(count=2, texts=(b"{}", b"{}", one, two, *TEXTS[3:]), raw=SALT + bytes(8)))


def test_a_marker_at_the_end_of_a_part_is_refused():
    refused(code(texts=(b"{}\x00", *TEXTS[1:])))
    refused(code(texts=(b"{}\x01", *TEXTS[1:])))


def test_a_raw_string_past_the_raw_section_is_refused():
    refused(code(raw=SALT[:4]))


def test_an_empty_raw_string_is_refused():
    refused(code(texts=(*TEXTS[:2], b'["\x01\x00","age_over_18",true]', *TEXTS[3:]), raw=b""))


def test_references_that_expand_past_the_output_limit_are_too_large():
    many = b'{"_sd":["' + b'","'.join([b"\x00\x00"] * 400) + b'"]}'
    refused(code(texts=(b"{}", many, *TEXTS[2:])), reason="too_large")


# --- Whatever the input, only FormatError ----------------------------------------------------------------


def test_random_mutations_of_a_real_code_raise_nothing_but_format_error(world: World):
    text = encode_transport(world.present())
    chance = random.Random(9285)  # seeded: the same mutations on every run
    for _ in range(1500):
        chars = list(text)
        for _ in range(chance.randint(1, 4)):
            at = chance.randrange(len(PREFIX), len(chars))
            match chance.randrange(3):
                case 0:
                    chars[at] = str(chance.randrange(10))
                case 1:
                    del chars[at]
                case _:
                    chars.insert(at, str(chance.randrange(10)))
        with contextlib.suppress(FormatError):  # anything else escapes and fails the test
            assert isinstance(decode_transport("".join(chars)), str)


def test_random_digit_strings_raise_nothing_but_format_error():
    chance = random.Random(1951)
    for _ in range(1500):
        body = "".join(str(chance.randrange(10)) for _ in range(chance.randrange(0, 400)))
        with contextlib.suppress(FormatError):
            assert isinstance(decode_transport(PREFIX + body), str)


# --- Through the verifier --------------------------------------------------------------------------------


def test_the_verifier_reports_a_damaged_code_as_malformed(world: World):
    assert reasons(world.verify(code(after=b"\x00"))) == ["malformed"]
    assert reasons(world.verify("CW2:0123")) == ["malformed"]


def test_the_verifier_reports_a_bomb_as_too_large(world: World):
    assert reasons(world.verify(code(stream=deflated(bytes(1 << 20))))) == ["too_large"]


def test_a_lowercase_prefix_is_not_compact_and_so_malformed(world: World):
    assert reasons(world.verify("cw1:" + code()[len(PREFIX) :])) == ["malformed"]


def test_a_damaged_real_code_is_refused_not_misread(world: World):
    """One digit changed in a real code: refused by the codec, or decoded to something the checks refuse."""
    text = encode_transport(world.present())
    changed = text[:-40] + str((int(text[-40]) + 1) % 10) + text[-39:]

    assert not world.verify(changed).valid
