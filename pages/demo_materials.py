"""Demo materials and wall for `seed_demo` (issue 14): the 4 August day of
solidarity (seed 002) gets its hashtags, a how-to and two posters drawn here
with Pillow; the 2012 letter marathon gets two quoted letters on its wall.

Every sentence is written for the demo from the seeds' facts (lanterns in
Japan, street banners in Slovenia, the hashtags and the ways to take part on
4 August); none is quoted from the sources.
"""

import datetime as dt
import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from campaigns import materials
from campaigns.models import Campaign, CampaignMaterial
from letters import services as letters_services
from letters.models import DeliveryBatch, Letter, WallExcerpt
from prisoners.models import Facility

HASHTAGS = "#4august #4августа #bysoliday"

HOW_TO = {
    "en": (
        "Print one of the posters below, take a photo with it where you live and post it "
        "with the hashtags.\n\n"
        "Hold a picket, or give a street or square a new name for one day: Free Belarus "
        "Square, or the name of a political prisoner.\n\n"
        "Tell people around you about the day, and send photos of your action with the "
        "name of your city to the organisers."
    ),
    "be": (
        "Раздрукуйце адзін з плакатаў ніжэй, сфатаграфуйцеся з ім там, дзе вы жывяце, і "
        "апублікуйце фота з хэштэгамі.\n\n"
        "Правядзіце пікет або дайце вуліцы ці плошчы новую назву на адзін дзень: плошча "
        "Свабоднай Беларусі ці імя палітвязня.\n\n"
        "Раскажыце пра гэты дзень людзям вакол і дашліце арганізатарам фота вашай акцыі з "
        "назвай горада."
    ),
    "ru": (
        "Распечатайте один из плакатов ниже, сфотографируйтесь с ним там, где вы живёте, и "
        "опубликуйте фото с хэштегами.\n\n"
        "Проведите пикет или дайте улице или площади новое имя на один день: площадь "
        "Свободной Беларуси или имя политзаключённого.\n\n"
        "Расскажите об этом дне людям вокруг и пришлите организаторам фото вашей акции с "
        "названием города."
    ),
}

POSTERS = [
    # (key, kind, titles, lines drawn, colours)
    (
        "demo-poster-4-august",
        CampaignMaterial.Kind.POSTER,
        {
            "en": "Poster: 4 August, you are not alone",
            "be": "Плакат: 4 жніўня, вы не адны",
            "ru": "Плакат: 4 августа, вы не одни",
        },
        ["4 AUGUST", "4 ЖНІЎНЯ", "YOU ARE NOT ALONE", "#bysoliday"],
        ("#b3261e", "#ffffff"),
    ),
    (
        "demo-poster-square",
        CampaignMaterial.Kind.POSTER,
        {
            "en": "Street sign: Free Belarus Square",
            "be": "Шыльда: плошча Свабоднай Беларусі",
            "ru": "Табличка: площадь Свободной Беларуси",
        },
        ["FREE BELARUS", "SQUARE", "ПЛОШЧА СВАБОДНАЙ", "БЕЛАРУСІ"],
        ("#1a5fb4", "#ffffff"),
    ),
]


