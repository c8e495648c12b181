"""A Belarusian and a Russian reader walk home → map → campaign → profile →
write → sent, each at their language's addresses, and meet no English word
of the interface: every visible text, option, label and button is read off
the page, and what is left in Latin letters must be a proper name or the
English content fallback, which the page marks lang="en"."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from prisoners.models import Prisoner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a page shows a reader, with the language each piece is marked with.
VISIBLE_TEXT = """() => {
  const out = [];
  const langOf = (el) => (el.closest('[lang]') || document.documentElement).getAttribute('lang');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !el || el.closest('script, style, template, code')) continue;
    if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
    out.push([text, langOf(el)]);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push([v.trim(), langOf(el)]);
    }
  }
  for (const el of document.querySelectorAll('input[type=submit], button')) {
    if (el.value) out.push([el.value, langOf(el)]);
  }
  return out;
}"""

# Proper names and terms that are the same in every language.
ALLOWED = {
    "Amnesty",
    "International",
    "FIDH",
    "JSON",
    "PNG",
    "SVG",
    "RSS",
    "iCalendar",
    "Natural",
    "Earth",
    "Leaflet",
    "Lawtrend",  # the Centre for Legal Transformation writes its name so
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


def english_words(page, language):
    """Latin-letter words shown as `language` text that are not allowed names."""
    found = set()
    for text, lang in page.evaluate(VISIBLE_TEXT):
        if lang != language:
            continue  # marked as another language: the English fallback, an event
        if text.startswith(("http://", "https://", "/")) or "@" in text:
            continue  # addresses
        for word in LATIN_WORD.findall(text):
            if word not in ALLOWED:
                found.add(f"{word} in {text[:60]!r}")
    return sorted(found)


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "be",
            {
                "map": "Мапа",
                "campaigns": "Кампаніі",
                "prisoners": "Вязні",
                "write": "Напісаць ліст або паштоўку",
                "body": "Ваш ліст",
                "sign": "Подпіс",
                "country": "Ваша краіна",
                "email": "Ваша электронная пошта",
                "consent": "Я згодны",
                "send": "Адправіць ліст",
                "thanks": "Дзякуй за ваш ліст",
                "name": "Мікалай Статкевіч",
                "lang_option": "be",
            },
        ),
        (
            "ru",
            {
                "map": "Карта",
                "campaigns": "Кампании",
                "prisoners": "Заключённые",
                "write": "Написать письмо или открытку",
                "body": "Ваше письмо",
                "sign": "Подпись",
                "country": "Ваша страна",
                "email": "Ваша электронная почта",
                "consent": "Я согласен",
                "send": "Отправить письмо",
                "thanks": "Спасибо за ваше письмо",
                "name": "Николай Статкевич",
                "lang_option": "ru",
            },
        ),
    ],
)
def test_a_reader_meets_no_english_on_the_way_to_a_letter(
    live_server, page, shoot, third_party_requests, language, labels
):
    call_command("seed_demo", "--no-admin", verbosity=0)
    # One English-only biography: shown, but marked as English.
    Prisoner.objects.filter(slug="andrei-sannikau").update(**{f"bio_{language}": ""})
    problems = {}

    def check(step):
        shoot(f"{step}")
        words = english_words(page, language)
        if words:
            problems[step] = words

    page.goto(f"{live_server.url}/{language}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check("1-home")
    page.get_by_role("navigation").get_by_role("link", name=labels["map"], exact=True).click()
    expect(page.locator("#solidarity-map path").first).to_be_attached()
    check("2-map")
    page.get_by_role("navigation").get_by_role("link", name=labels["campaigns"]).click()
    page.locator("article h2 a").first.click()
    expect(page).to_have_url(re.compile(f"/{language}/campaigns/[^/]+/$"))
    check("3-campaign")
    page.get_by_role("navigation").get_by_role("link", name=labels["prisoners"]).click()
    check("4-prisoners")
    page.get_by_role("link", name=labels["name"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(labels["name"])
    check("5-profile")
    page.get_by_role("link", name=labels["write"]).click()
    expect(page.get_by_label(labels["body"], exact=True)).to_be_visible()
    # The letter's language is preselected from the reader's.
    expect(page.locator("#id_language")).to_have_value(labels["lang_option"])
    check("6-write")
    page.get_by_label(labels["body"], exact=True).fill(
        "Добры дзень! Вясна ў нас ранняя, шмат сонца. Моцна абдымаем і чакаем дома."
    )
    page.get_by_label(labels["sign"], exact=True).fill("Каця")
    page.get_by_label(labels["country"]).select_option("LT")
    page.get_by_label(labels["email"]).fill("katsia@example.org")
    page.get_by_label(labels["consent"]).check()
    page.get_by_role("button", name=labels["send"]).click()
    expect(page.get_by_role("heading", name=labels["thanks"])).to_be_visible()
    expect(page).to_have_url(re.compile(f"/{language}/prisoners/mikalai-statkevich/write/sent/"))
    check("7-sent")
    assert third_party_requests == []
    [confirmation] = mail.outbox
    assert labels["name"] in confirmation.subject  # the e-mail is in the reader's language too
    assert problems == {}, "\n".join(f"{step}: {words}" for step, words in problems.items())
