"""Import spreadsheets: a directory of CSV files, one per kind of entry.

Owns reading the files named like the templates (:mod:`blackstart.io.csv_templates`)
into a model document, with problems located at file, line and column. For teams who
keep their business impact analysis in a spreadsheet: export each sheet as CSV (UTF-8,
comma-separated, header row first) under the template's name.

Lists inside a cell (``skills``, ``tags``, ``shared_with``) are separated by ``;``.
``dependencies.csv`` has one row per requirement: ``id`` needs ``requires``. Rows of one
``id`` with the same ``group`` are alternatives (any of them is enough), or at least
``at_least`` of them when that column is set. References are checked within the CSV
files, with a "did you mean" suggestion.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.csv_templates import TEMPLATES
from blackstart.io.importing import Importer, ImportResult, not_found, sorted_sections
from blackstart.model.schema import TIERS, ComponentKind, ProviderKind, SiteKind
from blackstart.units import parse_distribution, parse_seconds


@dataclass
class _Row:
    file: str
    line: int
    cells: dict[str, str]


def _read(path: Path, label: str, imp: Importer) -> list[_Row]:
    cols = TEMPLATES[path.name]
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        imp.problems.append(
            Problem(
                "encoding",
                f"not UTF-8 text (byte {exc.start})",
                file=label,
                suggestion="save the sheet as CSV UTF-8",
            )
        )
        return []
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [h.strip() for h in reader.fieldnames or []]
    known = [c.name for c in cols]
    for c in cols:
        if c.required and c.name not in header:
            imp.problems.append(
                Problem(
                    "missing-column",
                    f"{path.name} has no '{c.name}' column ({c.meaning})",
                    file=label,
                    line=1,
                    key=c.name,
                    suggestion=(did_you_mean(c.name, header) or "")
                    + f" the header row is: {','.join(known)}",
                )
            )
    for h in header:
        if h not in known:
            imp.unmapped[(path.name, h)] += 1
    rows = []
    for raw in reader:
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        rows.append(_Row(label, reader.line_num, cells))
        imp.counts[path.name] += 1
    return rows


class _Cells:
    """Typed access to a row's cells, with located problems."""

    def __init__(self, imp: Importer, row: _Row) -> None:
        self.imp, self.row = imp, row

    def bad(self, column: str, message: str, suggestion: str | None = None) -> None:
        self.imp.problems.append(
            Problem(
                "bad-value",
                message,
                file=self.row.file,
                line=self.row.line,
                key=column,
                suggestion=suggestion,
            )
        )

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.row.cells.get(column) or None
        if value is None and required:
            self.imp.problems.append(
                Problem(
                    "missing-field",
                    f"'{column}' is empty",
                    file=self.row.file,
                    line=self.row.line,
                    key=column,
                    suggestion=f"fill in the '{column}' cell",
                )
            )
        return value

    def choice(self, column: str, allowed: tuple[str, ...], *, required: bool = False) -> Any:
        value = self.text(column, required=required)
        if value is not None and value not in allowed:
            self.bad(
                column,
                f"{value!r} is not a valid {column}",
                did_you_mean(value, allowed) or "one of: " + ", ".join(allowed),
            )
            return None
        return value

    def duration(self, column: str, *, dist: bool = False) -> str | None:
        value = self.text(column)
        if value is not None:
            try:
                (parse_distribution if dist else parse_seconds)(value)
            except ValueError as exc:
                self.bad(column, f"'{column}': {exc}", "write e.g. 45min, 4h, 2d or 1h..4h")
                return None
        return value

    def integer(self, column: str, *, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        if not value.isdigit():
            self.bad(column, f"'{column}' must be a whole number, not {value!r}", "write e.g. 2")
            return None
        return int(value)

    def items(self, column: str) -> list[str]:
        return [v.strip() for v in (self.text(column) or "").split(";") if v.strip()]


def import_csv(directory: Path) -> ImportResult:
    """Read a directory of CSV files (the templates' names) into a model document; a
    :class:`ModelError` with every problem located at file, line and column."""
    directory = Path(directory)
    if not directory.is_dir():
        raise not_found(directory, "a directory holding components.csv, functions.csv…")
    imp = Importer("csv")
    present = {p.name: p for p in directory.glob("*.csv")}
    if not set(present) & set(TEMPLATES):
        raise ModelError(
            [
                Problem(
                    "empty-import",
                    f"no template CSV file in {directory}",
                    file=str(directory),
                    suggestion="expected: "
                    + ", ".join(TEMPLATES)
                    + " (blackstart template csv DIR)",
                )
            ]
        )
    for name in sorted(set(present) - set(TEMPLATES)):
        imp.notes.append(f"{name}: not a template name: ignored")
    rows = {n: _read(present[n], n, imp) if n in present else [] for n in TEMPLATES}
    doc: dict[str, Any] = {
        s: {} for s in ("providers", "sites", "components", "functions", "teams")
    }
    seen: dict[str, tuple[str, int]] = {}

    def new_id(c: _Cells, section: str) -> str | None:
        ident = c.text("id", required=True)
        if ident is None:
            return None
        key = f"{'node' if section in ('components', 'functions') else section}:{ident}"
        if key in seen:
            f, line = seen[key]
            c.bad("id", f"'{ident}' is already defined in {f}:{line}", "ids must be unique")
            return None
        seen[key] = (c.row.file, c.row.line)
        return ident

    for row in rows["providers.csv"]:
        c = _Cells(imp, row)
        if (ident := new_id(c, "providers")) is not None:
            doc["providers"][ident] = _drop(
                {
                    "kind": c.choice("kind", get_args(ProviderKind)),
                    "name": c.text("name"),
                    "owner": c.text("owner"),
                    "jurisdiction": c.text("jurisdiction"),
                    "description": c.text("description"),
                }
            )
    for row in rows["sites.csv"]:
        c = _Cells(imp, row)
        if (ident := new_id(c, "sites")) is not None:
            doc["sites"][ident] = _drop(
                {
                    "kind": c.choice("kind", get_args(SiteKind)),
                    "name": c.text("name"),
                    "provider": c.text("provider"),
                    "shared_with": c.items("shared_with"),
                    "city": c.text("city"),
                    "description": c.text("description"),
                }
            )
    for row in rows["teams.csv"]:
        c = _Cells(imp, row)
        if (ident := new_id(c, "teams")) is not None:
            doc["teams"][ident] = _drop(
                {
                    "name": c.text("name"),
                    "skills": c.items("skills") or c.text("skills", required=True),
                    "weekday": _drop(
                        {
                            "hours": c.text("weekday_hours"),
                            "people": c.integer("weekday_people", required=True),
                        }
                    ),
                    "weekend": _drop({"on_call": c.integer("weekend_on_call")}),
                    "night": _drop({"on_call": c.integer("night_on_call")}),
                    "call_in": c.duration("call_in"),
                    "contact": c.text("contact"),
                }
            )
    for row in rows["components.csv"]:
        c = _Cells(imp, row)
        if (ident := new_id(c, "components")) is not None:
            recovery = {
                k: c.duration(k, dist=True)
                for k in ("boot", "restart", "data_check", "restore", "verify")
            }
            rf = c.text("restart_fails")
            if rf is not None:
                try:
                    recovery["restart_fails"] = float(rf)  # type: ignore[assignment]
                except ValueError:
                    c.bad(
                        "restart_fails",
                        f"'restart_fails' must be a probability, not {rf!r}",
                        "write e.g. 0.1",
                    )
            recovery["skill"] = c.text("skill")
            doc["components"][ident] = _drop(
                {
                    "kind": c.choice("kind", get_args(ComponentKind), required=True),
                    "name": c.text("name"),
                    "site": c.text("site"),
                    "provider": c.text("provider"),
                    "team": c.text("team"),
                    "recovery": _drop(recovery),
                    "failure": _drop({"mtbf": c.duration("mtbf"), "mttr": c.duration("mttr")}),
                    "tags": c.items("tags"),
                    "description": c.text("description"),
                }
            )
    for row in rows["functions.csv"]:
        c = _Cells(imp, row)
        if (ident := new_id(c, "functions")) is not None:
            ps = c.choice("patient_safety", ("true", "false", "yes", "no", "TRUE", "FALSE"))
            proc, holds = c.text("degraded_mode"), c.duration("degraded_holds_for")
            if bool(proc) != bool(holds):
                c.bad(
                    "degraded_holds_for" if proc else "degraded_mode",
                    "a degraded mode needs both 'degraded_mode' and 'degraded_holds_for'",
                )
            doc["functions"][ident] = _drop(
                {
                    "tier": c.choice("tier", TIERS, required=True),
                    "name": c.text("name"),
                    "rto": c.duration("rto"),
                    "mtpd": c.duration("mtpd"),
                    "rpo": c.duration("rpo"),
                    "patient_safety": None if ps is None else ps.lower() in ("true", "yes"),
                    "degraded_mode": {"procedure": proc, "holds_for": holds}
                    if proc and holds
                    else None,
                    "owner": c.text("owner"),
                    "description": c.text("description"),
                }
            )
    _dependencies(imp, rows["dependencies.csv"], doc)
    _check_refs(imp, rows, doc)
    imp.fail_if_problems()
    return ImportResult("csv", sorted_sections(doc), imp.warnings(), dict(imp.counts))


def _drop(d: dict[str, Any]) -> dict[str, Any] | None:
    out = {k: v for k, v in d.items() if v not in (None, "", [], {})}
    return out or None


def _dependencies(imp: Importer, rows: list[_Row], doc: dict[str, Any]) -> None:
    nodes = {**doc["components"], **doc["functions"]}
    plain: dict[str, list[str]] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    need: dict[tuple[str, str], tuple[int, _Cells]] = {}
    for row in rows:
        c = _Cells(imp, row)
        ident, target = c.text("id", required=True), c.text("requires", required=True)
        if ident is None or target is None:
            continue
        ok = True
        for column, name in (("id", ident), ("requires", target)):
            if name not in nodes:
                c.bad(
                    column,
                    f"'{name}' is neither a component nor a function of the CSV files",
                    did_you_mean(name, list(nodes)) or "add it to components.csv or functions.csv",
                )
                ok = False
        if not ok:
            continue
        group = c.text("group")
        if group is None:
            plain.setdefault(ident, []).append(target)
            continue
        groups.setdefault((ident, group), []).append(target)
        k = c.integer("at_least")
        if k is not None:
            need[(ident, group)] = (k, c)
    for (ident, group), items in groups.items():
        k, c = need.get((ident, group), (1, None))  # type: ignore[assignment]
        if not 1 <= k <= len(items):
            if c is not None:
                c.bad(
                    "at_least",
                    f"at_least {k} of group '{group}' of '{ident}', which has {len(items)} rows",
                    f"write a number from 1 to {len(items)}",
                )
            continue
        item: Any = {"any_of": items} if k == 1 else {"at_least": k, "of": items}
        plain.setdefault(ident, []).append(items[0] if len(items) == 1 else item)
    for ident, reqs in plain.items():
        (doc["components"].get(ident) or doc["functions"][ident])["requires"] = reqs


def _check_refs(imp: Importer, rows: dict[str, list[_Row]], doc: dict[str, Any]) -> None:
    """Sites, providers and teams named in cells exist in the CSV files."""
    checks = (
        ("sites.csv", "provider", "providers"),
        ("components.csv", "site", "sites"),
        ("components.csv", "provider", "providers"),
        ("components.csv", "team", "teams"),
    )
    for file, column, section in checks:
        for row in rows[file]:
            name = row.cells.get(column)
            if name and name not in doc[section]:
                _Cells(imp, row).bad(
                    column,
                    f"'{name}' is not in {section}.csv",
                    did_you_mean(name, list(doc[section])) or f"add it to {section}.csv",
                )
