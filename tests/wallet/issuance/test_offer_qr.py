"""The offer an agency hands over: its content, and its QR codes (PNG and SVG) that must carry its URI."""

from __future__ import annotations

import base64
import io
import re
import uuid
import xml.etree.ElementTree as ET

import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image

from tests.wallet.issuance.conftest import count
from verifier.qrdraw import qr_version
from wallet.issuance.models import CredentialAuthorisation

QUIET_ZONE = 4  # modules of white border a QR code needs around it
SVG = "{http://www.w3.org/2000/svg}"


def test_the_offer_names_this_issuer_and_both_configurations(offer, rt):
    authorisation_id = uuid.UUID(offer["authorisation_id"])

    assert offer["credential_offer"]["credential_issuer"] == f"{rt.settings.public_url}/issuers/transport"
    assert offer["credential_offer"]["credential_configuration_ids"] == ["driver_licence", "proof_of_age"]
    assert re.fullmatch(r"[0-9]{6}", offer["tx_code"])
    assert offer["tx_code"] not in offer["credential_offer_uri"]  # it must reach the person another way
    assert count(rt, CredentialAuthorisation, CredentialAuthorisation.id == authorisation_id) == 1


def _qr_matrices(text):
    """The module matrices (quiet zone included) of ``text``'s QR code, at each error-correction level."""
    for level in ("ERROR_CORRECT_L", "ERROR_CORRECT_M", "ERROR_CORRECT_Q", "ERROR_CORRECT_H"):
        code = qrcode.QRCode(error_correction=getattr(qrcode.constants, level), border=QUIET_ZONE)
        code.add_data(text)
        code.make(fit=True)
        yield code.get_matrix()


def _png_modules(offer):
    """The dark modules of the PNG QR code, read at the centre of each module."""
    prefix = "data:image/png;base64,"
    assert offer["qr_png"].startswith(prefix)
    png = base64.b64decode(offer["qr_png"].removeprefix(prefix), validate=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("L")
    side = 4 * qr_version(offer["credential_offer_uri"]) + 17 + 2 * QUIET_ZONE  # modules, quiet zone included
    assert image.width == image.height
    assert image.width % side == 0
    box = image.width // side
    return image, [
        [image.getpixel((x * box + box // 2, y * box + box // 2)) < 128 for x in range(side)]
        for y in range(side)
    ]


def test_the_png_qr_code_carries_the_offer_uri(offer):
    uri = offer["credential_offer_uri"]
    image, modules = _png_modules(offer)

    # A set: zxing-cpp may report one code twice (two finder-pattern triples).
    # QR only: looking for every format, zxing-cpp can also find a short Codabar in a QR code's modules.
    assert {
        result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    } == {uri}
    # And exactly the modules of the URI's QR code, of the smallest version.
    assert modules in list(_qr_matrices(uri))


def test_the_svg_qr_code_draws_the_same_modules(offer):
    _, modules = _png_modules(offer)
    svg = ET.fromstring(offer["qr_svg"])  # noqa: S314 - our own server's output, in a test

    assert svg.tag == f"{SVG}svg"
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V", svg.find(f"{SVG}path").get("d"))
    size = float(squares[0][2]) - float(squares[0][0])
    dark = {(round(float(y) / size), round(float(x) / size)) for x, y, _ in squares}
    assert dark == {(y, x) for y, row in enumerate(modules) for x, on in enumerate(row) if on}
