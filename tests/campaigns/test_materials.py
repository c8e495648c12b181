import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaigns import materials
from campaigns.models import CampaignMaterial
from tests import factories
from tests.events.conftest import admin_post_data, assert_no_metadata, jpeg_with_metadata

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_with_metadata() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRET-COMMENT")
    info.add_text("Author", "CameraMaker")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(out, "PNG", pnginfo=info)
    assert b"SECRET-COMMENT" in out.getvalue()
    return out.getvalue()


def file(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_material(client, campaign, upload, **fields):
    """The campaign's admin page sent back with one new material in its inline."""
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    data = admin_post_data(client.get(url))
    data.update(
        {
            "materials-TOTAL_FORMS": "1",
            "materials-0-campaign": campaign.pk,
            "materials-0-kind": fields.get("kind", "poster"),
            "materials-0-title_en": fields.get("title", "Poster for the day"),
            "materials-0-title_be": "Плакат",
            "materials-0-title_ru": "Плакат",
            "materials-0-position": "0",
            "materials-0-file": upload,
        }
    )
    return client.post(url, data)


def inline_errors(response) -> dict:
    (inline,) = response.context["inline_admin_formsets"]
    return inline.formset.forms[0].errors


def test_it_rebuilds_a_jpeg_poster_without_exif_gps_or_comment():
    clean = materials.material_clean(file(jpeg_with_metadata(), "poster.jpg"))
    assert clean.file_type == "jpg"
    assert_no_metadata(clean.data)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif().get_ifd(0x8825)  # no GPS


def test_it_rebuilds_a_png_without_its_text_chunks():
    clean = materials.material_clean(file(png_with_metadata(), "badge.png"))
    assert clean.file_type == "png"
    assert b"SECRET-COMMENT" not in clean.data and b"CameraMaker" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "PNG" and "Comment" not in image.info


def test_it_keeps_a_pdf_as_it_was_sent():
    assert materials.material_clean(file(PDF, "leaflet.pdf")).data == PDF


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello, not an image" * 5, "poster.png", "Only PDF, PNG and JPEG"),
        (jpeg_with_metadata(), "poster.png", "called poster.png but is not a PNG"),
        (PDF, "leaflet.jpg", "called leaflet.jpg but is not a JPEG"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.svg",
            "SVG",
        ),
        (b'<?xml version="1.0"?><svg/>', "poster.pdf", "SVG"),
        (b"GIF89a" + b"\0" * 20, "anim.gif", "Only PDF, PNG and JPEG"),
        (PDF[:-7], "cut.pdf", "incomplete or damaged"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
            "broken.png",
            "starts like a PNG image but could not be read",
        ),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_it_refuses_bad_files_with_a_reason(data, name, message):
    with pytest.raises(materials.MaterialRejected, match=message):
        materials.material_clean(file(data, name))


def test_it_refuses_a_file_over_10_mb(settings):
    big = file(b"%PDF-" + b"0" * (materials.MAX_BYTES + 10), "big.pdf")
    with pytest.raises(materials.MaterialRejected, match="larger than 10 MB"):
        materials.material_clean(big)


def test_it_stores_an_editors_upload_rebuilt_under_a_name_of_its_own(client, editor, campaign):
    client.force_login(editor)
    response = post_material(client, campaign, file(jpeg_with_metadata(), "IMG_home_kasia.jpg"))
    assert response.status_code == 302, inline_errors(response)
    material = CampaignMaterial.objects.get()
    assert material.file_type == "jpg" and material.title_be == "Плакат"
    assert "kasia" not in material.file.name
    with material.file.open("rb") as f:
        stored = f.read()
    assert material.size == len(stored)
    assert_no_metadata(stored)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a png at all" * 4, "poster.png", "Only PDF, PNG and JPEG files are accepted."),
        (b"<svg onload='alert(1)'/>", "poster.svg", "SVG files are not accepted"),
        (PDF, "poster.png", "is called poster.png but is not a PNG file"),
    ],
)
def test_it_shows_a_bad_upload_next_to_the_file_field(
    client, editor, campaign, data, name, message
):
    client.force_login(editor)
    response = post_material(client, campaign, file(data, name))
    assert response.status_code == 200
    assert message in " ".join(inline_errors(response)["file"])
    assert not CampaignMaterial.objects.exists()


def test_it_refuses_an_upload_over_the_limit_in_the_admin(client, editor, campaign, monkeypatch):
    monkeypatch.setattr(materials, "MAX_BYTES", 1000)
    client.force_login(editor)
    response = post_material(client, campaign, file(PDF + b"%" * 2000 + b"\n%%EOF", "big.pdf"))
    assert "larger than 10 MB" in " ".join(inline_errors(response)["file"])


def test_it_refuses_bad_hashtags_next_to_the_field(client, editor, campaign):
    client.force_login(editor)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    data = admin_post_data(client.get(url))
    response = client.post(url, {**data, "hashtags": "#4august bysoliday <b>"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["hashtags"]
    assert "bysoliday" in errors[0] and "&lt;b&gt;" in response.content.decode()


def test_a_moderator_cannot_add_materials(client, campaign):
    from django.contrib.auth.models import Group

    from config.roles import MODERATORS

    moderator = factories.make_user(email="mod@example.org", is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    client.force_login(moderator)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert client.post(url, {"hashtags": "#x"}).status_code == 403
    assert moderator.has_perm("campaigns.view_campaignmaterial")
    assert not moderator.has_perm("campaigns.add_campaignmaterial")


def make_material(campaign, data=PDF, file_type="pdf", **fields):
    from django.core.files.base import ContentFile

    material = CampaignMaterial(
        campaign=campaign,
        kind=fields.pop("kind", "leaflet"),
        title=fields.pop("title", "Leaflet"),
        file_type=file_type,
        size=len(data),
        **fields,
    )
    material.file.save(f"m.{file_type}", ContentFile(data), save=False)
    material.save()
    return material


def test_it_shows_downloads_how_to_and_hashtags_on_the_campaign_page(client, campaign):
    campaign.hashtags = "#4august #4августа #bysoliday"
    campaign.how_to = "Print a poster.\n\nPost a photo."
    campaign.save()
    make_material(campaign, title="Leaflet about the day", title_be="Улётка пра дзень")
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "Materials for the action" in page
    assert "#4august #4августа #bysoliday</code>" in page
    assert 'data-copy="campaign-hashtags"' in page and "js/copy.js" in page
    assert "<p>Print a poster.</p>" in page
    material = CampaignMaterial.objects.get()
    assert f'href="{material.file.url}" download' in page
    assert "Leaflet about the day" in page and "PDF" in page and f"{len(PDF)}\xa0bytes" in page
    be = client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="be")
    be_page = client.get("/be" + campaign.get_absolute_url()).content.decode()
    assert be.status_code == 200 and "Улётка пра дзень" in be_page


def test_it_has_no_materials_section_for_a_campaign_without_any(client, campaign):
    assert (
        "Materials for the action" not in client.get(campaign.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize("n", [1, 6])
def test_it_reads_materials_in_one_query_whatever_their_number(
    client, campaign, django_assert_num_queries, n
):
    campaign.hashtags = "#x"
    campaign.save()
    for i in range(n):
        make_material(campaign, title=f"Leaflet {i}")
    # As tests/campaigns/test_views.py: the materials are one of the page's queries.
    with django_assert_num_queries(6):
        assert client.get(campaign.get_absolute_url()).status_code == 200
