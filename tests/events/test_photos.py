import io

import pytest
from PIL import Image

from events import photos
from tests.events.conftest import assert_no_metadata, jpeg_with_metadata, upload


def test_it_rebuilds_a_jpeg_without_any_metadata():
    clean = photos.photo_clean(upload(jpeg_with_metadata()))
    assert clean.extension == "jpg"
    assert (clean.width, clean.height) == (64, 48)
    assert_no_metadata(clean.data)
    assert_no_metadata(clean.thumbnail)


def test_it_keeps_png_and_webp_as_they_are():
    for fmt, ext in (("PNG", "png"), ("WEBP", "webp")):
        out = io.BytesIO()
        Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, fmt)
        clean = photos.photo_clean(upload(out.getvalue(), name=f"a.{ext}"))
        assert clean.extension == ext
        with Image.open(io.BytesIO(clean.data)) as image:
            assert image.format == fmt and image.size == (20, 10)


def test_it_refuses_a_text_file_named_jpg():
    with pytest.raises(photos.PhotoRejected, match="not a JPEG, PNG or WebP"):
        photos.photo_clean(upload(b"just some text, not a photo\n" * 10))


def test_it_refuses_a_gif():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(photos.PhotoRejected, match="Only JPEG, PNG and WebP"):
        photos.photo_clean(upload(out.getvalue(), name="a.gif"))


def test_it_refuses_60_megapixels_from_the_header_without_decoding(monkeypatch):
    out = io.BytesIO()
    Image.new("1", (8000, 7500)).save(out, "PNG")
    assert len(out.getvalue()) < 1_000_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(1))
    with pytest.raises(photos.PhotoRejected, match="40 megapixels"):
        photos.photo_clean(upload(out.getvalue(), name="big.png"))
    assert decoded == []


def test_it_refuses_a_decompression_bomb_past_pillows_hard_limit():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")
    with pytest.raises(photos.PhotoRejected, match="40 megapixels"):
        photos.photo_clean(upload(out.getvalue(), name="bomb.png"))


def test_it_refuses_more_than_10_mb():
    data = jpeg_with_metadata() + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(photos.PhotoRejected, match="10 MB"):
        photos.photo_clean(upload(data))


def test_it_refuses_a_truncated_photo():
    data = jpeg_with_metadata(size=(400, 300))
    with pytest.raises(photos.PhotoRejected):
        photos.photo_clean(upload(data[: len(data) // 3]))
