"""How every Celery task treats a passing outage of the database or broker.

A task that meets a restarting PostgreSQL or Redis is retried with
exponential backoff (with jitter, so a fleet of workers does not come back
in step) rather than dropped; the tasks are idempotent, so running one again
after a partial run is safe. acks_late stays where it was: a worker killed
mid-task leaves the message for another.
"""

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

RETRY_TRANSIENT = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 10,
}
