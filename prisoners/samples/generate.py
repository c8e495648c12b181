"""Write the sample prisoner list: facilities-sample.csv, prisoners-sample.csv/.xlsx.

    .venv/bin/python prisoners/samples/generate.py [ROWS]

SAMPLE DATA: every person is invented (names drawn at random from common
first names and surnames), every id starts with SAMPLE-, every name ends with
"(sample)" in its language, and every row is unpublished (published = no).
The facilities are invented too. The shape follows a real prisoner database:
names in Latin, Belarusian and Russian, birth date, status, arrest date,
articles of the criminal code, sentence, place of detention.
The output is the same on every run (a fixed random seed).
"""

import csv
import datetime as dt
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FACILITY_HEADERS = [
    "external_id",
    "name_en",
    "name_be",
    "name_ru",
    "address",
    "address_original",
    "city",
    "country",
]
PRISONER_HEADERS = [
    "external_id",
    "name_en",
    "name_be",
    "name_ru",
    "birth_date",
    "status",
    "arrest_date",
    "articles",
    "sentence",
    "facility_id",
    "published",
]

# (Latin, Belarusian, Russian)
CITIES = [
    ("Minsk", "Мінск", "Минск", "220000"),
    ("Homiel", "Гомель", "Гомель", "246000"),
    ("Mahiliou", "Магілёў", "Могилёв", "212000"),
    ("Viciebsk", "Віцебск", "Витебск", "210000"),
    ("Hrodna", "Гродна", "Гродно", "230000"),
    ("Brest", "Брэст", "Брест", "224000"),
]
FIRST = [
    ("Ales", "Алесь", "Алесь"),
    ("Andrei", "Андрэй", "Андрей"),
    ("Mikalai", "Мікалай", "Николай"),
    ("Siarhei", "Сяргей", "Сергей"),
    ("Ihar", "Ігар", "Игорь"),
    ("Paval", "Павал", "Павел"),
    ("Dzmitry", "Дзмітрый", "Дмитрий"),
    ("Uladzimir", "Уладзімір", "Владимир"),
    ("Maryia", "Марыя", "Мария"),
    ("Volha", "Вольга", "Ольга"),
    ("Hanna", "Ганна", "Анна"),
    ("Iryna", "Ірына", "Ирина"),
    ("Kseniya", "Ксенія", "Ксения"),
    ("Natallia", "Наталля", "Наталья"),
]
LAST = [
    ("Kavalenka", "Каваленка", "Коваленко"),
    ("Shautsou", "Шаўцоў", "Шевцов"),
    ("Novik", "Новік", "Новик"),
    ("Zhuk", "Жук", "Жук"),
    ("Melnik", "Мельнік", "Мельник"),
    ("Klimovich", "Клімовіч", "Климович"),
    ("Bondar", "Бондар", "Бондарь"),
    ("Lukashevich", "Лукашэвіч", "Лукашевич"),
    ("Sidarenka", "Сідарэнка", "Сидоренко"),
    ("Tkachuk", "Ткачук", "Ткачук"),
    ("Hurynovich", "Гурыновіч", "Гуринович"),
    ("Marozau", "Марозаў", "Морозов"),
]
ARTICLES = [
    "Art. 342 part 1 (group actions grossly violating public order)",
    "Art. 361-1 (creating or taking part in an extremist formation)",
    "Art. 130 part 3 (inciting hatred)",
    "Art. 368 (insulting the president)",
    "Art. 369 (insulting a public official)",
    "Art. 293 part 2 (taking part in mass riots)",
    "Art. 361-4 (assisting extremist activity)",
]
STATUSES = ["convicted"] * 7 + ["detained"] * 2 + ["released"]
SENTENCES = [
    "{n} in a general-regime penal colony",
    "{n} in a reinforced-regime penal colony",
    "{n} of restricted freedom",
]


def facilities(count: int = 12) -> list[dict]:
    rows = []
    for n in range(1, count + 1):
        city, city_be, city_ru, postcode = CITIES[(n - 1) % len(CITIES)]
        rows.append(
            {
                "external_id": f"SAMPLE-F{n:02d}",
                "name_en": f"Penal colony No. {n} (sample)",
                "name_be": f"Папраўчая калонія № {n} (узор)",
                "name_ru": f"Исправительная колония № {n} (образец)",
                "address": f"Penal colony No. {n}\n{postcode} {city}\nBelarus",
                "address_original": f"ИК-{n}\n{postcode} г. {city_ru}\nБеларусь",
                "city": city,
                "country": "BY",
            }
        )
    return rows


def prisoners(count: int, facility_ids: list[str]) -> list[dict]:
    rng = random.Random(13)
    rows = []
    for n in range(1, count + 1):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(53 * 365))
        arrested = dt.date(2020, 8, 9) + dt.timedelta(days=rng.randrange(5 * 365))
        status = rng.choice(STATUSES)
        years = rng.randint(1, 15)
        term = f"{years} year" if years == 1 else f"{years} years"
        # A released prisoner is held nowhere now: no current place of detention.
        held = status != "released"
        rows.append(
            {
                "external_id": f"SAMPLE-{n:05d}",
                "name_en": f"{first[0]} {last[0]} (sample)",
                "name_be": f"{first[1]} {last[1]} (узор)",
                "name_ru": f"{first[2]} {last[2]} (образец)",
                "birth_date": born,
                "status": status,
                "arrest_date": arrested if held else "",
                "articles": "; ".join(sorted(rng.sample(ARTICLES, rng.randint(1, 2)))),
                "sentence": "" if status == "detained" else rng.choice(SENTENCES).format(n=term),
                "facility_id": rng.choice(facility_ids) if held else "",
                "published": "no",
            }
        )
    return rows


def write_csv(path: Path, headers: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=headers)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
            )


def write_xlsx(path: Path, headers: list[str], rows: list[dict]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("prisoners")
    sheet.append(headers)
    for row in rows:
        # Dates as date cells, as a spreadsheet keeps them.
        sheet.append([row[h] for h in headers])
    workbook.save(path)


def main(count: int = 1500, folder: Path = HERE) -> None:
    facility_rows = facilities()
    write_csv(folder / "facilities-sample.csv", FACILITY_HEADERS, facility_rows)
    prisoner_rows = prisoners(count, [f["external_id"] for f in facility_rows])
    write_csv(folder / "prisoners-sample.csv", PRISONER_HEADERS, prisoner_rows)
    write_xlsx(folder / "prisoners-sample.xlsx", PRISONER_HEADERS, prisoner_rows)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
