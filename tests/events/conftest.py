import datetime as dt
import io

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events import services
from events.models import Event
from tests import factories

VILNIUS = {"latitude": "54.68580", "longitude": "25.28770", "country": "LT", "city": "Vilnius"}


@pytest.fixture
def organiser(db):
    return factories.make_user(email="organiser@example.org")


@pytest.fixture
def unverified(db):
    return factories.make_user(email="unverified@example.org", verified=False)


@pytest.fixture
def moderator(db):
    user = factories.make_user(email="moderator@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def make_event(organiser, **fields):
    starts = fields.pop("starts_at", dt.datetime(2024, 5, 21, 15, 0, tzinfo=dt.UTC))
    prisoners = fields.pop("prisoners", [])
    defaults = {
        "kind": Event.Kind.RALLY,
        "title": "Rally on Cathedral Square",
        "description": "Speeches and songs.",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "timezone_name": "Europe/Vilnius",
        "city": "Vilnius",
        "country": "LT",
        "latitude": "54.68580",
        "longitude": "25.28770",
        "organiser": organiser,
        "organiser_name": "Belarusians of Vilnius",
        "contact": "CANARY-contact-7f3a@example.org",
    }
    event = Event(**{**defaults, **fields})
    services.event_local_dates_set(event=event)
    event.save()
    event.prisoners.set(prisoners)
    return event


def jpeg_with_metadata(size=(64, 48)) -> bytes:
    """A JPEG carrying EXIF with GPS, an XMP packet, an ICC profile and a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (54.0, 41.0, 9.0)
    gps[3] = "E"
    gps[4] = (25.0, 17.0, 15.0)
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>'
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(out, "JPEG", exif=exif, xmp=xmp, icc_profile=icc, comment=b"SECRET-COMMENT")
    data = out.getvalue()
    assert b"Exif" in data and b"SECRET-COMMENT" in data and b"<x:xmpmeta" in data
    return data


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_no_metadata(data: bytes):
    assert b"Exif" not in data
    assert b"<x:xmpmeta" not in data
    assert b"SECRET-XMP" not in data
    assert b"SECRET-COMMENT" not in data
    assert b"ICC_PROFILE" not in data
    assert b"CameraMaker" not in data
    # JPEG COM marker (0xFFFE) and APP1 (EXIF/XMP) segments
    assert b"\xff\xfe" not in data
    assert b"\xff\xe1" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert "icc_profile" not in image.info
        assert "comment" not in image.info


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        key = form.add_prefix(name)
        if isinstance(field, forms.SplitDateTimeField):
            data[f"{key}_0"], data[f"{key}_1"] = field.widget.decompress(value)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        else:
            data[key] = value
    return data


def admin_post_data(response) -> dict:
    """An admin change form as the browser would send it back, unchanged."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data
