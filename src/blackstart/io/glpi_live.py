"""Read a live GLPI instance through its legacy REST API, read-only.

Owns the HTTP exchange documented in GLPI's ``apirest.md``
(https://github.com/glpi-project/glpi/blob/main/apirest.md): ``GET initSession`` with the
``App-Token`` header and ``Authorization: user_token …`` gives a ``session_token``; each
item type is read with ``GET <ItemType>/?range=START-END&expand_dropdowns=true`` and the
``Session-Token`` header, page after page, using the ``Content-Range: START-END/TOTAL``
header of the answers (``206 Partial Content`` while more remain, ``200`` for the last
or only page); ``GET killSession`` ends the session, whatever happened. Only GET
requests: the session is GLPI's default read-only one. Errors come back as GLPI's
``["ERROR_CODE", "message"]`` and become located problems naming the URL.

The answers are the same as saved files (:func:`blackstart.io.glpi.records_from_data`).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from blackstart.errors import ModelError, Problem

_RANGE = re.compile(r"(\d+)-(-?\d+)/(\d+)")
APP_TOKEN_VAR = "GLPI_APP_TOKEN"
_UNKNOWN_TYPE = (
    "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",  # apirest.md's name
    "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM",
    "ERROR_ITEM_NOT_FOUND",
)
USER_TOKEN_VAR = "GLPI_USER_TOKEN"


class GlpiClient:
    """One read-only session on ``url`` (``https://host/glpi/apirest.php`` or the GLPI root)."""

    def __init__(self, url: str, *, app_token: str | None, user_token: str, timeout: float = 60):
        base = url.rstrip("/")
        self.base = base if base.endswith("apirest.php") else base + "/apirest.php"
        self.app_token = app_token
        self.user_token = user_token
        self.timeout = timeout
        self.session: str | None = None

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.app_token:
            h["App-Token"] = self.app_token
        if self.session:
            h["Session-Token"] = self.session
        else:
            h["Authorization"] = f"user_token {self.user_token}"
        return h

    def get(self, path: str) -> tuple[int, dict[str, str], Any]:
        """(status, headers, decoded JSON) of ``GET base/path``; HTTP errors are returned,
        unreachable hosts raise :class:`ModelError`."""
        url = f"{self.base}/{path}"
        req = urllib.request.Request(url, headers=self._headers(), method="GET")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, dict(resp.headers.items()), _decode(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers.items()), _decode(exc.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ModelError(
                [
                    Problem(
                        "unreachable",
                        f"cannot reach GLPI at {url}: {reason}",
                        file=self.base,
                        suggestion="check --url (the GLPI root or its apirest.php) and the network",
                    )
                ]
            ) from None

    def fail(self, what: str, status: int, body: Any) -> ModelError:
        code, message = _glpi_error(body)
        hint = {
            401: f"check ${USER_TOKEN_VAR} (the user's API token) and ${APP_TOKEN_VAR}, and "
            "that the API is enabled for this client's address",
            400: "check the GLPI version and that this item type exists",
        }.get(status, "see GLPI's answer above")
        return ModelError(
            [
                Problem(
                    "glpi-api",
                    f"GLPI answered {status} to {what}: {code} {message}".strip(),
                    file=self.base,
                    key=what,
                    suggestion=hint,
                )
            ]
        )

    def open(self) -> None:
        status, _, body = self.get("initSession")
        if status != 200 or not isinstance(body, dict) or "session_token" not in body:
            raise self.fail("initSession", status, body)
        self.session = str(body["session_token"])

    def close(self) -> None:
        if self.session:
            try:
                self.get("killSession")
            finally:
                self.session = None

    def items(self, itemtype: str, *, page: int = 500) -> list[Any] | None:
        """Every object of ``itemtype``, page by page; ``None`` when GLPI does not know
        the item type (an older version)."""
        rows: list[Any] = []
        start = 0
        while True:
            path = f"{itemtype}/?range={start}-{start + page - 1}&expand_dropdowns=true"
            status, headers, body = self.get(path)
            code, _ = _glpi_error(body)
            if status == 400 and code == "ERROR_RANGE_EXCEED_TOTAL":
                return rows
            if status in (400, 404) and code in _UNKNOWN_TYPE:
                return None
            if status not in (200, 206) or not isinstance(body, list):
                raise self.fail(f"GET {itemtype}", status, body)
            rows.extend(body)
            m = _RANGE.search(_header(headers, "Content-Range") or "")
            if status == 200 or m is None or not body:
                return rows
            end, total = int(m.group(2)), int(m.group(3))
            if end + 1 >= total:
                return rows
            start = end + 1


def fetch(
    url: str, itemtypes: tuple[str, ...], *, app_token: str | None, user_token: str, page: int = 500
) -> tuple[dict[str, list[Any]], list[str]]:
    """The answers for each item type, and notes (item types the instance lacks)."""
    client = GlpiClient(url, app_token=app_token, user_token=user_token)
    client.open()
    out: dict[str, list[Any]] = {}
    notes: list[str] = []
    try:
        for itype in itemtypes:
            rows = client.items(itype, page=page)
            if rows is None:
                notes.append(f"{client.base}: item type {itype} unknown to this GLPI; skipped")
                continue
            out[itype] = rows
    finally:
        client.close()
    return out, notes


def _header(headers: dict[str, str], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers.items() if k.lower() == low), None)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw[:200].decode("utf-8", "replace")


def _glpi_error(body: Any) -> tuple[str, str]:
    if isinstance(body, list) and len(body) == 2 and all(isinstance(x, str) for x in body):
        return body[0], body[1]
    return "", "" if body is None or isinstance(body, (list, dict)) else str(body)
