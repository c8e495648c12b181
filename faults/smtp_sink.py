"""An SMTP server that accepts everything and writes down every delivery.

`make faults` (faults/run.py) runs it as its own process, so the site
talks real SMTP to a real server. One JSON line per (message, recipient):
time, Message-ID, recipient, subject and the plain-text body (the harness
follows the confirmation links in it). Loopback only.

    python faults/smtp_sink.py --port 2525 --out deliveries.jsonl
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import time

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str):
        # One write() per line, O_APPEND: a reader never sees half a line
        # interleaved with another, even if the sink is killed mid-way.
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
        body = part.get_content() if part is not None else ""
        for recipient in envelope.rcpt_tos:
            line = {
                "at": time.time(),
                "message_id": str(message.get("Message-ID", "")),
                "to": recipient.lower(),
                "subject": str(message.get("Subject", "")),
                "body": body,
            }
            os.write(self.fd, (json.dumps(line) + "\n").encode())
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    controller = Controller(Recorder(args.out), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"smtp sink on 127.0.0.1:{args.port}, writing {args.out}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