def _font(size: int):
    path = Path(settings.LETTERS_PDF_FONT)
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def poster_png(lines: list[str], colours: tuple[str, str], size=(840, 1188)) -> bytes:
    """An A-series poster (1:√2) with big centred lines, drawn from nothing."""
    background, ink = colours
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    draw.rectangle([30, 30, size[0] - 30, size[1] - 30], outline=ink, width=8)
    # The largest type at which the longest line fits inside the frame.
    points = 96
    font = _font(points)
    while points > 20 and max(draw.textlength(line, font=font) for line in lines) > size[0] - 140:
        points -= 4
        font = _font(points)
    heights = [draw.textbbox((0, 0), line, font=font)[3] for line in lines]
    y = (size[1] - sum(heights) - 40 * (len(lines) - 1)) // 2
    for line, height in zip(lines, heights, strict=True):
        width = draw.textlength(line, font=font)
        draw.text(((size[0] - width) / 2, y), line, font=font, fill=ink)
        y += height + 40
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@transaction.atomic
def seed_materials(campaign: Campaign) -> int:
    """Hashtags, how-to and posters for the 4 August day. Idempotent."""
    Campaign.objects.filter(pk=campaign.pk).update(
        hashtags=HASHTAGS, **{f"how_to_{lang}": text for lang, text in HOW_TO.items()}
    )
    made = 0
    for position, (key, kind, titles, lines, colours) in enumerate(POSTERS):
        # The English title is the natural key: seeding twice adds nothing.
        if campaign.materials.filter(title_en=titles["en"]).exists():
            continue
        # Through the same check as an editor's upload.
        clean = materials.material_clean(
            SimpleUploadedFile(f"{key}.png", poster_png(lines, colours), "image/png")
        )
        material = CampaignMaterial(
            campaign=campaign,
            kind=kind,
            position=position,
            file_type=clean.file_type,
            size=len(clean.data),
            **{f"title_{lang}": title for lang, title in titles.items()},
        )
        material.file.save(f"{key}.png", ContentFile(clean.data), save=False)
        material.save()
        made += 1
    return made


# (natural key, signed as, country, language, body, excerpt)
WALL_LETTERS = [
    (
        "demo-wall-lanterns",
        "Yuki",
        "JP",
        "en",
        "Dear Ales, today our class made paper lanterns with your name written on them. "
        "Tonight we will float them on the river so that their light travels towards you. "
        "You are not forgotten here.",
        "Tonight we will float them on the river so that their light travels towards you.",
    ),
    (
        "demo-wall-banner",
        "Tomaž",
        "SI",
        "en",
        "Dear Mr Bialiatski, this week we hung a banner with your name over a street in "
        "Ljubljana. People stop, read it and ask who you are, and then they write to you too. "
        "Stay strong: spring will come.",
        "People stop, read it and ask who you are, and then they write to you too.",
    ),
]


@transaction.atomic
def seed_wall(campaign: Campaign, *, moderator=None) -> int:
    """Two consented letters of the 2012 marathon, quoted on its wall. Idempotent.

    They were posted in January 2013 and stand for letters already counted in
    the partners' reports (the marathon's 104,731 actions), so they record no
    action in the ledger: that would count them twice.
    """
    prisoner = campaign.prisoners.get(slug="ales-bialiatski")
    made = 0
    batch = None
    for key, name, country, language, body, excerpt in WALL_LETTERS:
        if Letter.objects.filter(withdraw_token=key).exists():
            continue
        if batch is None:
            batch = DeliveryBatch.objects.create(
                facility=Facility.objects.get(name__startswith="SIZA-1"), created_by=moderator
            )
            posted = timezone.make_aware(dt.datetime(2013, 1, 11, 10, 0))
            DeliveryBatch.objects.filter(pk=batch.pk).update(
                created_at=posted - dt.timedelta(days=1), posted_at=posted, posted_by=moderator
            )
        letter = Letter.objects.create(
            prisoner=prisoner,
            campaign=campaign,
            kind=Letter.Kind.LETTER,
            status=Letter.Status.POSTED,
            sender_name=name,
            sender_email="",
            country=country,
            language=language,
            body=body,
            body_fingerprint=letters_services.body_fingerprint(body),
            withdraw_token=key,
            wall_consent=True,
            moderated_by=moderator,
            moderated_at=timezone.make_aware(dt.datetime(2012, 12, 20, 12, 0)),
            batch=batch,
            posted_at=timezone.make_aware(dt.datetime(2013, 1, 11, 10, 0)),
            email_erased_at=timezone.make_aware(dt.datetime(2013, 3, 1, 0, 0)),
        )
        Letter.objects.filter(pk=letter.pk).update(
            created_at=timezone.make_aware(dt.datetime(2012, 12, 14, 18, 0))
        )
        WallExcerpt.objects.create(
            letter=letter,
            text=excerpt,
            created_by=moderator,
            approved_by=moderator,
            approved_at=timezone.make_aware(dt.datetime(2013, 1, 20, 12, 0)),
        )
        made += 1
    return made
