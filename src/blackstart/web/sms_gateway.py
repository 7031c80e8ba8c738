"""The operator's HTTP SMS gateway: one POST per SMS, paced and retried, on its own
thread (a batch of thousands never holds up the e-mails, webhooks or a request).

Two request shapes (``--sms-format``):

- ``generic`` (default): ``POST URL`` with ``{"to": "+33612345678", "text": "…",
  "from": SENDER}`` and, if ``BLACKSTART_SMS_TOKEN`` is set, ``Authorization: Bearer
  TOKEN``. Any 2xx is success. A small relay in front of any provider can accept it.
- ``brevo``: Brevo's transactional SMS API (a French provider; ``POST
  https://api.brevo.com/v3/transactionalSMS/send``), ``api-key: TOKEN`` header and
  ``{"sender": SENDER, "recipient": "33612345678", "content": "…", "type":
  "transactional"}`` (number without ``+``; ``SENDER`` at most 11 characters).

The token comes from the environment (``BLACKSTART_SMS_TOKEN``), never from the command
line (it would show in ``ps``). Sending is paced to ``rate`` SMS per second (what the
operator's contract allows); a network error, a 429 or a 5xx is retried after
``backoff``, ``2·backoff``… seconds, up to ``attempts`` tries; a 4xx is given up at once
(a wrong number stays wrong). Failures are counted and logged without the number.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from blackstart.errors import UsageError

log = logging.getLogger("blackstart.sms")
FORMATS = ("generic", "brevo")
TOKEN_ENV = "BLACKSTART_SMS_TOKEN"
INBOUND_TOKEN_ENV = "BLACKSTART_SMS_INBOUND_TOKEN"
"""The token the gateway presents when it forwards a reply (:mod:`.sms`)."""


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    format: str = "generic"
    sender: str = "Status"
    token: str | None = None
    rate: float = 10.0
    """SMS per second at most."""
    attempts: int = 4
    backoff: float = 0.5
    timeout: float = 10.0


def config_from(
    url: str, fmt: str = "generic", sender: str = "Status", rate: float = 10.0
) -> GatewayConfig:
    """A checked configuration (the token from :data:`TOKEN_ENV`); a :class:`UsageError`
    naming the option otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--sms-gateway: not an HTTP URL: {url!r}", suggestion="https://host/path")
    if fmt not in FORMATS:
        raise UsageError(f"--sms-format: unknown format {fmt!r}", suggestion=" or ".join(FORMATS))
    if not 0 < rate <= 1000:
        raise UsageError(f"--sms-rate: {rate} is out of range", suggestion="1 to 1000 per second")
    if fmt == "brevo" and not (sender.isalnum() and len(sender) <= 11):
        raise UsageError(
            f"--sms-sender: {sender!r} is not a Brevo sender",
            suggestion="at most 11 letters and digits",
        )
    return GatewayConfig(url, fmt, sender, os.environ.get(TOKEN_ENV) or None, rate)


def request_of(config: GatewayConfig, to: str, text: str) -> urllib.request.Request:
    """The HTTP request that sends ``text`` to ``to`` in the gateway's shape."""
    headers = {"content-type": "application/json", "user-agent": "blackstart-status"}
    if config.format == "brevo":
        body = {
            "sender": config.sender,
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
        }
        if config.token:
            headers["api-key"] = config.token
    else:
        body = {"to": to, "text": text, "from": config.sender}
        if config.token:
            headers["authorization"] = f"Bearer {config.token}"
    data = json.dumps(body, ensure_ascii=False).encode()
    return urllib.request.Request(config.url, data=data, method="POST", headers=headers)


class SmsGateway:
    """A queue of SMS sent one by one at most ``config.rate`` per second."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.queued = self.sent = self.failed = self.retried = 0
        self._queue: deque[tuple[str, str]] = deque()
        self._cond = threading.Condition()
        self._stop = False
        self._busy = False
        self._next = 0.0
        self._thread = threading.Thread(target=self._run, name="status-sms", daemon=True)
        self._thread.start()

    def enqueue(self, batch: list[tuple[str, str]]) -> None:
        with self._cond:
            self._queue.extend(batch)
            self.queued += len(batch)
            self._cond.notify_all()

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until the queue is empty and nothing is in flight."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or bool(self._queue))
                if self._stop:
                    return
                to, text = self._queue.popleft()
                self._busy = True
            try:
                self._send(to, text)
            except Exception as exc:  # never let the thread die
                self.failed += 1
                log.warning("SMS not sent: %s", type(exc).__name__)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _pace(self) -> None:
        wait = self._next - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next = max(self._next, time.monotonic()) + 1.0 / self.config.rate

    def _send(self, to: str, text: str) -> None:
        cfg = self.config
        for attempt in range(cfg.attempts):
            self._pace()
            try:
                with urllib.request.urlopen(request_of(cfg, to, text), timeout=cfg.timeout) as r:
                    if 200 <= r.status < 300:
                        self.sent += 1
                        return
                    retry = False
            except urllib.error.HTTPError as exc:
                retry = exc.code == 429 or exc.code >= 500
            except OSError:
                retry = True
            if not retry or attempt + 1 == cfg.attempts:
                break
            self.retried += 1
            time.sleep(cfg.backoff * 2**attempt)
        self.failed += 1
        log.warning("SMS to a subscriber given up (gateway %s)", cfg.url)
