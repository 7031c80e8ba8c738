"""The business impact analysis (BIA) workbook: one row per function, for continuity
plans and funding files.

Owns the BIA rows (tier, RTO, MTPD, RPO, degraded mode and how long it holds, whether
the degraded mode covers the RTO, direct dependencies, single points of failure from
:func:`blackstart.resilience.spof`) and their .xlsx rendering with openpyxl. The sheet
``BIA`` holds the rows (durations in hours, as numbers); ``About`` explains each column
and names the model (name, hash, blackstart version).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blackstart import __version__
from blackstart.model.model import Model
from blackstart.model.requirements import Ref, Requirement
from blackstart.model.schema import TIERS

COLUMNS: tuple[tuple[str, str], ...] = (
    ("Function", "function id"),
    ("Name", "display name"),
    ("Tier", "vital, care or administrative"),
    ("Patient safety", "yes when patient safety is at stake"),
    ("RTO (h)", "recovery time objective, hours"),
    ("MTPD (h)", "maximum tolerable period of disruption, hours"),
    ("RPO (h)", "recovery point objective (data loss tolerated), hours"),
    ("Degraded mode", "fallback procedure while the function is down"),
    ("Holds for (h)", "how long the degraded mode holds, hours"),
    ("Covers RTO", "yes when the degraded mode holds at least until the RTO"),
    ("Dependencies", "what the function needs directly (any of / at least k of: redundancy)"),
    ("Single points of failure", "one failure of any of these takes the function down"),
    ("Owner", "who answers for the function"),
)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 4)


def _text(req: Requirement | None) -> str:
    if req is None:
        return ""
    if isinstance(req, Ref):
        return req.name
    inner = ", ".join(_text(i) for i in req.items)
    if req.op == "all_of":
        return inner
    if req.op == "any_of":
        return f"any of ({inner})"
    return f"{req.k} of ({inner})"


def bia_rows(model: Model) -> list[dict[str, Any]]:
    """One row per function (vital first, then care, then administrative; by id)."""
    from blackstart import resilience

    spofs = {r["id"]: r["single_points_of_failure"] for r in resilience.spof(model)["functions"]}
    rank = {t: i for i, t in enumerate(TIERS)}
    rows = []
    for fid in sorted(model.functions, key=lambda f: (rank[model.functions[f].tier], f)):
        fn = model.functions[fid]
        dm = fn.degraded_mode
        covers = None
        if dm is not None and fn.rto is not None:
            covers = "yes" if dm.holds_for >= fn.rto else "no"
        rows.append(
            {
                "Function": fid,
                "Name": fn.name or "",
                "Tier": fn.tier,
                "Patient safety": "yes" if fn.patient_safety else "no",
                "RTO (h)": _hours(fn.rto),
                "MTPD (h)": _hours(fn.mtpd),
                "RPO (h)": _hours(fn.rpo),
                "Degraded mode": dm.procedure if dm else "",
                "Holds for (h)": _hours(dm.holds_for) if dm else None,
                "Covers RTO": covers or "",
                "Dependencies": _text(model.requirements.get(fid)),
                "Single points of failure": ", ".join(spofs.get(fid, [])),
                "Owner": fn.owner or "",
            }
        )
    return rows


def write_bia(model: Model, path: Path) -> int:
    """Write the workbook to ``path``; return the number of function rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = bia_rows(model)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BIA"
    ws.append([c for c, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[c] for c, _ in COLUMNS])
    ws.freeze_panes = "B2"
    for i, (name, _) in enumerate(COLUMNS, start=1):
        width = max([len(name), *(len(str(r[name] or "")) for r in rows)])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, width + 2)
    about = wb.create_sheet("About")
    about.append(["Business impact analysis of", model.name])
    about.append(["Model hash", model.hash])
    about.append(["Written by", f"blackstart {__version__}"])
    about.append([])
    about.append(["Column", "Meaning"])
    for name, meaning in COLUMNS:
        about.append([name, meaning])
    wb.save(path)
    return len(rows)
