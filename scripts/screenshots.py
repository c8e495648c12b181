"""The design screenshots the README points to (issue 15): eight pages at
1280 px and 390 px, full height, into tests/e2e/screenshots/design/.

Run against `make run` (demo data): `make screenshots` (BASE=http://127.0.0.1:8000).
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "tests" / "e2e" / "screenshots" / "design"
WIDTHS = {"desktop": 1280, "phone": 390}


def first_link(page, base: str, path: str, pattern: str) -> str:
    page.goto(base + path)
    found = re.search(pattern, page.content())
    if not found:
        raise SystemExit(f"no link matching {pattern} on {path}")
    return found.group(0)


def pages(page, base: str) -> dict[str, str]:
    return {
        "home": "/",
        "map": "/map/",
        # The demo's campaign running today: counters, the appeal, Add your name.
        "campaign": "/campaigns/letters-for-political-prisoners/",
        "prisoners": "/prisoners/",
        "profile": "/prisoners/ales-bialiatski/",
        "write": first_link(page, base, "/prisoners/", r"/prisoners/[a-z0-9-]+/write/"),
        "events": "/events/",
        "event": first_link(page, base, "/events/", r"/events/\d+/"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size, width in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            for name, path in pages(page, base).items():
                page.goto(base + path, wait_until="networkidle")
                page.screenshot(path=str(OUT / f"{name}-{size}.png"), full_page=True)
                print(f"{name}-{size}.png  {path}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
