"""Drawing text as a QR code, as PNG or SVG (the ``qrcode`` package), for offers and presentations."""

from __future__ import annotations

import io
from typing import Literal

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

ErrorLevel = Literal["L", "M", "Q", "H"]
_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def _code(text: str, level: ErrorLevel) -> qrcode.QRCode[PilImage]:
    code = qrcode.QRCode(error_correction=_LEVELS[level], border=4, box_size=8, image_factory=PilImage)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_png(text: str, *, level: ErrorLevel = "M") -> bytes:
    buffer = io.BytesIO()
    _code(text, level).make_image(image_factory=PilImage).save(buffer)
    return buffer.getvalue()


def qr_svg(text: str, *, level: ErrorLevel = "M") -> str:
    buffer = io.BytesIO()
    _code(text, level).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue().decode("utf-8")


def qr_version(text: str, *, level: ErrorLevel = "M") -> int:
    """The smallest QR version (1-40) that holds ``text`` at this error-correction level."""
    version: int = _code(text, level).version
    return version
