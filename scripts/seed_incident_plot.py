"""The seed incident (August 2024) replayed: blackstart's forecast against the public timeline.

Runs the Monte Carlo forecast of the example's ``colo-power-cut`` scenario as it could have
been made when power returned (Sat 3 Aug 2024, 14:30 Europe/Paris), prints the bands of the
functions and tiers the press timeline talks about, and writes ``docs/seed-incident.svg``:
the P50-P95 bands next to the three published ETAs. With ``--what-if``, also forecasts
modified copies of the example (built in a temporary directory, never committed) and prints
what each change would have saved.

    .venv/bin/python scripts/seed_incident_plot.py            # table + docs/seed-incident.svg
    .venv/bin/python scripts/seed_incident_plot.py --what-if  # + the what-if table

The SVG is written by hand (rects, lines, text): no plotting dependency.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from blackstart import api
from blackstart.planning import run_forecast

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hospital-group"
SCENARIO = "colo-power-cut"
AS_OF = "2024-08-03T14:30"  # power back on the provider's side: when the forecast is made
TZ = ZoneInfo("Europe/Paris")


def paris(text: str) -> datetime:
    """A time of the press timeline (Europe/Paris)."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


# The three published ETAs (press timeline, DESIGN.md section 1).
ETAS = [
    ("ETA #1 'end of Sunday afternoon'", paris("2024-08-04T18:00")),
    ("ETA #2 'before Monday morning'", paris("2024-08-05T08:00")),
    ("ETA #3 'everything by end of Monday'", paris("2024-08-05T20:00")),
]

# What the press reported, as windows: (row, label, start, end). The test asserts the same.
OBSERVED = {
    "telephony": ("Sat -> Sun night", paris("2024-08-03T20:00"), paris("2024-08-04T10:00")),
    "hospital-connectivity": (
        "Sat -> Sun night",
        paris("2024-08-03T20:00"),
        paris("2024-08-04T10:00"),
    ),
    "internet-access": ("Sat -> Sun night", paris("2024-08-03T20:00"), paris("2024-08-04T10:00")),
    "messaging": ("Sat -> Sun night", paris("2024-08-03T20:00"), paris("2024-08-04T10:00")),
    "tier:care": ("Monday morning", paris("2024-08-04T20:00"), paris("2024-08-05T14:00")),
    "tier:administrative": (
        "still incomplete Tue evening",
        paris("2024-08-06T18:00"),
        paris("2024-08-12T00:00"),
    ),
}

ROWS = [
    ("telephony", "Telephony"),
    ("hospital-connectivity", "DC <-> hospital links"),
    ("internet-access", "Internet access"),
    ("messaging", "E-mail"),
    ("patient-record", "Patient record"),
    ("tier:vital", "Vital tier (all)"),
    ("tier:care", "Care tier (all)"),
    ("tier:administrative", "Administrative tier (all)"),
]


# --------------------------------------------------------------------------- forecast


def forecast(model_dir: Path, runs: int) -> dict[str, Any]:
    """The forecast payload of the scenario as of power return."""
    model = api.load(model_dir)
    return run_forecast(model, SCENARIO, runs=runs, seed=0, as_of=AS_OF, learn=False).to_dict()


def bands(payload: dict[str, Any]) -> dict[str, dict[str, datetime]]:
    """``{row: {p50, p80, p95}}`` for every function (by id) and tier (``tier:NAME``)."""
    out: dict[str, dict[str, datetime]] = {}
    for f in payload["functions"]:
        out[f["id"]] = {q: datetime.fromisoformat(f[q]) for q in ("p50", "p80", "p95")}
    for tier, b in payload["tiers"].items():
        out[f"tier:{tier}"] = {q: datetime.fromisoformat(b[q]) for q in ("p50", "p80", "p95")}
    out["all"] = {q: datetime.fromisoformat(payload["all"][q]) for q in ("p50", "p80", "p95")}
    return out


def fmt(t: datetime) -> str:
    return t.astimezone(TZ).strftime("%a %d %H:%M")


