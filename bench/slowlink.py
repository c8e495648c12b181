"""Pages on a slow link: 400 kbit/s each way and 400 ms of latency, cold cache.

The link of a visitor in Belarus behind censorship (issue 16). For each path a
fresh Chromium context (no cache, no cookies) loads the page through Chrome's
own network emulation, and we read, from the page's own clock (milliseconds
since navigation start):

- ``fcp_ms``: first contentful paint;
- ``drawn_ms``: the ``solidarity:choropleth-drawn`` User Timing mark that
  static/js/solidarity-map.js sets once the country shapes are on the map
  (None on a page without a map; on a build from before the mark, the
  moment the map set ``data-ready``, which ``drawn_by`` says);
- ``ready_ms``: when the map set ``data-ready``: Leaflet has taken over and
  the map answers hover, clicks and zoom (the colours are drawn first, by
  hand, and Leaflet is requested only then);
- ``bytes``: every byte that came over the wire until a second after both
  the load and ``data-ready``, headers included, as Chrome counts them
  (encodedDataLength).

Each figure is the median of ``runs`` loads; the raw loads are kept.

    python -m bench.slowlink --base http://127.0.0.1:8000 /map/ /campaigns/bench-big/

Requests carry ``X-Forwarded-Proto: https``, as Caddy sends them, so a server
with DEBUG off answers the page rather than a redirect to HTTPS.
"""

import argparse
import json
import statistics
import sys

from bench.chromium import CHROMIUM, CHROMIUM_ARGS

MARK = "solidarity:choropleth-drawn"
LATENCY_MS = 400
THROUGHPUT = 50_000  # bytes per second: 400 kbit/s
# The map is drawn or given up on within this, on the slowest link we model.
TIMEOUT_MS = 30_000
_SETTLE_MS = 1_000  # after the load: late requests (events, fonts) counted too


_READY_WATCH = """
new MutationObserver((changes, observer) => {
    if (changes.some(c => c.target.hasAttribute && c.target.hasAttribute("data-ready"))) {
        window.__solidarityReadyAt = performance.now();
        observer.disconnect();
    }
}).observe(document, {attributes: true, attributeFilter: ["data-ready"], subtree: true});
"""


def _load(browser, url: str) -> dict:
    context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
    try:
        page = context.new_page()
        # Pages from before the mark existed: when the map says it is ready.
        page.add_init_script(_READY_WATCH)
        cdp = context.new_cdp_session(page)
        received = {"bytes": 0, "requests": 0}
        started: dict[str, tuple[str, float]] = {}
        resources = []  # (path, bytes, start ms, end ms) from the page request's start

        def sent(event):
            started[event["requestId"]] = (event["request"]["url"], event["timestamp"])

        def finished(event):
            size = int(event.get("encodedDataLength", 0))
            received["bytes"] += size
            received["requests"] += 1
            url, at = started.get(event["requestId"], ("?", event["timestamp"]))
            zero = min(t for _u, t in started.values()) if started else at
            path = "/" + url.split("/", 3)[-1] if "://" in url else url
            resources.append(
                (path, size, round((at - zero) * 1000), round((event["timestamp"] - zero) * 1000))
            )

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": THROUGHPUT,
                "uploadThroughput": THROUGHPUT,
            },
        )
        response = page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        status = response.status if response else None
        has_map = page.locator(".solidarity-map[data-shapes]").count() > 0
        if has_map:
            # A function, not an expression: the page's CSP forbids eval.
            # data-ready comes last (Leaflet and the font follow the drawing):
            # the bytes then count everything the map needs.
            page.wait_for_function(
                "() => window.__solidarityReadyAt !== undefined", timeout=TIMEOUT_MS
            )
        page.wait_for_timeout(_SETTLE_MS)
        times = page.evaluate(
            """mark => {
                const first = name => {
                    const e = performance.getEntriesByName(name);
                    return e.length ? Math.round(e[0].startTime) : null;
                };
                const drawn = first(mark);
                const ready = window.__solidarityReadyAt;
                return {
                    fcp_ms: first("first-contentful-paint"),
                    drawn_ms: drawn ?? (ready === undefined ? null : Math.round(ready)),
                    drawn_by: drawn !== null ? "mark" : ready === undefined ? null : "data-ready",
                    ready_ms: ready === undefined ? null : Math.round(ready),
                };
            }""",
            MARK,
        )
        return {
            "status": status,
            **times,
            **received,
            "resources": sorted(resources, key=lambda r: r[3]),
        }
    finally:
        context.close()


def _median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure_slow_link(base: str, paths: list[str], *, runs: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in paths:
                loads = [_load(browser, base.rstrip("/") + path) for _ in range(runs)]
                results[path] = {
                    "fcp_ms": _median([r["fcp_ms"] for r in loads]),
                    "drawn_ms": _median([r["drawn_ms"] for r in loads]),
                    "ready_ms": _median([r["ready_ms"] for r in loads]),
                    "bytes": _median([r["bytes"] for r in loads]),
                    "runs": loads,
                }
        finally:
            browser.close()
    return {
        "link": {"latency_ms": LATENCY_MS, "bytes_per_second": THROUGHPUT, "cache": "disabled"},
        "pages": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.add_argument("--waterfall", action="store_true", help="each request of the first run")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    result = measure_slow_link(args.base, args.paths, runs=args.runs)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    print(f"{'path':<32} {'FCP ms':>8} {'drawn ms':>9} {'ready ms':>9} {'bytes':>9}")
    for path, r in result["pages"].items():
        drawn = "-" if r["drawn_ms"] is None else f"{r['drawn_ms']:.0f}"
        ready = "-" if r["ready_ms"] is None else f"{r['ready_ms']:.0f}"
        print(f"{path:<32} {r['fcp_ms'] or 0:>8.0f} {drawn:>9} {ready:>9} {r['bytes']:>9.0f}")
        for run in r["runs"]:
            print(
                f"{'':<32} {run['fcp_ms'] or 0:>8} {run['drawn_ms'] or '-':>9}"
                f" {run['ready_ms'] or '-':>9} {run['bytes']:>9}"
            )
        if args.waterfall:
            for name, size, start, end in r["runs"][0]["resources"]:
                print(f"    {name[:60]:<60} {size:>7} B {start:>6} -> {end:>6} ms")


if __name__ == "__main__":
    main()
