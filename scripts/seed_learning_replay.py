"""The seed's three published ETAs replayed with and without learning (docs/seed-incident.md §7).

"Truth": the bundled example with every recovery step twice as long as the model says
(its median plan), i.e. the model was optimistic by a factor 2 — as in issue 14's
measurement. At each of the three announcements, the progress of that truth (steps done
with their start and end, steps running since their start) is given to the forecast of
the unmodified model, with and without learning. Prints a Markdown table.

Run: ``.venv/bin/python scripts/seed_learning_replay.py``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from blackstart import api, planning
from blackstart.engine.durations import median_durations
from blackstart.engine.forecast import Progress
from blackstart.engine.schedule import run_once

PARIS = ZoneInfo("Europe/Paris")
ANNOUNCED = [  # (announced at, what was said, the ETA it means)
    ("2024-08-04T15:00", "ETA #1 «end of the afternoon»", "2024-08-04T18:00"),
    ("2024-08-04T19:00", "ETA #2 «before Monday morning»", "2024-08-05T08:00"),
    ("2024-08-05T10:00", "ETA #3 «everything by end of day»", "2024-08-05T20:00"),
]


def main() -> None:
    model = api.load(api.example_path())
    ctx = planning.context(model, "colo-power-cut")
    p = ctx.problem
    truth = run_once(p, median_durations(p) * 2)
    fnodes = ctx.function_nodes()
    care = [v for f, v in fnodes if model.functions[f].tier == "care"]
    every = [v for _, v in fnodes]
    print(
        "| announced | said | true care back | forecast | care P50 | care P80 | "
        "everything P50 | everything P80 | pace learnt (80 %) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    t_care = ctx.iso(int(truth.back[care].max()))
    t_all = ctx.iso(int(truth.back[every].max()))
    for at, said, _eta in ANNOUNCED:
        when = datetime.fromisoformat(at).replace(tzinfo=PARIS)
        t = int((when - ctx.scenario.start).total_seconds() // 60)
        done = np.where(truth.end <= t, truth.end, -1).astype(np.int64)
        started = np.where(truth.start <= t, truth.start, -1).astype(np.int64)
        prog = Progress(as_of=t, done_end=done, started=started)
        for learn in (False, True):
            fc = planning.run_forecast(
                model, "colo-power-cut", runs=2000, seed=0, ctx=ctx, progress=prog, learn=learn
            ).to_dict()
            c, a = fc["tiers"]["care"], fc["all"]
            pace = fc["pace"]
            learnt = (
                (
                    f"×{pace['overall']['median']:.2f} ({pace['overall']['p10']:.2f}–"
                    f"{pace['overall']['p90']:.2f})"
                )
                if learn
                else "—"
            )
            print(
                f"| {at[5:].replace('T', ' ')} | {said} | {t_care[5:16].replace('T', ' ')} | "
                f"{'learning' if learn else 'no learning'} | {c['p50'][5:16].replace('T', ' ')}"
                f" | {c['p80'][5:16].replace('T', ' ')} | {a['p50'][5:16].replace('T', ' ')} | "
                f"{a['p80'][5:16].replace('T', ' ')} | {learnt} |"
            )
    print(f"\nTruth: care back {t_care}, everything back {t_all}.")


if __name__ == "__main__":
    main()
