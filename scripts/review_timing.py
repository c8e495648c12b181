"""Time a moderator deciding letters in the review queue, one key each, in Chromium.

    .venv/bin/python scripts/review_timing.py http://127.0.0.1:8000 moderator@example.org \\
        'password' [50]

Signs in, opens /admin/letters/letter/review/ and presses A (approve) on N
letters (default 50), waiting each time for the next letter and its script.
Prints the total and the median and slowest key-to-next-letter times. It
approves real letters: run it against a development database with at least
N submitted letters.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bench.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main(base: str, email: str, password: str, n: int) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/admin/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.goto(base + "/admin/letters/letter/review/")
        page.wait_for_load_state("load")
        times = []
        for _ in range(n):
            heading = page.locator("#review-h").inner_text()
            start = time.perf_counter()
            page.keyboard.press("a")
            expect(page.locator("#review-h")).not_to_have_text(heading, timeout=15000)
            page.wait_for_load_state("load")  # review.js is loaded: the next key works
            times.append(time.perf_counter() - start)
        browser.close()
    print(
        f"{n} letters: {sum(times):.1f} s in all; key to next letter: "
        f"median {statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 50)
