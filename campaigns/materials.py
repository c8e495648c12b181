"""Campaign materials: what an uploaded file really is, and its clean copy.

The type comes from the file's first bytes, never from its name or the
browser's word: a PDF starts with ``%PDF-``, a PNG and a JPEG with their
signatures. Images are rebuilt from their pixels by config.photos (one owner
for image cleaning), so EXIF, GPS, XMP and comments do not survive. SVG is
refused: it is a document that can carry scripts and links to other sites,
and no sanitiser is among our dependencies; a poster can be sent as PDF or PNG.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from config import photos

MAX_BYTES = photos.MAX_BYTES  # 10 MB, as event photos

PDF = "pdf"
PNG = "png"
JPEG = "jpg"
CONTENT_TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}
# What a file's name may claim, and the type it must then really be.
_CLAIMED = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG}
_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}


class MaterialRejected(ValueError):
    pass


@dataclass(frozen=True)
class CleanMaterial:
    data: bytes
    file_type: str
    width: int | None = None
    height: int | None = None


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _looks_like_svg(name: str, head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return name.lower().endswith((".svg", ".svgz")) or text.startswith((b"<svg", b"<?xml"))


def material_clean(upload) -> CleanMaterial:
    """Check an upload and return the bytes to store: a PDF as sent, an image rebuilt."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise MaterialRejected(_("This file is larger than 10 MB."))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise MaterialRejected(_("This file is larger than 10 MB."))
    if not data:
        raise MaterialRejected(_("This file is empty."))
    name = getattr(upload, "name", "") or ""
    if _looks_like_svg(name, data[:512]):
        raise MaterialRejected(
            _("SVG files are not accepted (they can carry scripts). Please send a PDF or PNG.")
        )
    actual = _sniff(data[:16])
    if actual is None:
        raise MaterialRejected(_("Only PDF, PNG and JPEG files are accepted."))
    claimed = _CLAIMED.get(PurePosixPath(name.lower()).suffix)
    if claimed is not None and claimed != actual:
        raise MaterialRejected(
            _("This file is called %(name)s but is not a %(claimed)s file.")
            % {"name": PurePosixPath(name).name, "claimed": _NAMES[claimed]}
        )
    if actual == PDF:
        # A PDF ends with an end-of-file marker (possibly followed by a few
        # bytes of padding): a cut-off download is refused here.
        if b"%%EOF" not in data[-1024:]:
            raise MaterialRejected(_("This PDF is incomplete or damaged."))
        return CleanMaterial(data=data, file_type=PDF)
    try:
        clean = photos.photo_clean(upload)
    except photos.PhotoRejected:
        raise MaterialRejected(
            _(
                "This file starts like a %(type)s image but could not be read: it is damaged "
                "or larger than 40 megapixels."
            )
            % {"type": _NAMES[actual]}
        ) from None
    return CleanMaterial(
        data=clean.data,
        file_type=JPEG if clean.extension == "jpg" else PNG,
        width=clean.width,
        height=clean.height,
    )
