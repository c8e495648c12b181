"""The deployment files agree with each other and with the settings.

No Docker engine runs in CI, so `docker compose config` cannot: these tests
read docker-compose.yml (the compose specification's keys and references),
the Caddyfile (through the small parser below, for the plain subset it uses)
and gunicorn.conf.py, and compare them with what Django is configured to do
under the environment compose gives it.
"""

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Top-level keys of the compose specification (no "version": it is obsolete).
COMPOSE_TOP_LEVEL = {"name", "services", "networks", "volumes", "configs", "secrets"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


# --- a Caddyfile reader for the subset we write ----------------------------------


class Directive:
    def __init__(self, args: list[str]):
        self.args = args
        self.block: list[Directive] = []

    def find(self, name: str) -> list["Directive"]:
        return [d for d in self.block if d.args[0] == name]

    def one(self, name: str, *args: str) -> "Directive":
        found = [d for d in self.find(name) if d.args[1 : 1 + len(args)] == list(args)]
        assert len(found) == 1, f"expected one {name} {args} in {[d.args for d in self.block]}"
        return found[0]


def _tokens(text: str):
    """Lines of tokens: words, "quoted strings", { and }; # starts a comment."""
    for line in text.splitlines():
        words = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', line)
        out = []
        for quoted, word in words:
            if word.startswith("#"):
                break
            out.append(quoted if quoted or not word else word)
        if out:
            yield out


def parse_caddyfile(text: str) -> Directive:
    root = Directive(["<root>"])
    stack = [root]
    for line in _tokens(text):
        if line == ["}"]:
            stack.pop()
            continue
        opens = line[-1] == "{"
        node = Directive(line[:-1] if opens else line)
        stack[-1].block.append(node)
        if opens:
            stack.append(node)
    assert stack == [root], "unbalanced braces in the Caddyfile"
    return root


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def site():
    root = parse_caddyfile((ROOT / "Caddyfile").read_text())
    assert len(root.block) == 1, "one site block"
    return root.block[0]


@pytest.fixture(scope="module")
def production(compose):
    """The settings Django runs with inside the web container, as a dict."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SERVE_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    code = (
        "import json, django\n"
        "from django.conf import settings as s\n"
        "from django.urls import resolve, Resolver404\n"
        "django.setup()\n"
        "try:\n    resolve('/media/events/x.jpg'); media = True\n"
        "except Resolver404:\n    media = False\n"
        "print(json.dumps({'STATIC_URL': s.STATIC_URL, 'MEDIA_URL': s.MEDIA_URL,\n"
        " 'STATIC_ROOT': str(s.STATIC_ROOT), 'MEDIA_ROOT': str(s.MEDIA_ROOT),\n"
        " 'SERVE_MEDIA': s.SERVE_MEDIA, 'media_route': media,\n"
        " 'SECURE_PROXY_SSL_HEADER': s.SECURE_PROXY_SSL_HEADER,\n"
        " 'CLIENT_IP_HEADER': s.CLIENT_IP_HEADER,\n"
        " 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'SITE_URL': s.SITE_URL,\n"
        " 'CSRF_TRUSTED_ORIGINS': s.CSRF_TRUSTED_ORIGINS,\n"
        " 'ALLAUTH_TRUSTED_CLIENT_IP_HEADER': s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER,\n"
        " 'COMPRESS_HTML': s.COMPRESS_HTML}))\n"
    )
    web_env = {
        k: interpolate(str(v), SITE_ENV)
        for k, v in compose["services"]["web"]["environment"].items()
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **env,
            **web_env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "a-production-like-secret-key-for-this-test-0123456789",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SITE_ENV = {"SITE_DOMAIN": "solidarity.example.org"}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, nested, innermost first."""
    pattern = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^${}]*))?\}")

    def one(match):
        name, op, arg = match.groups()
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"compose would stop: {arg}")
        return arg or ""

    while pattern.search(value):
        value = pattern.sub(one, value)
    return value


def _mounts(service: dict) -> dict[str, str]:
    """Named volume -> mount point in the container."""
    out = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        out[source] = target
    return out


def _handle_path(site: Directive, url: str) -> Directive:
    return site.one("handle_path", url + "*")


# --- compose: what `docker compose config` would check -----------------------


def test_compose_uses_only_the_specifications_keys(compose):
    assert "version" not in compose
    # x-* keys are the specification's extensions (our shared &app block).
    assert {k for k in compose if not k.startswith("x-")} - COMPOSE_TOP_LEVEL == set()
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        assert "image" in service or "build" in service, name
        for entry in service.get("volumes", []):
            source = entry.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"
        for target, how in service.get("depends_on", {}).items():
            assert target in compose["services"], f"{name} depends on unknown {target}"
            assert how["condition"] in CONDITIONS
            if how["condition"] == "service_healthy":
                assert compose["services"][target]["healthcheck"]["test"], target
        for port in service.get("ports", []):
            assert re.fullmatch(r"\d+:\d+(/(tcp|udp))?", str(port)), port
        if "healthcheck" in service:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


