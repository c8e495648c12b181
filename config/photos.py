"""Photo checks and clean re-encoding: pure functions, no database.

An upload is opened lazily (Pillow reads only the header), its format and
size are checked before a single pixel is decoded, then the pixels are
copied into a brand-new image and encoded again. Only that copy is ever
stored: EXIF, GPS, XMP, ICC profiles and comments live outside the pixels
and do not survive.
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Phones save a photo with its depth map or preview as a multi-picture JPEG,
# which Pillow calls MPO: the first picture is an ordinary JPEG, and that is
# all we keep.
SAME_AS = {"MPO": "JPEG"}
# Only these decoders ever see an upload: Pillow does not even try to parse
# anything else (TIFF, PSD, EPS, ... and their parsers' bugs). No "MPO": Pillow
# has no opener of that name (Image.open raises KeyError for it); its JPEG
# opener is the one that returns a multi-picture file as format "MPO".
DECODERS = ["JPEG", "PNG", "WEBP"]
THUMBNAIL_SIZE = (480, 360)

# Our pixel limit is checked from the header (photo_check_header) before any
# pixel is decoded, so Pillow's process-wide MAX_IMAGE_PIXELS is left at its
# default: other code opening images keeps its own behaviour. Pillow's bomb
# warning (past its default) is turned into a refusal here too.
_TOO_BIG = (Image.DecompressionBombError, Image.DecompressionBombWarning)


class PhotoRejected(ValueError):
    pass


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    extension: str
    width: int
    height: int
    thumbnail: bytes


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise PhotoRejected(_("This photo is larger than 10 MB."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("This photo is larger than 10 MB."))
    return data


def _TOO_MANY_PIXELS() -> str:  # noqa: N802
    return _("This photo has more than 40 megapixels; please send a smaller one.")


def photo_check_header(data: bytes) -> tuple[str, tuple[int, int]]:
    """Format and size from the header alone; refuses before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=DECODERS) as image:
                fmt, size = image.format, image.size
    except _TOO_BIG:
        raise PhotoRejected(_TOO_MANY_PIXELS()) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(_("This file is not a JPEG, PNG or WebP photo.")) from None
    fmt = SAME_AS.get(fmt, fmt)
    if fmt not in ALLOWED_FORMATS:
        raise PhotoRejected(_("Only JPEG, PNG and WebP photos are accepted."))
    if size[0] * size[1] > MAX_PIXELS:
        raise PhotoRejected(_TOO_MANY_PIXELS())
    return fmt, size


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def photo_clean(upload) -> CleanPhoto:
    """Check an upload and return fresh bytes built from its pixels only."""
    data = _read(upload)
    fmt, _size = photo_check_header(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=DECODERS)
            # Turn the picture upright first: the orientation tag is about
            # to be dropped with the rest of the metadata.
            upright = ImageOps.exif_transpose(source)
            mode = (
                "RGBA"
                if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
                else "RGB"
            )
            if fmt == "JPEG":
                mode = "RGB"
            pixels = upright.convert(mode)
            fresh = Image.new(mode, pixels.size)
            fresh.paste(pixels)
    except _TOO_BIG:
        raise PhotoRejected(_TOO_MANY_PIXELS()) from None
    except (OSError, ValueError, SyntaxError):
        raise PhotoRejected(_("This photo could not be read; it may be damaged.")) from None
    thumb = fresh.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode != "RGB":
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    return CleanPhoto(
        data=_encode(fresh, fmt),
        extension=ALLOWED_FORMATS[fmt],
        width=fresh.width,
        height=fresh.height,
        thumbnail=_encode(thumb, "JPEG"),
    )
