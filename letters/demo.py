"""Demo letters for `seed_demo`: a few letters in different states.

Ales Bialiatski, whom the source articles are about, was released in 2014
(pages/demo.py), so the demo's writable prisoner is Mikalai Statkevich, a
presidential candidate of December 2010 who was then in prison. The seeds do
not say where he was held; the demo places him in SIZA-1 in Minsk (the
remand prison the seeds name) so that letters have an address: an
illustration, marked as such in the README.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from letters import services
from letters.models import Letter
from prisoners.models import Facility, Imprisonment, Prisoner

WRITABLE_SLUG = "mikalai-statkevich"

DEMO_LETTERS = [
    # (natural key, kind, language, signed, country, body, final state)
    (
        "demo-letter-posted",
        Letter.Kind.LETTER,
        "pl",
        "Marta",
        "PL",
        "Dear Mikalai, greetings from Kraków. The first snow fell today and the children in our "
        "street built a snowman with a red scarf. I hope you have warm socks and good books. "
        "We think of you often.",
        Letter.Status.POSTED,
    ),
    (
        "demo-postcard-approved",
        Letter.Kind.POSTCARD,
        "en",
        "Aoife",
        "IE",
        "Hello from Galway! The sea is grey and wild this week, and the swans are back on the "
        "river. Sending you a warm handshake across Europe.",
        Letter.Status.APPROVED,
    ),
    (
        "demo-letter-submitted",
        Letter.Kind.LETTER,
        "ru",
        "Ханна",
        "LT",
        "Добрый день! Пишу вам из Вильнюса. У нас уже зажгли ёлку на Кафедральной площади. "
        "Желаю вам здоровья и сил.",
        Letter.Status.SUBMITTED,
    ),
    (
        "demo-letter-changes",
        Letter.Kind.LETTER,
        "de",
        "Jonas",
        "DE",
        "Lieber Mikalai, ich habe über deinen Prozess gelesen und bin wütend über das Urteil.",
        Letter.Status.NEEDS_CHANGES,
    ),
]


@transaction.atomic
def seed_letters(*, moderator=None) -> int:
    statkevich = Prisoner.objects.get(slug=WRITABLE_SLUG)
    siza1 = Facility.objects.get(name__startswith="SIZA-1")
    if not Imprisonment.objects.filter(prisoner=statkevich, until__isnull=True).exists():
        Imprisonment.objects.create(
            prisoner=statkevich, facility=siza1, since=dt.date(2010, 12, 20)
        )
    moderator = moderator or get_user_model().objects.filter(is_superuser=True).first()
    made = 0
    for key, kind, language, name, country, body, state in DEMO_LETTERS:
        # The withdraw token doubles as the natural key: seeding twice adds nothing.
        if Letter.objects.filter(withdraw_token=key).exists():
            continue
        letter = services.letter_submit(
            prisoner=statkevich,
            kind=kind,
            body=body,
            language=language,
            sender_name=name,
            sender_email="",
            country=country,
            send_confirmation=False,
        )
        Letter.objects.filter(pk=letter.pk).update(withdraw_token=key)
        made += 1
        if state == Letter.Status.NEEDS_CHANGES:
            services.letter_request_changes(
                letter=letter,
                moderator=moderator,
                note="Mentions the trial: the censor would "
                "confiscate it. Asked the writer for another text.",
            )
        if state in (Letter.Status.APPROVED, Letter.Status.POSTED):
            services.letter_approve(letter=letter, moderator=moderator)
        if state == Letter.Status.POSTED:
            services.letter_translation_save(
                letter=letter,
                moderator=moderator,
                translation="Дорогой Николай, привет из Кракова. Сегодня выпал первый снег, и дети "
                "на нашей улице слепили снеговика в красном шарфе. Надеюсь, у вас есть тёплые "
                "носки и хорошие книги. Мы часто думаем о вас.",
            )
            batch = services.batch_create(facility=siza1, letters=[letter], moderator=moderator)
            services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    return made
