"""The fault harness's own judgement (faults/), against a fake site.

`make faults` is only as good as what it calls a failure: these pin that a
503 which lost the visitor's text fails, that a visitor resends a form the
503 kept, and that only the outage windows excuse an error.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from faults import checks, common, traffic

WRITE = f"/prisoners/{common.PRISONER}/write/"
FORM = (
    '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
    '<input type="hidden" name="started" value="s"><textarea name="body">{body}</textarea>'
    "</form>"
)


class FakeSite(BaseHTTPRequestHandler):
    """Answers the first POST with 503 (keeping the text or not), the next with 302."""

    keep_text = True
    posts: list

    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"", location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Set-Cookie", "csrftoken=abc; Secure; SameSite=Lax")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self._answer(200, FORM.format(body="").encode())

    def do_POST(self):  # noqa: N802
        data = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.posts.append((self.headers.get("Cookie"), data))
        if len(self.posts) == 1:
            kept = data["body"][0] if self.keep_text else ""
            page = FORM.format(body=kept.replace("&", "&amp;")) if self.keep_text else "Sorry"
            self._answer(503, page.encode())
        else:
            self._answer(302, location=WRITE + "sent/")


@pytest.fixture
def site():
    FakeSite.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _run(server):
    stack = type("Stack", (), {"base": f"http://127.0.0.1:{server.server_port}"})()
    run = traffic.Run(stack)
    run.windows["PostgreSQL down"] = (-1e9, 1e9)
    return run


def test_it_resends_a_form_the_503_kept_and_counts_it_acknowledged(site):
    FakeSite.keep_text = True
    run = _run(site)
    traffic.submit(run, "letter", 7)
    assert run.acked["letter"] == {f"{run.run_id}-l7@{common.MAIL_DOMAIN}"}
    assert len(FakeSite.posts) == 2
    assert FakeSite.posts[1][0] == "csrftoken=abc"  # the Secure cookie sent back over http
    assert checks.classify(run)[1] == []


def test_it_fails_a_503_that_lost_the_visitors_text(site):
    FakeSite.keep_text = False
    run = _run(site)
    traffic.submit(run, "letter", 8)
    # The visitor fetched the form again and resent it, but the 503 counts.
    assert [r.kind for r in run.records] == [
        "letter-form", "letter-post", "letter-form", "letter-post", "letter-done",
    ]  # fmt: skip
    (problem,) = checks.classify(run)[1]
    assert problem.startswith("503 without the form and the posted text: POST " + WRITE)


def _record(status, start, method="GET", kind="page"):
    return traffic.Record(kind, method, "/", start, start + 0.1, status)


def test_it_excuses_only_errors_inside_their_windows():
    run = traffic.Run(None)
    run.windows = {"PostgreSQL down": (10.0, 12.0), "gunicorn worker killed": (20.0, 20.0)}
    run.records = [
        _record(503, 11.0),  # in the database outage
        _record(503, 14.0),  # after it, past the slack
        _record(500, 11.0),  # in it, but a 500
        _record(None, 19.8),  # dropped by the killed gunicorn worker
        _record(None, 25.0),  # dropped for no reason
        _record(503, 30.0, kind="healthz"),  # /healthz may say 503
        _record(200, 40.0, method="POST", kind="letter-post"),  # a refused form
    ]
    statuses, bad = checks.classify(run)
    assert [line.split(":")[0] for line in bad] == [
        "503",
        "500",
        "connection failed",
        "refused form",
    ]
    assert statuses[503] == 2
