"""gunicorn's options, in one place: the Dockerfile, docker-compose.yml and
`make bench` all start gunicorn with `-c gunicorn.conf.py`.

Each value can be changed through the environment without editing this file.
"""

import os
import time

# Inside compose the port is reached only by the proxy (Caddy) on the stack's
# own network; nothing publishes it to the host.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")


def _cores() -> int:
    # The cores this process may run on: a container limited with --cpuset-cpus
    # (compose's cpuset) sees only its own. os.cpu_count() counts the host's.
    # A CPU quota (--cpus, deploy.resources.limits.cpus) is not visible here:
    # set WEB_CONCURRENCY to match it.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# WEB_CONCURRENCY is the name Heroku and gunicorn's own docs use. The default
# follows gunicorn's advice of (2 x cores) + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cores() + 1))

# A request that takes longer is a bug or an attack; bulk work goes to the
# Celery worker. Django's admin actions over thousands of rows stay under it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# Caddy keeps connections to us open; a little longer than its idle pick-up.
keepalive = 5

# Recycle workers now and then so a slow leak cannot grow without bound; the
# jitter keeps them from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# The master imports the application once and each worker is forked with it
# loaded: importing it takes about 2 s of CPU, and at a peak's thousand
# requests a second max_requests recycles a worker every few seconds, each
# new one importing it again on a two-core machine (bench: a static file's
# p99 rose to 6 s). Nothing connects at import (connections open on first
# use, in the worker); post_fork closes any that did, all the same.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# Heartbeat files on a RAM disk: a container's overlay filesystem can stall
# them for long enough that the arbiter kills healthy workers.
if os.path.isdir("/dev/shm"):  # noqa: S108 (gunicorn's own advice for containers)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Trust X-Forwarded-* from any peer: gunicorn is only reachable through the
# proxy in compose (and on loopback in `make bench`). Django reads the scheme
# from SECURE_PROXY_SSL_HEADER and the client address from CLIENT_IP_HEADER.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = "-"
# The combined format without %(h)s, the client's address: we store no raw
# IPs, logs included (config/gunicorn_log.py blanks it even if this changes).
access_log_format = '"%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# And the error log's "Invalid request from ip=..." without the address.
logger_class = "config.gunicorn_log.AddressFreeLogger"


def on_starting(server):
    # Read by the settings (SERVER_STARTED_AT): set in the master, so that
    # workers forked later, after a max_requests recycle too, share its start.
    # (With preload_app the master has read the settings already: the workers
    # inherit its value, the same for all.)
    os.environ.setdefault("SOLIDARITY_SERVER_STARTED_AT", str(int(time.time())))


def post_fork(server, worker):
    # A connection opened in the master must not be shared by the workers.
    if server.cfg.preload_app:
        from django.db import connections

        connections.close_all()
