import io

import pytest
from PIL import Image

from config import photos
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


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP"])
def test_it_refuses_other_formats_without_parsing_them(monkeypatch, fmt):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, fmt)
    # Pillow knows these formats; its parsers for them must not even look.
    Image.init()
    looked = []
    factory, accept = Image.OPEN[fmt]
    monkeypatch.setitem(
        Image.OPEN, fmt, (factory, lambda prefix: looked.append(fmt) or accept(prefix))
    )
    with pytest.raises(photos.PhotoRejected, match="not a JPEG, PNG or WebP"):
        photos.photo_clean(upload(out.getvalue(), name=f"a.{fmt.lower()}"))
    assert looked == []


def test_it_accepts_a_phones_multi_picture_jpeg_as_a_plain_jpeg():
    main = Image.new("RGB", (64, 48), (200, 30, 30))
    depth = Image.new("RGB", (32, 24), (0, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    out = io.BytesIO()
    main.save(out, "MPO", save_all=True, append_images=[depth], exif=exif)
    with Image.open(io.BytesIO(out.getvalue())) as image:
        assert image.format == "MPO" and image.n_frames == 2
    clean = photos.photo_clean(upload(out.getvalue(), name="IMG_0001.jpg"))
    assert clean.extension == "jpg"
    assert (clean.width, clean.height) == (64, 48)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG"
        assert getattr(image, "n_frames", 1) == 1
        assert image.getpixel((10, 10))[0] > 150  # the photo, not the depth map
    assert_no_metadata(clean.data)


def test_it_leaves_pillows_process_wide_pixel_limit_alone():
    limit = Image.MAX_IMAGE_PIXELS
    assert limit == int(1024 * 1024 * 1024 // 4 // 3)  # Pillow's default


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