def test_every_app_container_waits_for_migrations_once(compose):
    services = compose["services"]
    migrate = services["migrate"]
    command = " ".join(migrate["command"])
    assert "manage.py migrate --noinput" in command
    # Static files are collected into the shared volume on every deploy.
    assert "collectstatic --noinput" in command
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["image"] == migrate["image"] == "solidarity:latest"
        assert "migrate" not in " ".join(service["command"]), f"{name} must not migrate"
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}
        assert service["healthcheck"]["test"], name
    assert services["caddy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_web_and_worker_scale_but_beat_does_not(compose):
    services = compose["services"]
    for name in ("web", "worker"):
        assert "container_name" not in services[name]
        assert "replicas" in services[name]["deploy"]
    # Two beats would send every periodic task twice.
    assert "deploy" not in services["beat"]
    # Only Caddy is published; scaled web containers cannot share a host port.
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"caddy"}
    assert set(services["caddy"]["ports"]) == {"80:80", "443:443", "443:443/udp"}


def test_gunicorn_is_configured_in_one_file(compose):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    port = config["bind"].rsplit(":", 1)[1]
    web = compose["services"]["web"]
    assert web["command"] == ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
    assert str(port) in [str(p) for p in web["expose"]]
    assert '"gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
    bench = (ROOT / "bench" / "run.py").read_text()
    assert '"gunicorn", "-c", "gunicorn.conf.py"' in bench
    assert '"--bind"' not in bench
    # make faults too: the stack it tests is production's, flags included.
    faults = (ROOT / "faults" / "stack.py").read_text()
    [start] = re.findall(r"def start_gunicorn\(.*?\n    def ", faults, re.DOTALL)
    assert '"gunicorn", "-c", "gunicorn.conf.py"' in start
    for flag in ("--bind", "--workers", "--timeout", "--graceful-timeout"):
        assert f'"{flag}"' not in start, flag
    assert '"GUNICORN_BIND": ' in faults and '"WEB_CONCURRENCY": ' in faults


def test_gunicorn_counts_the_cores_the_container_may_use(monkeypatch):
    # A container pinned to one core of a 64-core host: 2 x 1 + 1 workers.
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5}, raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 7


def test_gunicorn_workers_share_the_masters_start_time(monkeypatch):
    # /healthz measures "unknown since start" from it (SERVER_STARTED_AT).
    monkeypatch.setenv("SOLIDARITY_SERVER_STARTED_AT", "0")  # restored afterwards
    monkeypatch.delenv("SOLIDARITY_SERVER_STARTED_AT")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "SOLIDARITY_SERVER_STARTED_AT" not in os.environ  # reading it sets nothing
    config["on_starting"](server=None)
    started = int(os.environ["SOLIDARITY_SERVER_STARTED_AT"])
    assert abs(started - time.time()) < 5
    config["on_starting"](server=None)  # a reload keeps the first start
    assert int(os.environ["SOLIDARITY_SERVER_STARTED_AT"]) == started


def test_the_image_leaves_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "var/", "staticfiles/", "bench/results/"):
        assert entry in ignored, entry


# --- the proxy against the settings -------------------------------------------------


def test_caddy_serves_the_domain_from_env(compose, site, production):
    assert site.args == ["{$SITE_DOMAIN}"]
    assert "SITE_DOMAIN" in compose["services"]["caddy"]["environment"]
    assert site.one("encode").args[1:] == ["zstd", "gzip"]
    # Caddy compresses the pages, so gunicorn's workers do not.
    assert production["COMPRESS_HTML"] is False
    assert (ROOT / ".env.example").read_text().count("SITE_DOMAIN=") == 1


@pytest.mark.parametrize("kind", ["STATIC", "MEDIA"])
def test_caddy_serves_files_from_the_volume_django_writes(compose, site, production, kind):
    route = _handle_path(site, production[f"{kind}_URL"])
    root = route.one("root").args[-1]
    web, caddy = compose["services"]["web"], compose["services"]["caddy"]
    # The volume Caddy reads at `root` is the one web has at STATIC/MEDIA_ROOT.
    [volume] = [v for v, target in _mounts(caddy).items() if target == root]
    assert _mounts(web)[volume] == production[f"{kind}_ROOT"]
    assert any(e.startswith(f"{volume}:") and e.endswith(":ro") for e in caddy["volumes"])
    # The worker writes media too (rendered map images), into the same volume.
    assert _mounts(compose["services"]["worker"])[volume] == production[f"{kind}_ROOT"]
    assert route.find("file_server")