def eta_probabilities(model_dir: Path, runs: int) -> dict[str, list[float]]:
    """Per tier, the share of runs in which it is all back by each published ETA (same
    runs as :func:`forecast`: same seed, same progress)."""
    import numpy as np

    from blackstart.engine.forecast import forecast as monte_carlo
    from blackstart.planning import context, progress_of

    model = api.load(model_dir)
    ctx = context(model, SCENARIO)
    fnodes = ctx.function_nodes()
    watch = np.array([v for _, v in fnodes], np.int64)
    prog = progress_of(ctx, AS_OF, [], [])
    res = monte_carlo(ctx.problem, watch, runs=runs, seed=0, progress=prog)
    out = {}
    for tier in ("vital", "care", "administrative"):
        cols = [j for j, (f, _) in enumerate(fnodes) if model.functions[f].tier == tier]
        back = res.group_max(cols)
        limits = [(when - ctx.scenario.start).total_seconds() / 60 for _, when in ETAS]
        out[tier] = [float((back <= lim).mean()) for lim in limits]
    return out


def print_table(b: dict[str, dict[str, datetime]], probs: dict[str, list[float]]) -> None:
    print(f"{'':28} {'P50':>12} {'P80':>12} {'P95':>12}   public timeline (P50 window)")
    for key, label in ROWS:
        r = b[key]
        target = ""
        if key in OBSERVED:
            what, lo, hi = OBSERVED[key]
            ok = lo <= r["p50"] <= hi
            target = f"{what}: [{fmt(lo)}, {fmt(hi)}] {'ok' if ok else 'MISSED'}"
        print(f"{label:28} {fmt(r['p50']):>12} {fmt(r['p80']):>12} {fmt(r['p95']):>12}   {target}")
    print()
    print("Probability, in the forecast made at power return, that each tier is all back by")
    for i, (name, when) in enumerate(ETAS):
        shares = ", ".join(f"{tier} {p[i]:.0%}" for tier, p in probs.items())
        print(f"  {name:38} {fmt(when)}: {shares}")


# --------------------------------------------------------------------------- SVG

W, H = 1100, 500
LEFT, RIGHT, TOP = 200, 20, 84
ROW_H = 36
T0 = paris("2024-08-03T06:00")
T1 = paris("2024-08-08T18:00")
NIGHT = ("#eef1f6", 20, 8)  # fill, night from 20:00 to 08:00


