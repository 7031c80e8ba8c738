"""Alert webhooks: ``POST /api/alerts/alertmanager`` and ``POST /api/alerts/generic``.

Owns receiving alerts: the bearer token check, the two payload formats, and mapping an
alert to a model element by its labels.

- **Alertmanager** (Prometheus Alertmanager's webhook receiver, payload ``version: "4"``:
  ``status``, ``receiver``, ``groupKey``, ``groupLabels``, ``commonLabels``,
  ``externalURL``, ``alerts[]`` of ``status`` firing/resolved, ``labels``,
  ``annotations``, ``startsAt``, ``endsAt``, ``generatorURL``, ``fingerprint``; see
  https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
- **Generic**: ``{"alerts": [{"status": "firing" | "resolved", "labels": {…},
  "annotations": {…}, "fingerprint"?: …, "startsAt"?: …, "endsAt"?: …, "ref"?: …}]}``,
  or one such alert object alone. Without a fingerprint, the SHA-256 of the sorted labels
  is used, so re-sending an alert updates it.
- **Mapping** (:class:`AlertMapper`): an explicit ``ref`` (generic only), a label
  ``blackstart_ref: component:ID`` (or ``site:``/``provider:``/``function:``, a function
  at a place as ``function:ID@PLACE``: a synthetic probe from one hospital), a label
  ``component: ID`` naming a component, the ``monitoring: {labels: …}`` blocks of the
  model's components, then the mapping file's rules; an alert nothing maps is stored with
  no element (it counts as unmapped on the board).
- **Tokens**: each integration (``blackstart integration add NAME``) has its own bearer
  token, ``Authorization: Bearer TOKEN``. Missing or unknown → 401, revoked → 403; nothing
  is recorded then. These two paths are answered here, before the login gate: a sender
  is not a person and has no session. Nothing else about alerts is public: reading them
  needs a login (``/api/incidents/alerts``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread

from blackstart.diagnose import parse_observation
from blackstart.errors import UsageError
from blackstart.model.model import Model
from blackstart.store.diagnose import AlertIn, AlertStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATHS = {"/api/alerts/alertmanager": "alertmanager", "/api/alerts/generic": "generic"}
MAX_BODY = 2_000_000
MAX_ALERTS = 5_000
_ZERO_TIME = "0001-01-01T00:00:00Z"
"""Alertmanager's ``endsAt`` of an alert still firing (Go's zero time)."""


class PayloadError(ValueError):
    """The payload is not what the webhook expects (422)."""

    def __init__(self, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.message, self.suggestion = message, suggestion


@dataclass
class AlertMapper:
    """Label sets → element references, from the model and an optional mapping file."""

    model: Model
    rules: list[tuple[dict[str, str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        own = [(dict(s), f"component:{cid}") for cid, comp in self.model.components.items()
               if comp.monitoring is not None for s in comp.monitoring.labels]  # fmt: skip
        self.rules = own + list(self.rules)  # the model's blocks first, then the file's

    def ref(self, labels: Mapping[str, str], explicit: str | None = None) -> str | None:
        """The element an alert with these labels is about, or ``None``."""
        for given in (explicit, labels.get("blackstart_ref")):
            if given and (found := self._exists(given)):
                return found
        comp = labels.get("component")
        if comp and comp in self.model.components:
            return f"component:{comp}"
        for match, ref in self.rules:
            if match and all(labels.get(k) == v for k, v in match.items()):
                return ref
        return None

    def _exists(self, ref: str) -> str | None:
        """The element's label if ``ref`` names one of the model (``function:ID@PLACE``
        too: a synthetic probe of a function from one hospital), else ``None``."""
        try:
            return parse_observation(self.model, ref)
        except UsageError:
            return None


def _time(value: Any, where: str) -> datetime | None:
    if value in (None, "", _ZERO_TIME):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: a time must be an RFC 3339 string",
                           "write e.g. 2024-08-03T09:00:00Z")  # fmt: skip
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{where}: cannot read time {value!r}",
                           "write e.g. 2024-08-03T09:00:00Z") from None  # fmt: skip
    if when.year <= 1:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise PayloadError(f"{where} must be an object of strings", 'write {"name": "value"}')
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _alert(raw: Any, where: str, mapper: AlertMapper, *, generic: bool) -> AlertIn:
    if not isinstance(raw, dict):
        raise PayloadError(f"{where} must be an object", "see docs/diagnose.md")
    status = raw.get("status", "firing" if generic else None)
    if status not in ("firing", "resolved"):
        raise PayloadError(f"{where}.status must be 'firing' or 'resolved', not {status!r}",
                           "Alertmanager sends firing or resolved")  # fmt: skip
    labels = _strings(raw.get("labels"), f"{where}.labels")
    if not labels:
        raise PayloadError(f"{where}.labels is empty", "an alert needs labels (alertname, …)")
    fingerprint = raw.get("fingerprint")
    if fingerprint is None or fingerprint == "":
        canon = json.dumps(sorted(labels.items()), separators=(",", ":"))
        fingerprint = hashlib.sha256(canon.encode()).hexdigest()[:32]
    if not isinstance(fingerprint, str) or len(fingerprint) > 200:
        raise PayloadError(f"{where}.fingerprint must be a string of at most 200 characters",
                           "leave it out to derive it from the labels")  # fmt: skip
    explicit = raw.get("ref") if generic else None
    if explicit is not None and not isinstance(explicit, str):
        raise PayloadError(f"{where}.ref must be a string", "write component:ID or site:ID")
    return AlertIn(
        fingerprint=fingerprint,
        status=status,
        name=labels.get("alertname", "")[:300],
        labels=labels,
        annotations=_strings(raw.get("annotations"), f"{where}.annotations"),
        ref=mapper.ref(labels, explicit),
        starts_at=_time(raw.get("startsAt"), f"{where}.startsAt"),
        ends_at=_time(raw.get("endsAt"), f"{where}.endsAt"),
    )


def parse(kind: str, payload: Any, mapper: AlertMapper) -> list[AlertIn]:
    """The alerts of a webhook payload (``kind``: alertmanager or generic)."""
    if kind == "alertmanager":
        if not isinstance(payload, dict) or "alerts" not in payload:
            raise PayloadError("not an Alertmanager webhook payload (no 'alerts')",
                               "point an Alertmanager webhook_config at this URL")  # fmt: skip
        version = payload.get("version")
        if version is not None and str(version) != "4":
            raise PayloadError(f"payload version {version!r} is not supported",
                               "Alertmanager sends version 4")  # fmt: skip
        raws = payload["alerts"]
    else:
        raws = payload.get("alerts", [payload]) if isinstance(payload, dict) else payload
    if not isinstance(raws, list):
        raise PayloadError("'alerts' must be a list", "send a list of alert objects")
    if len(raws) > MAX_ALERTS:
        raise PayloadError(f"{len(raws)} alerts in one request", f"at most {MAX_ALERTS}")
    return [_alert(a, f"alerts[{i}]", mapper, generic=kind == "generic")
            for i, a in enumerate(raws)]  # fmt: skip


def header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(data)).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class AlertWebhooks:
    """ASGI middleware answering the two webhook paths (module docstring); everything
    else goes on to the app."""

    def __init__(self, app: ASGIApp, store: AlertStore, state: Any) -> None:
        self.app, self.store, self.state = app, store, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = PATHS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await _json(send, 405, {"error": "use POST", "suggestion": "see docs/diagnose.md"})
            return
        auth = header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await _json(send, 401, {"error": "bearer token missing",
                                    "suggestion": "send 'Authorization: Bearer TOKEN' "
                                    "(blackstart integration add NAME)"})  # fmt: skip
            return
        found = await to_thread.run_sync(self.store.integration_for, token.strip())
        if found is None:
            await _json(send, 401, {"error": "unknown token",
                                    "suggestion": "blackstart integration list"})  # fmt: skip
            return
        if found.revoked_at is not None:
            await _json(send, 403, {"error": f"integration '{found.name}' is revoked",
                                    "suggestion": "add a new integration"})  # fmt: skip
            return
        body = await _read(receive)
        if body is None:
            await _json(send, 413, {"error": "request too large",
                                    "suggestion": f"at most {MAX_BODY} bytes"})  # fmt: skip
            return
        try:
            payload = json.loads(body)
            alerts = parse(kind, payload, self.state.alert_mapper)
        except json.JSONDecodeError:
            await _json(send, 422, {"error": "the request body is not valid JSON",
                                    "suggestion": "send application/json"})  # fmt: skip
            return
        except PayloadError as exc:
            await _json(send, 422, {"error": exc.message, "suggestion": exc.suggestion})
            return
        counts = await to_thread.run_sync(self.store.record_alerts, found.id, alerts)
        self.state.diagnose.changed()
        unmapped = sorted({a.name or a.fingerprint for a in alerts if a.ref is None})
        await _json(send, 200, {"integration": found.name, "received": len(alerts), **counts,
                                "firing": sum(a.status == "firing" for a in alerts),
                                "resolved": sum(a.status == "resolved" for a in alerts),
                                "unmapped": unmapped})  # fmt: skip


async def _read(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
