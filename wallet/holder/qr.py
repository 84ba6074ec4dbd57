"""The presentation as the QR code the phone shows: compact ``CW1:`` text (plain on request), PNG or SVG.

The compact text is a prefix and decimal digits, so ``qrcode`` puts it in numeric mode (checked by the tests),
3.33 bits a character against 8 for the plain base64url text in byte mode. Error correction follows the
profile: M for venue codes (small, read off phones in poor light), L for police codes (large; at M a full
licence needs a version that phone screens draw with modules too small to scan).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

from qrcode.exceptions import DataOverflowError

from verifier.errors import FormatError
from verifier.qrcodec import encode_transport
from verifier.qrdraw import ErrorLevel, qr_png, qr_svg, qr_version

ImageFormat = Literal["png", "svg"]


class QrTooLarge(ValueError):
    """The text does not fit in a QR code (version 40) at this error-correction level."""


@dataclass(frozen=True, slots=True)
class PresentationQr:
    text: str  # what the QR code holds
    compact: bool
    level: ErrorLevel
    version: int  # 1-40

    @property
    def size(self) -> int:
        """Characters in the code (one byte each: the text is ASCII)."""
        return len(self.text)

    def describe(self) -> str:
        form = "compact CW1" if self.compact else "plain SD-JWT"
        return f"QR version {self.version} at level {self.level}, {self.size} bytes ({form})"

    def image(self, image_format: ImageFormat) -> bytes:
        if image_format == "svg":
            return qr_svg(self.text, level=self.level).encode("utf-8")
        return qr_png(self.text, level=self.level)


def presentation_qr(presentation: str, *, level: ErrorLevel, plain: bool = False) -> PresentationQr:
    """The QR code of ``presentation``: compact unless ``plain`` or the compact form cannot carry it exactly.

    Raises QrTooLarge when the text needs more than version 40.
    """
    text, compact = presentation, False
    # An unusual presentation that the compact form cannot reproduce exactly is shown plain.
    with contextlib.suppress(FormatError):
        text, compact = (presentation, False) if plain else (encode_transport(presentation), True)
    try:
        version = qr_version(text, level=level)
    except (ValueError, DataOverflowError) as e:  # qrcode 8 raises "Invalid version (was 41...)"
        raise QrTooLarge(f"{len(text)} bytes do not fit in a QR code at level {level}") from e
    return PresentationQr(text, compact, level, version)
