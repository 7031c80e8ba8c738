"""The CSV templates of ``blackstart template csv``: file names, columns, what each
column means, an example; and writing them empty with a README.

Owns the spreadsheet vocabulary (read by :mod:`blackstart.io.csv_import`). Columns map
one to one to model keys (docs/model-format.md); lists in a cell are ``;``-separated.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from blackstart.model.schema import TIERS, ComponentKind, ProviderKind, SiteKind


@dataclass(frozen=True)
class Column:
    """One column of a template."""

    name: str
    required: bool
    meaning: str
    example: str


def _c(name: str, meaning: str, example: str, required: bool = False) -> Column:
    return Column(name, required, meaning, example)


TEMPLATES: dict[str, tuple[Column, ...]] = {
    "providers.csv": (
        _c("id", "provider id", "colo-operator", True),
        _c("kind", "one of " + ", ".join(get_args(ProviderKind)), "colocation"),
        _c("name", "display name", "Global Switch"),
        _c("owner", "who owns the provider", "Jiangsu Shagang Group"),
        _c("jurisdiction", "ISO 3166-1 alpha-2 country code", "GB"),
        _c("description", "free text", ""),
    ),
    "sites.csv": (
        _c("id", "site id", "dc-north", True),
        _c("kind", "one of " + ", ".join(get_args(SiteKind)), "colocation"),
        _c("name", "display name", "Main data centre"),
        _c("provider", "operator (a provider id)", "colo-operator"),
        _c("shared_with", "other tenants (provider ids, ';'-separated)", "cloud-a;cloud-b"),
        _c("city", "city", "Paris"),
        _c("description", "free text", ""),
    ),
    "components.csv": (
        _c("id", "component id", "lab-db", True),
        _c("kind", "one of " + ", ".join(get_args(ComponentKind)), "database", True),
        _c("name", "display name", "Laboratory database"),
        _c("site", "where it runs (a site id)", "dc-north"),
        _c("provider", "third party it depends on (a provider id)", ""),
        _c("team", "owning team (a team id)", "infra"),
        _c("skill", "skill needed to recover it", "dba"),
        _c("boot", "automatic boot duration", "5min"),
        _c("restart", "manual restart duration or range", "30min..1h"),
        _c("data_check", "data check duration or range", "1h..3h"),
        _c("restore", "restore-from-backup duration or range", "4h..8h"),
        _c("restart_fails", "probability the restart fails (0 to 1)", "0.1"),
        _c("verify", "verification duration or range", "30min..2h"),
        _c("mtbf", "mean time between failures", "8760h"),
        _c("mttr", "mean time to repair", "4h"),
        _c("tags", "';'-separated tags", "clinical;oracle"),
        _c("description", "free text", ""),
    ),
    "dependencies.csv": (
        _c("id", "the component or function that needs something", "lab-app", True),
        _c("requires", "what it needs (a component or function id)", "lab-db", True),
        _c("group", "rows of one id with the same group are alternatives", "db-pair"),
        _c("at_least", "how many of the group are needed (default 1)", "1"),
    ),
    "functions.csv": (
        _c("id", "function id", "lab-results", True),
        _c("tier", "one of " + ", ".join(TIERS), "care", True),
        _c("name", "display name", "Lab results to wards"),
        _c("rto", "recovery time objective", "4h"),
        _c("mtpd", "maximum tolerable period of disruption", "48h"),
        _c("rpo", "recovery point objective (data loss tolerated)", "1h"),
        _c("patient_safety", "true if patient safety is at stake", "true"),
        _c("degraded_mode", "fallback procedure", "phone results to wards"),
        _c("degraded_holds_for", "how long the fallback holds", "72h"),
        _c("owner", "who answers for the function", "Head of laboratory"),
        _c("description", "free text", ""),
    ),
    "teams.csv": (
        _c("id", "team id", "infra", True),
        _c("name", "display name", "Infrastructure team"),
        _c("skills", "';'-separated skills", "storage;network", True),
        _c("weekday_hours", "working hours", "08:00-18:00"),
        _c("weekday_people", "people at work on weekdays", "5", True),
        _c("weekend_on_call", "people on call at weekends", "1"),
        _c("night_on_call", "people on call at night", "1"),
        _c("call_in", "delay before an on-call person starts", "1h"),
        _c("contact", "phone or e-mail", "+33 1 23 45 67 89"),
    ),
}
"""File name -> its columns, in order."""


def write_templates(directory: Path) -> list[Path]:
    """Write the empty CSV templates (header row only) and a README describing them."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    lines = [
        "# blackstart CSV templates",
        "",
        "Fill one row per entry, keep the header row, save as UTF-8 CSV, then run",
        "`blackstart import csv DIR -o model/imported.yaml`. Columns marked * are required;",
        "lists in a cell are separated by `;`. Durations take units: 45min, 4h, 2d,",
        "ranges 1h..4h. See docs/import.md.",
        "",
    ]
    for name, cols in TEMPLATES.items():
        path = directory / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow([c.name for c in cols])
        written.append(path)
        lines += [f"## {name}", "", "| column | meaning | example |", "|---|---|---|"]
        lines += [
            f"| {c.name}{' *' if c.required else ''} | {c.meaning} | {c.example} |" for c in cols
        ]
        lines.append("")
    readme = directory / "README.md"
    readme.write_text("\n".join(lines), "utf-8")
    return [*written, readme]
