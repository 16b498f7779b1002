"""A webhook receiver for the tests, run as its own process: ``python receiver.py PORT LOG``.

The signing secret comes on stdin (never on the command line). Each POST is checked like an
ERP would (docs/erp-feed.md): signature and timestamp; then one JSON line is appended to LOG
(flushed and synced) *before* the 200 is sent, so a receiver killed mid-stream has logged
every delivery it acted on. ``valid`` says whether the signature checked out.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from portal.webhooks.signing import verify

SECRET = b""  # read from stdin when run
LOG = ""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        valid = verify(
            SECRET,
            int(self.headers.get("x-portal-timestamp", "0")),
            body,
            self.headers.get("x-portal-signature", ""),
            self.headers.get("x-portal-signature-algorithm", ""),
            now=int(time.time()),
        )
        event = json.loads(body)
        line = {"id": event["id"], "seq": event["seq"], "supplier": event["supplier_id"],
                "valid": valid, "header_id": self.headers.get("x-portal-event-id")}  # fmt: skip
        record = (json.dumps(line) + "\n").encode()
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:  # one write of the whole line: a kill leaves it whole or, at worst, cut short
            os.write(fd, record)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.send_response(200 if valid else 401)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


class Server(ThreadingHTTPServer):
    allow_reuse_address = True


if __name__ == "__main__":
    SECRET = sys.stdin.readline().strip().encode()
    LOG = sys.argv[2]
    # a receiver killed mid-line left that line unfinished: start on a line of our own
    if os.path.exists(LOG) and os.path.getsize(LOG) > 0:
        with open(LOG, "rb+") as log:
            log.seek(-1, os.SEEK_END)
            if log.read(1) != b"\n":
                log.write(b"\n")
    server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
    print("ready", flush=True)
    server.serve_forever()
