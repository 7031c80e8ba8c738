"""A real HTTP SMS gateway for the tests: a local server that records every POST (its
JSON body, headers, time and the status answered) and answers 503 to the first
``fail_first`` requests, then 200."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Gateway:
    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any], int, float]] = []
        self.fail_first = fail_first
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with outer._lock:
                    code = 503 if len(outer.received) < outer.fail_first else 200
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    outer.received.append((headers, body, code, time.monotonic()))
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "x"}')

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[dict[str, Any]]:
        """Bodies of the SMS the gateway took (answered 200)."""
        with self._lock:
            return [b for _, b, code, _ in self.received if code == 200]

    def to(self, phone: str) -> list[str]:
        """Texts accepted for ``phone`` (generic shape)."""
        return [b["text"] for b in self.accepted() if b["to"] == phone]

    def code_for(self, phone: str) -> str:
        texts = self.to(phone)
        assert texts, f"no SMS to {phone}"
        found = re.search(r"\b(\d{6})\b", texts[-1])
        assert found, texts[-1]
        return found.group(1)