def test_django_serves_no_media_in_production(production):
    assert production["SERVE_MEDIA"] is False
    assert production["media_route"] is False


def _hashed_name(tmp_path) -> str:
    """A name as Django's manifest storage writes it (collectstatic in the image)."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { color: black }")
    return "/" + ManifestStaticFilesStorage(location=tmp_path).hashed_name("css/site.css")


def test_hashed_static_files_are_immutable_and_others_are_not(site, tmp_path):
    route = _handle_path(site, "/static/")
    matchers = {d.args[0]: d.args[1:] for d in route.block if d.args[0].startswith("@")}
    assert matchers["@hashed"][0] == "path_regexp"
    # The two matchers exclude each other, so the order Caddy runs them in
    # cannot matter.
    assert matchers["@unhashed"] == ["not", *matchers["@hashed"]]
    pattern = re.compile(matchers["@hashed"][1])
    hashed = _hashed_name(tmp_path)
    assert pattern.search(hashed), hashed
    assert not pattern.search("/css/site.css")
    cache_headers = [d.args for d in route.find("header") if "Cache-Control" in d.args]
    assert sorted(cache_headers) == [
        ["header", "@hashed", "Cache-Control", "public, max-age=31536000, immutable"],
        ["header", "@unhashed", "Cache-Control", "public, max-age=3600"],
    ]


def test_media_is_never_run_as_a_page(site):
    route = _handle_path(site, "/media/")
    csp = route.one("header", "Content-Security-Policy").args[-1]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert route.one("header", "X-Content-Type-Options").args[-1] == "nosniff"


def test_proxy_sets_exactly_the_headers_django_trusts(compose, site, production):
    proxy = site.one("handle").one("reverse_proxy")
    header_up = {d.args[1]: d.args[2:] for d in proxy.find("header_up")}
    # Django reads the client address from CLIENT_IP_HEADER, as in request.META.
    [name] = [
        h
        for h in header_up
        if "HTTP_" + h.upper().replace("-", "_") == production["CLIENT_IP_HEADER"]
    ]
    assert header_up[name] == ["{remote_host}"], "overwritten with the peer, never passed through"
    assert production["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"].upper() == name.upper()
    # Caddy sets X-Forwarded-Proto by default; it must not be removed or faked.
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert not any("forwarded-proto" in h.lower() for h in header_up)
    # Upstreams: every container of the web service, on gunicorn's port.
    dynamic = proxy.one("dynamic", "a")
    assert dynamic.one("name").args[1] == "web" and "web" in compose["services"]
    bind = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"]
    assert dynamic.one("port").args[1] == bind.rsplit(":", 1)[1]


# Optional on a developer's machine; CI installs caddy (.ci/run), where a
# missing one is a failure, not a skip.
@pytest.mark.skipif(
    not shutil.which("caddy") and not os.environ.get("CI"),
    reason="caddy is not installed (apt-get install caddy)",
)
def test_caddy_itself_accepts_the_caddyfile(tmp_path):
    result = subprocess.run(  # noqa: S603
        ["caddy", "adapt", "--config", str(ROOT / "Caddyfile")],  # noqa: S607
        env={**os.environ, "SITE_DOMAIN": "solidarity.example.org"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["routes"][0]["match"][0]["host"] == ["solidarity.example.org"]
    assert "warn" not in result.stderr.lower(), result.stderr
    # Play Caddy's own handler order for /static/: the last Cache-Control set wins.
    [static] = [
        r["handle"][0]["routes"]
        for r in server["routes"][0]["handle"][0]["routes"]
        if r.get("match") == [{"path": ["/static/*"]}]
    ]

    def matches(match, path):
        if not match:
            return True
        [m] = match
        if "not" in m:
            return not matches(m["not"], path)
        return bool(re.search(m["path_regexp"]["pattern"], path))

    def cache_control(path):
        value = None
        for route in static:
            for handler in route["handle"]:
                headers = handler.get("response", {}).get("set", {})
                if "Cache-Control" in headers and matches(route.get("match"), path):
                    value = headers["Cache-Control"][0]
        return value

    assert cache_control(_hashed_name(tmp_path)) == "public, max-age=31536000, immutable"
    assert cache_control("/css/site.css") == "public, max-age=3600"


# --- locked dependencies --------------------------------------------------------------


def test_every_install_comes_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    # One uv version for developers, CI and the image.
    [make_uv] = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.M)
    [docker_uv] = re.findall(r"^ARG UV_VERSION=(\S+)$", dockerfile, re.M)
    assert make_uv == docker_uv
    assert "uv sync --locked" in dockerfile and "COPY pyproject.toml uv.lock" in dockerfile
    assert "pip install ." not in dockerfile
    assert re.search(r"\$\(UV\) sync --locked .*--extra dev", makefile)
    assert "make install\nmake lock-check\n" in ci
    lock = (ROOT / "uv.lock").read_text()
    # Every locked distribution carries its hash.
    files = re.findall(r"\{ url = \"[^\"]+\", hash = \"sha256:[0-9a-f]{64}\"", lock)
    assert len(files) == lock.count("{ url = ")


# --- more than one machine -------------------------------------------------------------


def test_media_goes_to_object_storage_when_a_bucket_is_set():
    code = (
        "import django\n"
        "django.setup()\n"
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(type(s).__name__, s.url('events/a.jpg'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))}
    base = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "a-production-like-secret-key-for-this-test-0123456789",
    }

    def storage(**extra):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert storage() == ["FileSystemStorage", "/media/events/a.jpg"]
    assert storage(
        AWS_STORAGE_BUCKET_NAME="solidarity-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_CUSTOM_DOMAIN="solidarity.example.org/media",
    ) == ["S3Storage", "https://solidarity.example.org/media/events/a.jpg"]


def _csp_img_src(csp: str) -> list[str]:
    [img_src] = [d.split()[1:] for d in csp.split("; ") if d.startswith("img-src ")]
    return img_src


def test_pages_may_load_images_from_object_storage_and_only_from_there():
    # Under each configuration: the origin the settings work out, the URL
    # django-storages gives a photo, and the CSP header the middleware sets
    # (test_headers.py: a real public page gets it).
    code = (
        "import django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "from django.http import HttpResponse\n"
        "from django.test import RequestFactory\n"
        "from config.middleware import ContentSecurityPolicyMiddleware as CSP\n"
        "print(settings.MEDIA_ORIGIN or '-')\n"
        "print(storages['default'].url('events/a.jpg'))\n"
        "response = CSP(lambda request: HttpResponse())(RequestFactory().get('/'))\n"
        "print(response['Content-Security-Policy'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))}
    base = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "a-production-like-secret-key-for-this-test-0123456789",
    }

    def run(**extra):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        origin, url, csp = result.stdout.splitlines()
        return origin, url, csp

    origin, url, csp = run()
    assert (origin, url) == ("-", "/media/events/a.jpg")
    assert _csp_img_src(csp) == ["'self'", "data:", "blob:"]

    for extra, expected in [
        (
            {
                "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
                "AWS_S3_CUSTOM_DOMAIN": "media.example.org/photos",
            },
            "https://media.example.org",
        ),
        (
            {"AWS_S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com"},
            "https://fra1.digitaloceanspaces.com",
        ),
        ({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "http://minio:9000"),
        ({"AWS_S3_REGION_NAME": "eu-central-1"}, "https://solidarity-media.s3.amazonaws.com"),
    ]:
        origin, url, csp = run(AWS_STORAGE_BUCKET_NAME="solidarity-media", **extra)
        assert origin == expected
        assert url.startswith(expected + "/"), (url, expected)
        assert _csp_img_src(csp) == ["'self'", "data:", "blob:", expected]
        # Media is only ever shown as an image: no other directive opens up.
        assert csp.count(expected) == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AWS_S3_ENDPOINT_URL", "s3.example.net", "AWS_S3_ENDPOINT_URL must be an http(s) URL"),
        ("AWS_S3_CUSTOM_DOMAIN", "https://media.example.org", "must be a host name"),
        ("AWS_S3_CUSTOM_DOMAIN", "media.example.org (a host of yours)", "must be a host name"),
    ],
)
def test_a_bad_storage_address_is_refused_at_start_up(name, value, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "a-production-like-secret-key-for-this-test-0123456789",
            "AWS_STORAGE_BUCKET_NAME": "solidarity-media",
            name: value,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_the_site_domain_alone_sets_hosts_origins_and_health_check(compose, production):
    assert production["ALLOWED_HOSTS"] == ["solidarity.example.org"]
    assert production["CSRF_TRUSTED_ORIGINS"] == ["https://solidarity.example.org"]
    assert production["SITE_URL"] == "https://solidarity.example.org"
    # The health check asks as Caddy does, so ALLOWED_HOSTS needs nothing more.
    test = [interpolate(t, SITE_ENV) for t in compose["services"]["web"]["healthcheck"]["test"]]
    assert "Host: solidarity.example.org" in test
    assert "X-Forwarded-Proto: https" in test
    # Nothing in the stack starts without the domain.
    with pytest.raises(AssertionError, match="SITE_DOMAIN"):
        interpolate(compose["services"]["caddy"]["environment"]["SITE_DOMAIN"], {})
