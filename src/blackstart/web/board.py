"""The incident board's service: declare, record, re-forecast, and the payloads of the
board, its JSON twin and the public status.

Every change is stored first (and acknowledged only once committed), then the incident is
re-forecast from what the store holds, and the forecast kept. Recovery problems are
cached per incident (they depend only on what failed and when). The public status is
cached for :data:`STATUS_TTL_S` and dropped on every local change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from blackstart import incident, incident_now, planning
from blackstart import maintenance as maint
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.schema import TIERS
from blackstart.store import incident_status
from blackstart.store import maintenance as maint_rows
from blackstart.store.incidents import (
    EVENT_KINDS,
    PUBLIC_ETA,
    IncidentRow,
    IncidentStore,
    Snapshot,
)
from blackstart.web.bounds import check_time, duration_seconds
from blackstart.web.clock import zone_of
from blackstart.web.dashboard import Dashboard, NotFound

log = logging.getLogger("blackstart.web")

STATUS_TTL_S = 1.0


def parse_when(text: str | None, tz: ZoneInfo, what: str) -> datetime | None:
    """An ISO time (local to the model's zone if naive), or ``None`` if empty."""
    if text is None or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{what}: cannot read time {text!r}", suggestion="write e.g. 2024-08-03T14:30"
        ) from None
    check_time(when.replace(tzinfo=UTC), what)  # before any offset arithmetic can overflow
    return check_time(when if when.tzinfo else when.replace(tzinfo=tz), what)


def board_of(store: IncidentStore, incident_id: int) -> dict[str, Any]:
    """The board's JSON: the incident, tasks with their state, unplanned tasks,
    forecasts kept, announcements and messages."""
    snap = store.snapshot(incident_id)
    if snap is None:
        raise NotFound(f"no incident {incident_id}", suggestion="see /incidents")
    inc = snap.incident
    states = incident.task_states(snap)

    def state(task: str) -> dict[str, Any]:
        st = states.get(task, {})
        kind = next((k for k in ("verified", "done", "started") if k in st), "todo")
        return {"state": kind, **{k: st[k].to_dict() for k in st}}

    tasks = [{**t, **state(t["id"])} for t in inc.plan["tasks"]]
    forecasts = store.forecasts(incident_id)
    latest = forecasts[-1].payload if forecasts else None
    return {
        "incident": inc.summary(),
        "now": incident.clock_now(inc).isoformat(timespec="seconds"),
        "plan": {
            k: inc.plan[k]
            for k in (
                "scenario",
                "start",
                "failure_end",
                "functions",
                "tiers",
                "all",
                "warnings",
            )
        },
        "tasks": tasks,
        "unplanned": [{**u.to_dict(), **state(u.key)} for u in snap.unplanned],
        "forecast": latest,
        "forecasts": [
            {
                "version": f.incident_version,
                "as_of": f.payload["as_of"],
                "tiers": f.payload["tiers"],
                "all": f.payload["all"],
                "pace": f.payload.get("pace"),  # the learnt overall pace (None: older rows)
            }
            for f in forecasts
        ],
        "announcements": [a.to_dict() for a in snap.announcements],
        "messages": [m.to_dict() for m in snap.messages],
        "events": [e.to_dict() for e in snap.events],
        "states": [r.to_dict() for r in incident_status.states(store, incident_id)],
        "review": inc.review,
    }


