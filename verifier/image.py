"""Reading the presentation out of a QR code image (a photo or a screenshot): Pillow loads, zxing-cpp decodes.

zxing-cpp, restricted to QR codes, was the fastest and the only reader that decoded every camera-like photo
in our trials (docs/qr-format.md); restricting the formats also keeps it from finding a barcode in noise.
The image is bounded before it is decoded: file size, pixel count, and only PNG, JPEG and WebP are opened.
"""

from __future__ import annotations

import struct
from pathlib import Path

import zxingcpp
from PIL import Image

from verifier.errors import VerifierError

FORMATS = ("PNG", "JPEG", "WEBP")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is downscaled by every camera app we know before sharing
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
# What Pillow may raise on a hostile or damaged file besides OSError (unidentified, truncated): ValueError
# (a text chunk that decompresses past MAX_TEXT_CHUNK), SyntaxError and struct.error (broken chunk
# structure), EOFError, MemoryError, and its decompression-bomb check. All are an unreadable image.
_UNREADABLE = (
    OSError,
    ValueError,
    SyntaxError,
    struct.error,
    EOFError,
    MemoryError,
    Image.DecompressionBombError,
)
# zxing-cpp's binding turns C++ exceptions into RuntimeError (or ValueError for bad arguments).
_UNDECODABLE = (RuntimeError, ValueError, MemoryError)


class ImageError(VerifierError):
    """The image cannot be read, or holds no QR code (or several). The operator's to fix: take another."""


def decode_qr_image(path: str | Path) -> str:
    """The text of the one QR code in the image at ``path``. Raises ImageError."""
    found = {barcode.text for barcode in _read(_load(Path(path)), path) if barcode.valid}
    if not found:
        raise ImageError(f"no QR code found in {path}")
    if len(found) > 1:
        raise ImageError(f"{path} holds {len(found)} different QR codes: show one at a time")
    return found.pop()


def _load(path: Path) -> Image.Image:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        with Image.open(path, formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(f"{path} has more than {MAX_PIXELS} pixels")
            return _on_white(image)
    except _UNREADABLE as e:
        raise ImageError(f"cannot read the image {path}: {e}") from e


def _on_white(image: Image.Image) -> Image.Image:
    """Greyscale, transparency flattened onto white (a transparent PNG would otherwise read as all black)."""
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(background, rgba).convert("L")
    return image.convert("L")


def _read(image: Image.Image, path: str | Path) -> list[zxingcpp.Barcode]:
    try:
        return zxingcpp.read_barcodes(image, formats=_QR_ONLY, text_mode=zxingcpp.TextMode.Plain)
    except _UNDECODABLE as e:
        raise ImageError(f"cannot decode the image {path}: {e}") from e