def x_of(t: datetime) -> float:
    span = (T1 - T0).total_seconds()
    return LEFT + (W - LEFT - RIGHT) * (t - T0).total_seconds() / span


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(b: dict[str, dict[str, datetime]], runs: int) -> str:
    bottom = TOP + ROW_H * len(ROWS)
    el: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        '<text x="20" y="24" font-size="16" font-weight="bold">August 2024 colocation '
        "power cut: blackstart's forecast, made when power returned (Sat 3 Aug, 14:30)</text>",
        f'<text x="20" y="44" fill="#555">dot: P50, bar: P50 to P95, tick: P80 of when each '
        f"is back ({runs} Monte Carlo runs, seed 0). Green frame: when the press reported it "
        "back</text>",
        '<text x="20" y="60" fill="#555">(diamond: Mon ~10:00, care applications back in every '
        "hospital). Red dashed lines: the three published ETAs. Shaded: nights "
        "(20:00-08:00).</text>",
    ]
    # nights (20:00-08:00) and day labels
    day = T0.replace(hour=0, minute=0)
    while day < T1:
        n0 = max(day.replace(hour=NIGHT[1]), T0)
        n1 = min(day.replace(hour=NIGHT[2]) + timedelta(days=1), T1)
        if n1 > n0:
            el.append(
                f'<rect x="{x_of(n0):.1f}" y="{TOP}" width="{x_of(n1) - x_of(n0):.1f}" '
                f'height="{bottom - TOP}" fill="{NIGHT[0]}"/>'
            )
        noon = day.replace(hour=12)
        if T0 <= noon <= T1:
            el.append(
                f'<text x="{x_of(noon):.1f}" y="{bottom + 18}" text-anchor="middle">'
                f"{noon.strftime('%a %d Aug')}</text>"
            )
        for hour in (0, 12):
            tick = day.replace(hour=hour)
            if T0 <= tick <= T1:
                el.append(
                    f'<line x1="{x_of(tick):.1f}" y1="{bottom}" x2="{x_of(tick):.1f}" '
                    f'y2="{bottom + 5}" stroke="#999"/>'
                )
        day += timedelta(days=1)
    # the outage itself
    cut0, cut1 = paris("2024-08-03T11:00"), paris("2024-08-03T14:30")
    el.append(
        f'<rect x="{x_of(cut0):.1f}" y="{TOP}" width="{x_of(cut1) - x_of(cut0):.1f}" '
        f'height="{bottom - TOP}" fill="#f4c7c3"/>'
    )
    el.append(
        f'<text x="{x_of(cut0):.1f}" y="{TOP - 6}" font-size="11" fill="#a33">power cut</text>'
    )
    # rows
    for i, (key, label) in enumerate(ROWS):
        y = TOP + i * ROW_H
        mid = y + ROW_H / 2
        el.append(f'<text x="{LEFT - 8}" y="{mid + 4:.1f}" text-anchor="end">{esc(label)}</text>')
        el.append(
            f'<line x1="{LEFT}" y1="{y + ROW_H:.1f}" x2="{W - RIGHT}" y2="{y + ROW_H:.1f}" '
            'stroke="#ddd"/>'
        )
        if key in OBSERVED:
            _, lo, hi = OBSERVED[key]
            hi = min(hi, T1)
            el.append(
                f'<rect x="{x_of(lo):.1f}" y="{y + 4}" width="{x_of(hi) - x_of(lo):.1f}" '
                f'height="{ROW_H - 8}" fill="none" stroke="#2a9d4b" stroke-width="2" rx="3"/>'
            )
        r = b[key]
        colour = {"tier:administrative": "#8d6cab", "tier:care": "#d9822b"}.get(key, "#3b73b9")
        x50, x80, x95 = (x_of(min(r[q], T1)) for q in ("p50", "p80", "p95"))
        el.append(
            f'<rect x="{x50:.1f}" y="{mid - 7:.1f}" width="{max(x95 - x50, 2):.1f}" height="14" '
            f'fill="{colour}" fill-opacity="0.45"/>'
        )
        el.append(
            f'<line x1="{x80:.1f}" y1="{mid - 7:.1f}" x2="{x80:.1f}" y2="{mid + 7:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        el.append(f'<circle cx="{x50:.1f}" cy="{mid:.1f}" r="5" fill="{colour}"/>')
        if key in ("patient-record", "tier:care"):
            xd = x_of(paris("2024-08-05T10:00"))
            el.append(
                f'<path d="M {xd:.1f} {mid - 8:.1f} L {xd + 6:.1f} {mid:.1f} L {xd:.1f} '
                f'{mid + 8:.1f} L {xd - 6:.1f} {mid:.1f} Z" fill="none" stroke="#2a9d4b" '
                'stroke-width="2"/>'
            )
        x_text = x95 + 8
        if key in OBSERVED:
            x_text = max(x_text, x_of(min(OBSERVED[key][2], T1)) + 6)
        anchor = "start"
        if x_text > W - RIGHT - 90:  # no room on the right: write it left of the bar
            x_text, anchor = x50 - 10, "end"
        el.append(
            f'<text x="{x_text:.1f}" y="{mid + 4:.1f}" font-size="10.5" fill="#333" '
            f'text-anchor="{anchor}">P50 {fmt(r["p50"])}</text>'
        )
    # the published ETAs
    for j, (name, when) in enumerate(ETAS):
        x = x_of(when)
        el.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#c0392b" '
            'stroke-dasharray="5,4" stroke-width="1.5"/>'
        )
        el.append(
            f'<text x="{x + 3:.1f}" y="{bottom + 36 + 14 * j}" font-size="11" fill="#c0392b">'
            f"{esc(name)} ({fmt(when)})</text>"
        )
    el.append(
        f'<text x="20" y="{H - 8}" font-size="10" fill="#777">Generated by '
        "scripts/seed_incident_plot.py from the example model (examples/hospital-group, "
        "scenario colo-power-cut).</text>"
    )
    el.append("</svg>")
    return "\n".join(el) + "\n"


# --------------------------------------------------------------------------- what-ifs


def _patch(path: Path, old: str, new: str, count: int | None = None) -> None:
    text = path.read_text("utf-8")
    found = text.count(old)
    if found == 0 or (count is not None and found != count):
        raise SystemExit(f"what-if patch failed on {path.name}: {old!r} found {found} times")
    path.write_text(text.replace(old, new), "utf-8")


def _on_call(team: str, people: int) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        text = (d / "teams.yaml").read_text("utf-8")
        block = re.search(rf"\n  {re.escape(team)}:\n(?:    .*\n)+", text)
        assert block, team
        new = re.sub(r"weekend: \{on_call: \d+\}", f"weekend: {{on_call: {people}}}", block[0])
        (d / "teams.yaml").write_text(text.replace(block[0], new), "utf-8")

    return apply


HOSPITALS = tuple(f"hospital-{h}" for h in ("north", "south", "east", "west", "centre"))

EHR_STANDBY = """
# what-if: the patient record served from a warm standby in the secondary DC
components:
  ehr-standby-app:
    kind: application
    name: Patient record application, warm standby in the secondary DC
    site: dc-secondary
    team: clinical-apps
    requires: [vm-ehr-viewer, db-ehr-standby, active-directory{wan}]
"""

