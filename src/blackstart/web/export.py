"""``blackstart export-html``: one incident as a single self-contained HTML file (plan, task
board, contacts, status), for when the network does not work: inline CSS and SVG, no
script, no link to any other file or host, so it opens from a USB stick."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from blackstart import __version__, incident
from blackstart.model.model import Model
from blackstart.model.schema import TIERS
from blackstart.store.incidents import EVENT_KINDS, IncidentStore
from blackstart.web import eta_chart
from blackstart.web.board import board_of
from blackstart.web.clock import zone_of
from blackstart.web.lang import context as i18n_context
from blackstart.web.lang import function_namer
from blackstart.web.render import STATIC, templates


def contacts(model: Model) -> list[dict[str, Any]]:
    """Every team: name, contact, skills, weekday hours and people, on-call levels."""
    return [
        {
            "id": tid,
            "name": t.name or tid,
            "contact": t.contact,
            "skills": list(t.skills),
            "weekday": f"{t.weekday.hours}, {t.weekday.people} people",
            "weekend_on_call": t.weekend.on_call,
            "night_on_call": t.night.on_call,
        }
        for tid, t in sorted(model.teams.items())
    ]


def render_incident(
    store: IncidentStore, model: Model, incident_id: int, *, lang: str = "en"
) -> str:
    """The HTML text of the export in ``lang`` (``NotFound`` if there is no such
    incident)."""
    b = board_of(store, incident_id)
    css = (STATIC / "style.css").read_text("utf-8") + (STATIC / "incidents.css").read_text("utf-8")
    public = incident.public_functions(model, b["forecast"])
    warnings = []
    if b["incident"]["model_hash"] != model.hash:
        warnings.append("the model given is not the one the incident was declared on: "
                        "the contacts may differ")  # fmt: skip
    zone = zone_of(model, b["incident"]["scenario"])
    return templates.env.get_template("export.html").render(
        b=b,
        tz=zone,
        css=css,
        chart=eta_chart.svg(b, zone),
        tiers=TIERS,
        kinds=EVENT_KINDS,
        public=public,
        contacts=contacts(model),
        warnings=warnings,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        version=__version__,
        fname=function_namer(model, lang),
        **i18n_context(lang),
    )
