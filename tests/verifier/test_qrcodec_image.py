"""QR code images in (verifier/image.py and ``credwallet verify IMAGE``): formats, photos, and refusals."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image, ImageFilter

from tests.verifier.helpers import AUD, NONCE, NOW, World
from verifier import image as image_module
from verifier.cli import verify
from verifier.image import ImageError, decode_qr_image
from verifier.qrcodec import encode_transport
from verifier.qrdraw import qr_png


@pytest.fixture(scope="module")
def compact(world: World) -> str:
    return encode_transport(world.present())


def _image(text: str) -> Image.Image:
    return Image.open(io.BytesIO(qr_png(text, level="M"))).convert("RGB")


def _save(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


@pytest.mark.parametrize("name", ["code.png", "code.jpg", "code.JPEG", "code.webp"])
def test_a_code_reads_back_from_each_format(compact, tmp_path, name):
    assert decode_qr_image(_save(_image(compact), tmp_path / name, quality=90)) == compact


def test_a_plain_presentation_reads_back_too(world, tmp_path):
    plain = world.present()

    assert decode_qr_image(_save(_image(plain), tmp_path / "plain.png")) == plain


def test_a_camera_like_photo_reads_back(compact, tmp_path):
    """Small, turned, blurred, on a grey table, saved as a lossy JPEG."""
    code = _image(compact).resize((560, 560)).rotate(11, expand=True, fillcolor="white")
    photo = Image.new("RGB", (900, 800), (120, 118, 110))
    photo.paste(code, (150, 60))
    photo = photo.filter(ImageFilter.GaussianBlur(1))

    assert decode_qr_image(_save(photo, tmp_path / "photo.jpg", quality=70)) == compact


def test_a_code_on_a_transparent_background_reads_back(compact, tmp_path):
    grey = _image(compact).convert("L")
    ink = grey.point(lambda value: 0 if value > 128 else 255)  # opaque where the modules are dark
    transparent = Image.merge("LA", (Image.new("L", grey.size, 0), ink))  # black everywhere, alpha decides

    assert decode_qr_image(_save(transparent, tmp_path / "transparent.png")) == compact


def test_an_image_without_a_code_is_refused(tmp_path):
    with pytest.raises(ImageError, match="no QR code found"):
        decode_qr_image(_save(Image.new("RGB", (400, 400), "white"), tmp_path / "blank.png"))


def test_an_image_with_two_different_codes_is_refused(tmp_path):
    first, second = _image("CW1:123"), _image("CW1:456")
    both = Image.new("RGB", (first.width + second.width, first.height), "white")
    both.paste(first, (0, 0))
    both.paste(second, (first.width, 0))

    with pytest.raises(ImageError, match="2 different QR codes"):
        decode_qr_image(_save(both, tmp_path / "two.png"))


def test_a_file_that_is_not_an_image_is_refused(tmp_path):
    path = tmp_path / "code.png"
    path.write_text("eyJhbGciOiJFUzI1NiJ9")

    with pytest.raises(ImageError, match="cannot read the image"):
        decode_qr_image(path)


def test_another_image_format_under_a_png_name_is_refused(compact, tmp_path):
    gif = _save(_image(compact), tmp_path / "code.gif")
    renamed = gif.rename(tmp_path / "code.png")

    with pytest.raises(ImageError, match="cannot read the image"):
        decode_qr_image(renamed)


def test_a_truncated_image_is_refused(compact, tmp_path):
    path = _save(_image(compact), tmp_path / "code.png")
    path.write_bytes(path.read_bytes()[:2000])

    with pytest.raises(ImageError, match="cannot read the image"):
        decode_qr_image(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ImageError, match="cannot read the image"):
        decode_qr_image(tmp_path / "missing.png")


def test_a_file_over_the_size_limit_is_refused(compact, tmp_path, monkeypatch):
    path = _save(_image(compact), tmp_path / "code.png")
    monkeypatch.setattr(image_module, "MAX_FILE_BYTES", path.stat().st_size - 1)

    with pytest.raises(ImageError, match="larger than"):
        decode_qr_image(path)


def test_an_image_over_the_pixel_limit_is_refused(compact, tmp_path, monkeypatch):
    path = _save(_image(compact), tmp_path / "code.png")
    monkeypatch.setattr(image_module, "MAX_PIXELS", 100 * 100)

    with pytest.raises(ImageError, match="more than 10000 pixels"):
        decode_qr_image(path)


# --- credwallet verify IMAGE -----------------------------------------------------------------------------


def _verify(world: World, tmp_path: Path, source: str) -> Result:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(world.trust_data()))
    args = ["--trust", str(trust), "--at", str(NOW), "--aud", AUD, "--nonce", NONCE, "--json", source]
    return CliRunner().invoke(verify, args, env={"CREDWALLET_VERIFIER_DIR": str(tmp_path / "device")})


def test_verify_reads_a_compact_code_from_an_image(world, tmp_path):
    path = _save(_image(encode_transport(world.present())), tmp_path / "code.png")

    result = _verify(world, tmp_path, str(path))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "valid"


def test_verify_reads_an_image_named_with_at(world, tmp_path):
    path = _save(_image(encode_transport(world.present())), tmp_path / "code.jpg", quality=90)

    assert _verify(world, tmp_path, f"@{path}").exit_code == 0


@pytest.mark.parametrize("name", ["missing.png", "code.JPG", "@code.jpeg", "code.webp"])
def test_verify_of_an_unreadable_image_exits_2(world, tmp_path, name):
    result = _verify(world, tmp_path, str(tmp_path / name))

    assert result.exit_code == 2
    assert "cannot read the image" in result.output


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_png_with_an_oversized_text_chunk_is_refused_and_verify_exits_2(world, tmp_path):
    """A 2 KB PNG whose zTXt chunk inflates past Pillow's MAX_TEXT_CHUNK: Pillow raises ValueError."""
    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, "PNG")
    png, after_ihdr = buffer.getvalue(), 8 + 25  # the signature, then IHDR (13 bytes of data)
    bomb = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (2 * 1024 * 1024), 9))
    path = tmp_path / "bomb.png"
    path.write_bytes(png[:after_ihdr] + bomb + png[after_ihdr:])
    assert path.stat().st_size < 4096

    with pytest.raises(ImageError, match="cannot read the image"):
        decode_qr_image(path)
    result = _verify(world, tmp_path, str(path))
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "cannot read the image" in result.output


def test_verify_of_an_image_without_a_code_exits_2(world, tmp_path):
    path = _save(Image.new("RGB", (300, 300), "white"), tmp_path / "blank.png")

    result = _verify(world, tmp_path, str(path))

    assert result.exit_code == 2
    assert "no QR code found" in result.output
