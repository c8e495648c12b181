"""gunicorn's logger without client addresses (gunicorn.conf.py uses it).

gunicorn writes the client's address in two places: the access log's %(h)s
(and the REMOTE_ADDR / X-Forwarded-For / X-Real-IP atoms) and the error log's
"Invalid request from ip=...". We store no raw IPs, logs included, so the
atoms are blanked whatever access_log_format says and addresses are cut out
of every error-log message.
"""

import contextlib
import re

from gunicorn.glogging import Logger

# "ip=203.0.113.7", any IPv4 address, and IPv6 addresses: a run of hex
# digits and colons holding "::" or at least four colons (so a time such as
# 12:30:01 is left alone).
_ADDRESS = re.compile(
    r"ip=[0-9A-Fa-f.:\[\]]*[0-9A-Fa-f\]]"
    r"|\b(?:\d{1,3}\.){3}\d{1,3}\b"
    r"|(?<![\w:])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){4})[0-9A-Fa-f:]*[0-9A-Fa-f](?![\w:])"
)
_ADDRESS_ATOMS = ("h", "{remote_addr}e", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i")


def scrub(text: str) -> str:
    return _ADDRESS.sub(lambda m: "ip=-" if m.group().startswith("ip=") else "-", text)


class AddressFreeLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _ADDRESS_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms

    def critical(self, msg, *args, **kwargs):
        super().critical(*self._join(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(*self._join(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(*self._join(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(*self._join(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(*self._join(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(*self._join(msg, args), **kwargs)

    @staticmethod
    def _join(msg, args):
        # Format first, so an address passed as an argument is cut out too.
        if args:
            with contextlib.suppress(TypeError, ValueError):
                msg, args = msg % args, ()
        return (scrub(str(msg)), *args)