DCS_WAN_HUB = """
  dcs-wan-hub:
    kind: network
    name: Second WAN hub in the secondary DC (carrier B links re-homed here)
    site: dc-secondary
    team: network
    requires: [dcs-core-network, dcs-firewall]
"""


def _ehr_standby(rehome_wan: bool) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        text = EHR_STANDBY.format(wan=", dcs-wan-hub" if rehome_wan else ", interdc")
        if rehome_wan:
            text += DCS_WAN_HUB
            hospitals = (d / "hospitals.yaml").read_text("utf-8")
            for h in HOSPITALS:  # each hospital's carrier-B link ends in either hub
                block = re.search(rf"\n  {h}-wan-b:\n(?:    .*\n)+", hospitals)
                assert block, h
                rehomed = block[0].replace(
                    f"requires: [{h}-router, colo-wan-edge]",
                    f"requires: [{h}-router, {{any_of: [colo-wan-edge, dcs-wan-hub]}}]",
                )
                assert rehomed != block[0], h
                hospitals = hospitals.replace(block[0], rehomed)
            (d / "hospitals.yaml").write_text(hospitals, "utf-8")
        (d / "whatif.yaml").write_text(text, "utf-8")
        _patch(
            d / "functions.yaml",
            "requires: [ehr-app, ehr-web, hospital-connectivity, '{place}-workstations']",
            "requires: [{any_of: [{all_of: [ehr-app, ehr-web]}, ehr-standby-app]}, "
            "hospital-connectivity, '{place}-workstations']",
            1,
        )

    return apply


def _both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        for change in changes:
            change(d)

    return apply


WHAT_IFS: list[tuple[str, Callable[[Path], None]]] = [
    ("(a) weekend on-call DBAs 1 -> 2", _on_call("database", 2)),
    ("(b) weekend on-call storage engineers 1 -> 2", _on_call("storage-backup", 2)),
    ("(c) weekend on-call clinical-apps engineers 2 -> 4", _on_call("clinical-apps", 4)),
    (
        "(d) all three doubled: database 2, storage 2, clinical apps 4",
        _both(_on_call("database", 2), _on_call("storage-backup", 2), _on_call("clinical-apps", 4)),
    ),
    ("(e) patient-record standby in the secondary DC, reached via the colo", _ehr_standby(False)),
    ("(f) same standby, carrier-B WAN links re-homed to the secondary DC", _ehr_standby(True)),
]

WHAT_IF_ROWS = [
    ("patient-record", "patient record"),
    ("tier:vital", "vital tier"),
    ("tier:care", "care tier"),
    ("tier:administrative", "administrative tier"),
]


def _delta(base: datetime, new: datetime) -> str:
    h = (base - new).total_seconds() / 3600
    return f"{h:+.1f} h" if abs(h) >= 0.05 else "0 h"


def what_ifs(base: dict[str, dict[str, datetime]], runs: int) -> list[dict[str, Any]]:
    """Forecast each what-if on a patched copy of the example; hours saved vs the baseline
    (positive: earlier)."""
    rows = []
    for name, change in WHAT_IFS:
        with tempfile.TemporaryDirectory(prefix="blackstart-whatif-") as tmp:
            d = Path(tmp) / "hospital-group"
            shutil.copytree(EXAMPLE, d)
            change(d)
            b = bands(forecast(d, runs))
        rows.append({"name": name, "bands": b})
        print(name)
        for key, label in WHAT_IF_ROWS:
            r, r0 = b[key], base[key]
            print(
                f"  {label:20} P50 {fmt(r['p50'])} ({_delta(r0['p50'], r['p50'])} saved)"
                f"   P80 {fmt(r['p80'])} ({_delta(r0['p80'], r['p80'])} saved)"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "seed-incident.svg")
    parser.add_argument("--what-if", action="store_true", help="also forecast the what-ifs")
    args = parser.parse_args()
    base = bands(forecast(EXAMPLE, args.runs))
    print(f"Forecast of {SCENARIO} as of {AS_OF} (Europe/Paris), {args.runs} runs, seed 0\n")
    print_table(base, eta_probabilities(EXAMPLE, args.runs))
    args.out.write_text(svg(base, args.runs), "utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if args.what_if:
        print("\nWhat-ifs (same forecast on a modified copy of the example):")
        what_ifs(base, args.runs)


if __name__ == "__main__":
    main()
