"""Drawing a presentation as a QR code: compact in numeric mode, levels by profile, images that scan back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import qrcode
import qrcode.util

from tests.holder.credentials import NOW, scan_png
from verifier.qrcodec import decode_transport
from verifier.qrdraw import qr_version
from wallet.holder.present import POLICE, present, venue
from wallet.holder.qr import QrTooLarge, presentation_qr


@pytest.fixture
def venue_text(proof_of_age, device):
    return present(proof_of_age, device, venue(), now=NOW).text


@pytest.fixture
def police_text(licence, device):
    return present(licence, device, POLICE, now=NOW).text


def _modes(text: str) -> list[int]:
    """The QR segment modes ``qrcode`` picks for ``text``, added as verifier/qrdraw.py adds it."""
    code = qrcode.QRCode()
    code.add_data(text)
    return [segment.mode for segment in code.data_list]


def test_compact_text_is_drawn_in_numeric_mode(venue_text):
    code = presentation_qr(venue_text, level="M")

    # The 4-character prefix goes in one short segment; every digit after it in numeric mode.
    assert _modes(code.text) == [qrcode.util.MODE_8BIT_BYTE, qrcode.util.MODE_NUMBER]
    assert code.compact
    assert decode_transport(code.text) == venue_text


def test_plain_text_is_drawn_in_byte_mode(venue_text):
    code = presentation_qr(venue_text, level="M", plain=True)

    assert code.text == venue_text
    assert not code.compact
    assert qrcode.util.MODE_8BIT_BYTE in _modes(code.text)
    assert qrcode.util.MODE_NUMBER not in _modes(code.text)


def test_the_compact_venue_code_is_at_most_version_18_at_m_and_far_below_plain(venue_text):
    compact = presentation_qr(venue_text, level="M")
    plain = presentation_qr(venue_text, level="M", plain=True)

    assert compact.version <= 18
    assert plain.version >= compact.version + 10
    assert compact.version == qr_version(compact.text, level="M")


def test_the_compact_police_code_is_at_most_version_27_at_l(police_text):
    assert presentation_qr(police_text, level="L").version <= 27


def test_the_plain_police_presentation_fits_no_qr_code(police_text):
    with pytest.raises(QrTooLarge, match="level L"):
        presentation_qr(police_text, level="L", plain=True)


@pytest.mark.parametrize("level", ["M", "L"])
def test_the_png_scans_back_to_the_exact_text(venue_text, level):
    code = presentation_qr(venue_text, level=level)

    assert scan_png(code.image("png")) == code.text


def test_the_level_changes_the_version(police_text):
    """The level reaches the drawing: at M the same police code needs a larger version than at L."""
    assert presentation_qr(police_text, level="M").version > presentation_qr(police_text, level="L").version


def test_the_svg_is_an_svg_document(venue_text):
    svg = presentation_qr(venue_text, level="M").image("svg")

    assert ET.fromstring(svg).tag.endswith("svg")  # noqa: S314 - our own output


def test_describe_names_version_level_size_and_form(venue_text):
    code = presentation_qr(venue_text, level="M")

    assert code.describe() == f"QR version {code.version} at level M, {len(code.text)} bytes (compact CW1)"


def test_what_the_compact_form_cannot_carry_is_shown_plain():
    odd = "eyJhbGciOiJFUzI1NiJ9.e30.AA~"  # a one-byte signature: carried; a NUL in JSON would not be
    with_nul = "AA.e30.AA~"  # header is the single byte 0x00

    assert presentation_qr(odd, level="M").compact
    code = presentation_qr(with_nul, level="M")
    assert (code.compact, code.text) == (False, with_nul)