@dataclass
class IncidentService:
    """Incidents of the served model."""

    dash: Dashboard
    store: IncidentStore
    _contexts: dict[int, planning.Context] = field(default_factory=dict)
    _locks: dict[int, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _status: tuple[float, dict[str, Any]] | None = None
    _pages: dict[str, tuple[dict[str, Any], bytes, bytes]] = field(default_factory=dict)
    subscribe: bool = False
    """Whether the public page offers e-mail subscriptions (SMTP configured)."""
    sms: bool = False
    """Whether the public page offers SMS subscriptions (a gateway configured)."""
    listeners: list[Callable[[], None]] = field(default_factory=list)
    """Called after every committed change (e.g. the off-site publisher); must not raise."""
    _precedence: dict[int, tuple[dict[str, list[str]], set[str]]] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.dash.model.timezone or "UTC")

    # ------------------------------------------------------------------ reading

    def get(self, incident_id: int) -> IncidentRow:
        row = self.store.incident(incident_id)
        if row is None:
            ids = [str(r.id) for r in self.store.incidents()]
            raise NotFound(
                f"no incident {incident_id}",
                suggestion=did_you_mean(str(incident_id), ids) or "see /incidents",
            )
        return row

    def snapshot(self, incident_id: int) -> Snapshot:
        snap = self.store.snapshot(incident_id)
        if snap is None:
            self.get(incident_id)
            raise AssertionError("unreachable")
        return snap

    def context(self, inc: IncidentRow) -> planning.Context:
        with self._guard:
            ctx = self._contexts.get(inc.id)
        sc = incident.incident_scenario(self.dash.model, inc)
        if ctx is None or (ctx.scenario.start, ctx.scenario.duration_min) != (
            sc.start,
            sc.duration_min,
        ):
            ctx = incident.context_of(self.dash.model, self.dash.graph, sc)
            with self._guard:
                self._contexts[inc.id] = ctx
        return ctx

    def precedence(self, inc: IncidentRow) -> tuple[dict[str, list[str]], set[str]]:
        """Prerequisites per task and the tasks waiting for the failure end
        (:func:`blackstart.incident_now.precedence`), cached per incident."""
        ctx = self.context(inc)
        with self._guard:
            cached = self._precedence.get(inc.id)
        if cached is None:
            cached = incident_now.precedence(ctx.problem)
            with self._guard:
                self._precedence[inc.id] = cached
        return cached

    def zone(self, inc: IncidentRow) -> str:
        """The zone the incident's times are shown in (its scenario's, else the model's)."""
        return zone_of(self.dash.model, inc.scenario)

    # ------------------------------------------------------------------ changing

    def declare(
        self,
        user: str,
        *,
        title: str,
        scenario: str | None,
        fail: list[str],
        start: str | None,
        failure_end: str | None,
        drill: bool,
        clock: str,
    ) -> IncidentRow:
        """Declare an incident (or a drill), store its plan and first forecast."""
        title = title.strip()
        if not title:
            raise UsageError("an incident needs a title")
        if clock not in ("real", "simulated"):
            raise UsageError(f"unknown clock '{clock}'", suggestion="real or simulated")
        if clock == "simulated" and not drill:
            raise UsageError(
                "only a drill runs on a simulated clock",
                suggestion="tick 'drill', or use the real clock",
            )
        model = self.dash.model
        begin = parse_when(start, self.tz, "start") or datetime.now(UTC).replace(microsecond=0)
        end = parse_when(failure_end, self.tz, "failure ends")
        scenario = scenario or None
        sc = incident.resolve(
            model,
            scenario=scenario,
            fail=[] if scenario else fail,
            start=begin.astimezone(self.tz),
            failure_end=end,
        )
        ctx = incident.context_of(model, self.dash.graph, sc)
        plan = incident.plan_payload(ctx)
        row = self.store.create_incident(
            by=user,
            title=title,
            scenario=scenario,
            fail=list(sc.fail),
            start_at=begin,
            failure_end_at=end,
            drill=drill,
            clock=clock,
            sim_now=begin if clock == "simulated" else None,
            model_hash=model.hash,
            plan=plan,
        )
        with self._guard:
            self._contexts[row.id] = ctx
        self.reforecast(row.id)
        return row

    def record(
        self,
        incident_id: int,
        user: str,
        *,
        task: str,
        kind: str,
        comment: str = "",
        at: str | None = None,
        expected_version: int | None = None,
        confirm: bool = True,
    ) -> int:
        """Mark a task started, done or verified; re-forecast; return the new version.

        An impossible-looking order (done before its prerequisites, before the failure
        ended) raises :class:`~blackstart.incident_now.NeedsConfirmation` when
        ``confirm`` is false (the board's first try)."""
        if kind not in EVENT_KINDS:
            raise UsageError(f"unknown event '{kind}'", suggestion=" / ".join(EVENT_KINDS))
        snap = self.snapshot(incident_id)
        incident.check_task(snap, task)
        if kind == "verified":
            done = incident.task_states(snap).get(task, {}).get("done")
            if done is None:
                raise UsageError(f"'{task}' is not done yet", suggestion="mark it done first")
            if done.user == user:
                raise UsageError(
                    f"'{task}' was marked done by you",
                    suggestion="verification is a second person's check",
                )
        now = incident.clock_now(snap.incident)
        when = parse_when(at, self.tz, "at") or now
        if when > now + timedelta(minutes=1):
            raise UsageError(
                "that time is in the future of the incident's clock",
                suggestion=f"at most {now.isoformat(timespec='minutes')}",
            )
        if kind in ("started", "done") and not confirm:
            prereqs, waiters = self.precedence(snap.incident)
            states = {t: k for t, k in self._states(snap).items()}
            end = snap.incident.failure_end_at or datetime.fromisoformat(
                snap.incident.plan["failure_end"]
            )
            warnings = incident_now.order_warnings(
                task, kind, when, states=states, prereqs=prereqs, waiters=waiters, failure_end=end
            )
            if warnings:
                raise incident_now.NeedsConfirmation(warnings)
        version = self.store.add_event(
            incident_id,
            task=task,
            kind=kind,
            at=when,
            user=user,
            comment=comment.strip()[:2000],
            expected_version=expected_version,
        )
        self.reforecast_after(incident_id)
        return version

    @staticmethod
    def _states(snap: Snapshot) -> dict[str, str]:
        st = incident.task_states(snap)
        return {
            t: next((k for k in ("verified", "done", "started") if k in st.get(t, {})), "todo")
            for t in incident.task_ids(snap)
        }

    def undo(
        self, incident_id: int, user: str, *, task: str, expected_version: int | None = None
    ) -> int:
        """Cancel ``user``'s last mark of ``task`` (within
        :data:`~blackstart.incident_now.UNDO_WINDOW`) by a compensating ``undo-KIND``
        event: the mark stays in the log and the audit trail."""
        snap = self.snapshot(incident_id)
        incident.check_task(snap, task)
        events = [e.to_dict() for e in snap.events]
        last = incident_now.undoable(events, task, user, datetime.now(UTC))
        if last is None:
            minutes = int(incident_now.UNDO_WINDOW.total_seconds() // 60)
            raise UsageError(
                f"nothing to undo on '{task}'",
                suggestion=f"you can undo your own mark within {minutes} min of making it",
            )
        version = self.store.add_event(
            incident_id,
            task=task,
            kind=f"undo-{last['kind']}",
            at=incident.clock_now(snap.incident),
            user=user,
            comment=f"undoes event {last['id']} ({last['kind']})",
            expected_version=expected_version,
        )
        self.reforecast_after(incident_id)
        return version

    def add_unplanned(
        self,
        incident_id: int,
        user: str,
        *,
        key: str,
        description: str,
        estimate: str,
        after: list[str],
        blocks: list[str],
        expected_version: int | None = None,
    ) -> int:
        snap = self.snapshot(incident_id)
        key = key.strip()
        if not key or "@" in key:
            raise UsageError("an unplanned task needs a short name without '@'")
        if key in incident.task_ids(snap):
            raise UsageError(f"task '{key}' is already on the board", suggestion="another name")
        seconds = duration_seconds(estimate, "estimate", "45min or 2h")
        after = [a.strip() for a in after if a.strip()]
        for dep in after:
            incident.check_task(snap, dep)
        blocks = [b.strip() for b in blocks if b.strip()]
        planned = {t["component"] for t in snap.incident.plan["tasks"]}
        for b in blocks:
            if b.partition("/")[0] not in planned:
                raise UsageError(
                    f"blocks: no component '{b}' on the board",
                    suggestion=did_you_mean(b, sorted(planned)),
                )
        version = self.store.add_unplanned(
            incident_id,
            key=key,
            description=description.strip(),
            estimate_s=seconds,
            after=after,
            blocks=blocks,
            user=user,
            expected_version=expected_version,
        )
        self.reforecast_after(incident_id)
        return version

    def announce(
        self,
        incident_id: int,
        user: str,
        *,
        tier: str,
        eta: str,
        expected_version: int | None = None,
        confirm: bool = True,
    ) -> int:
        """Announce an ETA for a tier (or everything). One earlier than the current P80
        raises :class:`~blackstart.incident_now.NeedsConfirmation` with its chance of
        being kept when ``confirm`` is false (the board's first try)."""
        if tier not in (*TIERS, "all"):
            raise UsageError(f"unknown tier '{tier}'", suggestion=", ".join((*TIERS, "all")))
        when = parse_when(eta, self.tz, "eta")
        if when is None:
            raise UsageError("eta: give the announced time")
        fc = self.store.latest_forecast(incident_id)
        if fc is not None and not confirm:
            q = fc.payload["all"] if tier == "all" else fc.payload["tiers"][tier]
            if when < datetime.fromisoformat(q["p80"]):
                chance = incident_now.chance_kept(
                    when, datetime.fromisoformat(fc.payload["as_of"]), q
                )
                raise incident_now.NeedsConfirmation(
                    [
                        f"this ETA is earlier than the P80 and has a {round(chance * 100)} % "
                        "chance of being kept"
                    ]
                )
        return self._changed(
            self.store.announce(
                incident_id,
                tier=tier,
                eta=when,
                user=user,
                expected_version=expected_version,
                at=incident.clock_now(self.get(incident_id)),
            )
        )

    def draft(
        self, incident_id: int, user: str, body: str, expected_version: int | None = None
    ) -> int:
        body = body.strip()
        if not body:
            raise UsageError("the message is empty")
        return self._changed(
            self.store.draft_message(
                incident_id, body=body[:4000], user=user, expected_version=expected_version
            )
        )

    def publish(
        self, incident_id: int, user: str, message_id: int, expected_version: int | None = None
    ) -> int:
        return self._changed(
            self.store.publish_message(
                incident_id, message_id, user=user, expected_version=expected_version
            )
        )

    def set_state(
        self, incident_id: int, user: str, state: str, expected_version: int | None = None
    ) -> int:
        """Set the incident's public state (investigating … resolved)."""
        self.get(incident_id)
        if state not in incident_status.PUBLIC_STATES:
            raise UsageError(
                f"unknown state '{state}'",
                suggestion=did_you_mean(state, incident_status.PUBLIC_STATES)
                or " / ".join(incident_status.PUBLIC_STATES),
            )
        return self._changed(
            incident_status.set_state(
                self.store, incident_id, state, user=user, expected_version=expected_version
            )
        )

    def set_clock(
        self,
        incident_id: int,
        user: str,
        *,
        sim_now: str | None = None,
        advance: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        inc = self.get(incident_id)
        current = incident.clock_now(inc)
        if advance and advance.strip():
            step = duration_seconds(advance, "advance", "30min or 2h")
            when = check_time(current + timedelta(seconds=step), "advance")
        else:
            parsed = parse_when(sim_now, self.tz, "clock")
            if parsed is None:
                raise UsageError("give the new time or how far to advance")
            when = parsed
        if when < current:
            raise UsageError(
                "a simulated clock does not go back",
                suggestion=f"after {current.isoformat(timespec='minutes')}",
            )
        version = self.store.set_clock(
            incident_id, when, user=user, expected_version=expected_version
        )
        self.reforecast_after(incident_id)
        return version

    def set_public_eta(
        self, incident_id: int, user: str, mode: str, expected_version: int | None = None
    ) -> int:
        """What ``/status`` shows while a function is down: ``live`` or ``announced``."""
        if mode not in PUBLIC_ETA:
            raise UsageError(f"unknown choice '{mode}'", suggestion=" or ".join(PUBLIC_ETA))
        return self._changed(
            self.store.set_public_eta(
                incident_id, mode, user=user, expected_version=expected_version
            )
        )

    def set_failure_end(
        self, incident_id: int, user: str, at: str, expected_version: int | None = None
    ) -> int:
        """Power or the provider came back at ``at``: the recovery problem changes."""
        inc = self.get(incident_id)
        when = parse_when(at, self.tz, "failure ends")
        if when is None:
            raise UsageError("failure ends: give the time power or the provider came back")
        if when <= inc.start_at:
            raise UsageError("the failure must end after it started")
        if when > incident.clock_now(inc) + timedelta(minutes=1):
            raise UsageError("that time is in the future of the incident's clock")
        version = self.store.set_failure_end(
            incident_id, when, user=user, expected_version=expected_version
        )
        self.reforecast_after(incident_id)
        return version

    def close(self, incident_id: int, user: str, expected_version: int | None = None) -> int:
        from blackstart import incident_review

        inc = self.get(incident_id)
        at = incident.clock_now(inc)
        final = self.reforecast(incident_id, as_of=at)
        snap = self.snapshot(incident_id)
        review = incident_review.review(
            self.context(inc), snap, self.store.forecasts(incident_id), final
        )
        return self._changed(
            self.store.close(
                incident_id, at=at, review=review, user=user, expected_version=expected_version
            )
        )

    def reforecast(self, incident_id: int, *, as_of: datetime | None = None) -> dict[str, Any]:
        """Forecast from what the store holds now; keep it; return its summary."""
        with self._guard:
            lock = self._locks.setdefault(incident_id, threading.Lock())
        with lock:
            snap = self.snapshot(incident_id)
            when = as_of or incident.clock_now(snap.incident)
            payload = incident.forecast_payload(self.context(snap.incident), snap, as_of=when)
            summary = incident.eta_summary(payload)
            self.store.add_forecast(incident_id, snap.incident.version, when, summary)
        self._changed(0)
        return summary

    def reforecast_after(self, incident_id: int) -> None:
        """Re-forecast after a committed change: the change is stored and acknowledged
        whatever happens here (a failure is logged; the board keeps its last forecast)."""
        try:
            self.reforecast(incident_id)
        except Exception:
            self._status = None
            log.exception("re-forecast of incident %s failed after a stored change", incident_id)

    def _changed(self, version: int) -> int:
        """After a committed change: drop the cached status, tell the listeners."""
        self._status = None
        for listener in self.listeners:
            listener()
        return version

    # ------------------------------------------------------------------ views

    def live_overview(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The overview with each function's state from the latest forecast of every open
        incident (drills excluded; the worst state wins) and ``incidents``: which ones."""
        live = [r for r in self.store.incidents() if r.state == "open" and not r.drill]
        states: dict[str, list[str]] = {}
        for inc in live:
            fc = self.store.latest_forecast(inc.id)
            if fc is None:
                continue
            for f in fc.payload["functions"]:
                states.setdefault(f["id"], []).append(
                    incident.function_state(f, fc.payload["as_of"])
                )
        out = dict(payload)
        out["functions"] = [
            {**f, "state": incident.worst(states[f["id"]]) if f["id"] in states else f["state"]}
            for f in payload["functions"]
        ]
        out["incidents"] = [{"id": r.id, "title": r.title} for r in live]
        return out

    def board(self, incident_id: int) -> dict[str, Any]:
        """The board's JSON (:func:`board_of`), with ``warnings`` (e.g. the status page
        is down with this incident: the model's ``status_page:``)."""
        self.get(incident_id)
        data = board_of(self.store, incident_id)
        data["warnings"] = self.status_page_warnings(data["incident"]["fail"])
        return data

    def status_page_warnings(self, fail: list[str]) -> list[str]:
        """Whether the failures take down what the status page runs on."""
        if self.dash.model.status_page is None or not fail:
            return []
        from blackstart import api

        report = api.impact(self.dash.model, fail=list(fail), graph=self.dash.graph)
        return list(report.warnings)

    def status_pages(self, lang: str = "fr") -> tuple[bytes, bytes]:
        """``/status.json`` and ``/status`` (in ``lang``) as bytes, rendered once per
        status payload and language."""
        payload = self.public_status()
        pages = self._pages.get(lang)
        if pages is None or pages[0] is not payload:
            import json

            from blackstart.web import i18n
            from blackstart.web.render import templates

            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            page = (
                templates.env.get_template("status.html")
                .render(
                    s=payload,
                    **self.subscribe_form(lang),
                    **i18n.context(lang, ZoneInfo(payload["timezone"])),
                    tz=payload["timezone"],
                )
                .encode()
            )
            pages = (payload, body, page)
            self._pages[lang] = pages
        return pages[1], pages[2]

    def subscribe_form(self, lang: str) -> dict[str, Any]:
        """What the public page's subscribe form needs: the channels offered and the
        functions and places one may choose (:mod:`blackstart.web.scopes`)."""
        from blackstart.web import scopes

        offered = self.subscribe or self.sms
        choices = scopes.choices(self.dash.model, lang) if offered else None
        return {"subscribe": self.subscribe, "sms": self.sms, "choices": choices}

    def status_fresh(self, lang: str = "fr") -> bool:
        """Whether :meth:`status_pages` would answer from its cache."""
        cached = self._status
        pages = self._pages.get(lang)
        return (
            cached is not None
            and time.monotonic() - cached[0] < STATUS_TTL_S
            and pages is not None
            and pages[0] is cached[1]
        )

    def maintenance_windows(self, *, completed: bool | None = False) -> list[dict[str, Any]]:
        """The public views of the maintenance windows not cancelled, soonest first:
        scheduled and in progress (``completed=True``: the completed ones only; ``None``:
        all of them)."""
        now = datetime.now(UTC)
        views = [
            maint.public_window(self.dash.model, r, now)
            for r in maint_rows.all_windows(
                self.store.store,
                cancelled=False,
                since=now - timedelta(days=maint.PUBLIC_DAYS),
            )
        ]
        if completed is None:
            return views
        return [w for w in views if (w["status"] == "completed") == completed]

    def public_status(self) -> dict[str, Any]:
        """``/status.json``: functions by tier with state and ETA range (``maintenance``
        while under scheduled maintenance), the maintenance windows scheduled or in
        progress, published messages, last update. Drills never appear."""
        cached = self._status
        if cached is not None and time.monotonic() - cached[0] < STATUS_TTL_S:
            return cached[1]
        live = [r for r in self.store.incidents() if not r.drill and r.state == "open"]
        tables, messages, updated = [], [], None
        for inc in live:
            fc = self.store.latest_forecast(inc.id)
            snap = self.snapshot(inc.id)
            table = incident.public_functions(self.dash.model, fc.payload if fc else None)
            if inc.public_eta == "announced":
                table = incident_now.announced_table(
                    table, [a.to_dict() for a in snap.announcements]
                )
            tables.append(table)
            messages += [
                {"published_at": m.published_at.isoformat(timespec="seconds"), "body": m.body}
                for m in snap.messages
                if m.state == "published" and m.published_at
            ]
            updated = max(updated or inc.updated_at, inc.updated_at)
        functions = incident.merge_public(tables) or incident.public_functions(
            self.dash.model, None
        )
        messages.sort(key=lambda m: m["published_at"], reverse=True)
        tiers = [{"tier": t, "functions": functions[t]} for t in TIERS]
        windows = self.maintenance_windows()
        maint.mark_functions(tiers, windows)
        for w in windows:
            created = datetime.fromisoformat(w["created_at"])
            updated = max(updated or created, created)
        org = self.dash.model.organisation
        payload = {
            "organisation": org.model_dump() if org else {"name": self.dash.model.name},
            "timezone": zone_of(self.dash.model, live[0].scenario if live else None),
            "now": datetime.now(UTC).isoformat(timespec="seconds"),
            "incident": bool(live),
            **incident_status.public_timeline(self.store, live),
            "tiers": tiers,
            "maintenance": windows,
            "messages": messages,
            "updated_at": updated.isoformat(timespec="seconds") if updated else None,
        }
        self._status = (time.monotonic(), payload)
        return payload
