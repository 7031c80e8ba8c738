"""Webhook notifications of the public status: after every change that alters what the
public sees, each subscriber gets one POST of the Statuspage-shaped summary
(:func:`blackstart.web.status_public.summary_v2`: nothing internal), signed with
HMAC-SHA256 and retried with exponential back-off.

Headers: ``X-Blackstart-Delivery`` (one id per message, the same on every retry),
``X-Blackstart-Timestamp`` (Unix seconds) and ``X-Blackstart-Signature:
sha256=<hex>``, the HMAC-SHA256 (RFC 2104) under the subscriber's secret of
``timestamp + "." + body`` — a receiver recomputes it and refuses stale timestamps to
stop replays. A change that leaves the public status as it was (its update time aside)
sends nothing, so a subscriber gets exactly one message per published update. A
delivery is retried on a network error, a 429 or a 5xx, after ``backoff``,
``2·backoff``, ``4·backoff``… seconds, up to ``attempts`` tries; then given up and
logged. Never blocks a request: it runs in its own thread.

A webhook may follow only some functions and places (:class:`~blackstart.store.scope
.Scope`): it is then posted only the updates that concern them (:mod:`.notify`), still
the whole summary. The same thread hands each :class:`~.notify.Update` to the other
channels (e-mail, SMS), which pick their own recipients from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from blackstart.model.model import Model
from blackstart.store.store import Store
from blackstart.store.webhooks import Webhook, webhooks
from blackstart.web.notify import Update, concerned, every_pair, fingerprint

log = logging.getLogger("blackstart.webhooks")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``timestamp.body`` under ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookNotifier:
    """Sends the public summary to every subscriber it concerns after each public change."""

    def __init__(
        self,
        store: Store,
        model: Model,
        payload: Callable[[], dict[str, Any]],
        summary: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        timeout: float = 5.0,
    ) -> None:
        self.store, self.model, self.payload, self.summary = store, model, payload, summary
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self.requested = self.handled = self.sent = self.failed = 0
        self.also: list[Callable[[Update], None]] = []
        """Other channels called once per public change (e-mail, SMS subscribers)."""
        self._last: dict[str, Any] | None = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="status-webhooks", daemon=True)
        self._thread.start()

    def prime(self) -> None:
        """Take the current status as already known (nothing to send at start)."""
        self._last = self.payload()

    @staticmethod
    def _print(payload: dict[str, Any] | None) -> str:
        return json.dumps(fingerprint(payload or {}), sort_keys=True, default=str)

    def changed(self) -> None:
        with self._cond:
            self.requested += 1
            self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        with self._cond:
            goal = self.requested
            return self._cond.wait_for(lambda: self.handled >= goal, timeout)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _body(self, payload: dict[str, Any]) -> bytes:
        return json.dumps(self.summary(payload), ensure_ascii=False, sort_keys=True).encode()

    def notify(self, payload: dict[str, Any]) -> Update | None:
        """Tell every channel of ``payload`` if it differs from the last one told; the
        update (``None`` if nothing changed). Runs on the notifier's thread."""
        if self._print(payload) == self._print(self._last):
            return None
        try:
            pairs = concerned(self._last, payload, self.model)
        except Exception as exc:  # never stay silent: tell every subscriber
            log.warning("scope of a status update not worked out (%s): telling everyone", exc)
            pairs = every_pair(self.model)
        update = Update(pairs, payload)
        self._last = payload
        body = self._body(payload)
        for hook in webhooks(self.store):
            if update.concerns(hook.scope):
                self._deliver(hook, body, str(uuid.uuid4()))
        for channel in self.also:
            try:
                channel(update)
            except Exception as exc:
                log.warning("status notification failed: %s", exc)
        return update

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self.requested > self.handled)
                if self._stop:
                    return
                goal = self.requested
            try:
                self.notify(self.payload())
            except Exception as exc:  # never let the thread die
                log.warning("status webhooks failed: %s", exc)
            with self._cond:
                self.handled = goal
                self._cond.notify_all()

    def _deliver(self, hook: Webhook, body: bytes, delivery: str) -> None:
        for attempt in range(self.attempts):
            stamp = str(int(time.time()))
            request = urllib.request.Request(
                hook.url,
                data=body,
                method="POST",
                headers={
                    "content-type": "application/json",
                    "user-agent": "blackstart-status",
                    "x-blackstart-delivery": delivery,
                    "x-blackstart-timestamp": stamp,
                    "x-blackstart-signature": sign(hook.secret, stamp, body),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                    if 200 <= reply.status < 300:
                        self.sent += 1
                        return
                    retry = False
            except urllib.error.HTTPError as exc:
                retry = exc.code == 429 or exc.code >= 500
            except OSError:
                retry = True
            if not retry:
                break
            if attempt + 1 < self.attempts:
                time.sleep(self.backoff * 2**attempt)
        self.failed += 1
        log.warning("webhook %s: delivery %s given up", hook.url, delivery)


def attach(service: Any) -> WebhookNotifier:
    """Notify the webhook subscribers of ``service`` (an IncidentService) after changes."""
    from blackstart.web.status_public import summary_v2

    notifier = WebhookNotifier(
        service.store.store, service.dash.model, service.public_status, summary_v2
    )
    notifier.prime()
    service.listeners.append(notifier.changed)
    return notifier
