"""Read a live iTop through its REST/JSON API, read-only.

Owns the HTTP exchange of iTop's REST services (``webservices/rest.php?version=1.3``,
https://www.itophub.io/wiki/page?id=latest:advancedtopics:rest_json): one POST per class
with the form fields ``auth_user``/``auth_pwd`` (or ``auth_token``) and ``json_data`` =
``{"operation": "core/get", "class": C, "key": "SELECT C", "output_fields": "*"}``. Only
``core/get``: nothing is written. The answers are the saved files' format
(:func:`blackstart.io.itop.records_from_answers`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from blackstart.io.itop import fail

USER_VAR, PASSWORD_VAR, TOKEN_VAR = "ITOP_USER", "ITOP_PASSWORD", "ITOP_TOKEN"


def fetch(
    url: str, classes: tuple[str, ...], *, auth: dict[str, str], timeout: float = 120
) -> dict[str, Any]:
    """``{class: core/get answer}`` for each class."""
    base = url.rstrip("/")
    if not base.endswith("rest.php"):
        base += "/webservices/rest.php"
    out: dict[str, Any] = {}
    for cls in classes:
        query = {
            "operation": "core/get",
            "class": cls,
            "key": f"SELECT {cls}",
            "output_fields": "*",
        }
        form = urllib.parse.urlencode({**auth, "json_data": json.dumps(query)}).encode()
        req = urllib.request.Request(f"{base}?version=1.3", data=form, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                answer = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise fail(
                base,
                f"iTop answered HTTP {exc.code} to core/get {cls}",
                "check --url and that the REST services are enabled",
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise fail(
                base,
                f"cannot read iTop at {base}: {exc}",
                "check --url (the iTop root or its rest.php) and the network",
            ) from None
        code = answer.get("code") if isinstance(answer, dict) else None
        if code == 1:
            raise fail(
                base,
                f"iTop refused the credentials: {answer.get('message')}",
                f"check ${USER_VAR}/${PASSWORD_VAR} or ${TOKEN_VAR} (a REST user)",
            )
        if code not in (0, None):
            raise fail(
                base,
                f"iTop answered code {code} to core/get {cls}: {answer.get('message')}",
                "is this class in your iTop's data model?",
            )
        out[cls] = answer
    return out
