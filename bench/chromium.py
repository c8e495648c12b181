"""How the browser tests and `make bench` start Debian's Chromium (STACK-NOTES).

Outside tests/ so that the bench, a tool of its own, imports nothing from the
test suite.
"""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless as root, and no background traffic: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
