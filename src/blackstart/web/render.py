"""Jinja2 environment of the pages: templates and filters, nothing else."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES = Path(str(resources.files("blackstart.web") / "templates"))
STATIC = Path(str(resources.files("blackstart.web") / "static"))

templates = Jinja2Templates(directory=TEMPLATES)


def duration(seconds: float | int | None) -> str:
    """``5400`` → ``1h30min``; ``None`` → an em dash."""
    if seconds is None:
        return "—"
    minutes = round(float(seconds) / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}min" if mins else ""]
    return "".join(parts) or "0min"


def when(iso: str | None) -> str:
    """``2024-08-03T14:30+02:00`` → ``2024-08-03 14:30`` (the zone is in the header)."""
    if not iso:
        return "—"
    return iso[:16].replace("T", " ")


templates.env.filters["duration"] = duration
templates.env.filters["when"] = when
