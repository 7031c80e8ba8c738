"""The dashboard and the incident board in French and English: the catalog is complete
(walked against the strings the templates of scope use and the server's messages), every
page of scope rendered in French through the real server says ``lang="fr"`` and has no
English sentence of the catalog left, the language comes from ``?lang=`` then the cookie
the switch sets then ``Accept-Language`` (English by default), and an error made by the
server is shown in French with its values kept."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.ext import babel_extract

import blackstart.api as bs
from blackstart.store.incidents import IncidentStore
from blackstart.web import create_app
from blackstart.web.i18n import po_path
from blackstart.web.lang import SERVER_MESSAGES, translate
from blackstart.web.render import TEMPLATES
from tests.web._board import add_users, csrf_of, declare, login
from tests.web.conftest import serve

SCOPE = (
    "base.html",
    "_userbox.html",
    "_dashboard_words.html",
    "incidents.html",
    "incident.html",
    "_eta_tables.html",
    "overview.html",
    "login.html",
    "error.html",
    "diagnose.html",
    "audit.html",
    "review.html",
    "export.html",
    "plan.html",
    "explorer.html",
    "resilience.html",
    "what_if.html",
    "maintenance.html",
)
"""Templates translated here: every page behind the login."""
PLACEHOLDER = re.compile(r"%\(\w+\)s")
FRENCH_TOO = frozenset({"administrative"})
"""English msgids that are French words too ("fonction administrative")."""


def _catalog(domain: str) -> dict[str, tuple[str, bool]]:
    with po_path("fr", domain).open("rb") as fh:
        cat = read_po(fh, locale="fr", domain=domain)
    return {str(m.id): (str(m.string), m.fuzzy) for m in cat if m.id}


def _used() -> set[str]:
    used: set[str] = set()
    for name in SCOPE:
        for _line, msg, _comments, _ctx in extract_from_file(babel_extract, str(TEMPLATES / name)):
            used.add(msg if isinstance(msg, str) else msg[0])
    return used


def test_every_string_of_the_dashboard_has_a_french_translation() -> None:
    dashboard, status, used = _catalog("dashboard"), _catalog("status"), _used()
    assert len(used) >= 250
    missing = sorted(used - set(dashboard) - set(status))
    assert not missing, f"in no French catalog: {missing}"
    assert set(SERVER_MESSAGES) <= set(dashboard), set(SERVER_MESSAGES) - set(dashboard)
    untranslated = sorted(k for k, (v, fuzzy) in dashboard.items() if not v.strip() or fuzzy)
    assert not untranslated, f"untranslated or fuzzy: {untranslated}"
    stale = sorted(set(dashboard) - used - set(SERVER_MESSAGES))
    assert not stale, f"in the dashboard catalog but used nowhere: {stale}"
    # a msgid in both catalogs must read the same (the dashboard's entry wins on its pages)
    differ = sorted(k for k in set(dashboard) & set(status) if dashboard[k][0] != status[k][0])
    assert not differ, f"translated differently in dashboard.po and status.po: {differ}"


def test_placeholders_are_the_same_in_msgid_and_msgstr() -> None:
    for msgid, (msgstr, _) in _catalog("dashboard").items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        # a literal percent sign is "%%" in both, or in neither
        assert ("%%" in msgid) == ("%%" in msgstr), msgid


def test_server_messages_are_translated_with_their_values() -> None:
    assert translate("nothing to undo on 'ups-a-restart'", "fr") == (
        "rien à annuler sur « ups-a-restart »"
    )
    chance = "this ETA is earlier than the P80 and has a 12 % chance of being kept"
    assert translate(chance, "fr") == (
        "cette heure de retour est plus tôt que le P80 et a 12 % de chances d'être tenue"
    )
    assert translate("no incident 7", "fr") == "pas d'incident 7"
    assert translate("wrong name or password", "en") == "wrong name or password"
    assert translate("a sentence nobody translated", "fr") == "a sentence nobody translated"


IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/@.", min_size=1, max_size=30)


@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_server_message_comes_back_in_french_with_its_values(data: st.DataObject) -> None:
    """Oracle: the msgstr of the message formatted with the same values (values shaped
    like the ids and times the server puts in them)."""
    french = _catalog("dashboard")
    msgid = data.draw(st.sampled_from([m for m in SERVER_MESSAGES if PLACEHOLDER.search(m)]))
    names = [n[2:-2] for n in PLACEHOLDER.findall(msgid)]
    values = {n: data.draw(IDS, label=n) for n in names}
    english = msgid % values  # what the server says ("%%" is a percent sign)
    assert translate(english, "fr") == french[msgid][0] % values
    assert translate(english, "en") == english


def _visible(page: str) -> str:
    """The text a reader sees: no tags, no script or style, entities decoded."""
    # the ETA chart's SVG is translated with the charts (not here), ids in <code> are data
    page = re.sub(r"<(script|style|svg|code)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _english_left(page: str) -> list[str]:
    """Sentences of the catalogs left in English on a French page."""
    english = {
        k: v
        for cat in (_catalog("dashboard"), _catalog("status"))
        for k, (v, _) in cat.items()
        if v != k and len(k) > 12
    }
    text = _visible(page)
    leftovers = []  # a msgid with placeholders: its fixed text before the first one
    for k in english:
        head = PLACEHOLDER.split(k)[0].strip()
        if len(head) <= 12 or k in FRENCH_TOO:
            continue
        # a whole word or phrase, not part of a path (/api/explorer/neighbourhood?id=…)
        if re.search(rf"(?<![\w/]){re.escape(head)}(?![\w/?])", text):
            leftovers.append(k)
    return sorted(leftovers)


def _id(board: dict[str, Any]) -> int:
    return int(board["incident"]["id"])


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, int, int]]:
    """A server with one open incident and one closed one (its review), ada logged in."""
    db = tmp_path_factory.mktemp("dash-i18n") / "b.db"
    app = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "ada")
        open_id = _id(declare(client, csrf))
        closed_id = _id(declare(client, csrf, title="drill", drill=True))
        r = client.post(f"/api/incidents/{closed_id}/close", headers={"x-csrf-token": csrf})
        assert r.status_code == 200, r.text
        r = client.post(  # a report, so that the diagnosis page has hypotheses
            "/api/incidents/diagnose/observations",
            json={"ref": "function:lab-results", "state": "down", "note": "ward 3"},
            headers={"x-csrf-token": csrf},
        )
        assert r.status_code == 201, r.text
        yield client, open_id, closed_id


def _fr(path: str) -> str:
    """``path`` asking for French (httpx's ``params=`` would replace its query)."""
    return path + ("&" if "?" in path else "?") + "lang=fr"


def _pages(open_id: int, closed_id: int) -> list[str]:
    return [
        "/",
        "/incidents",
        f"/incidents/{open_id}",
        f"/incidents/{closed_id}",  # a closed drill's board
        f"/incidents/{closed_id}/review",
        "/incidents/diagnose",
        "/admin/audit",
        "/incidents/999999",  # the error page
        "/plan?scenario=colo-power-cut&function=lab-results",  # with its critical path
        "/explorer?node=function:lab-results&depth=2",
        "/explorer?node=function:lab-results&view=cone",
        "/explorer?view=all",
        "/resilience",
        "/what-if?fail=site:colo-paris&duration=4h",
        "/maintenance",
    ]


def test_every_page_of_scope_in_french(board: tuple[httpx.Client, int, int]) -> None:
    client, open_id, closed_id = board
    for path in _pages(open_id, closed_id):
        r = client.get(_fr(path))
        assert r.status_code in (200, 404), (path, r.status_code)
        assert '<html lang="fr">' in r.text, path
        assert not _english_left(r.text), (path, _english_left(r.text))
        assert 'hreflang="en"' in r.text and "English" in r.text, path  # the switch
    board_fr = client.get(f"/incidents/{open_id}", params={"lang": "fr"}).text
    for french in ("Tableau des tâches", "Prêtes à commencer", "Chemin critique", "Prévision"):
        assert french in board_fr
    # dates through the French formatter: "3 août 2024 14:30"
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\b\d{{1,2}} ({months}) \d{{4}} \d{{2}}:\d{{2}}", board_fr)
    diagnosis = html.unescape(client.get("/incidents/diagnose", params={"lang": "fr"}).text)
    assert "Hypothèses" in diagnosis and re.search(r"\d+ alertes? expliquées? par", diagnosis)
    audit = client.get("/admin/audit", params={"lang": "fr"}).text  # markup kept, not escaped
    assert "<code>blackstart audit verify</code>" in audit
    assert 'JSON sur <a href="/api/admin/audit">' in audit
    english = client.get(f"/incidents/{open_id}", params={"lang": "en"}).text
    assert '<html lang="en">' in english and "Task board" in english
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", english)


def test_the_pages_of_the_twin_in_french(board: tuple[httpx.Client, int, int]) -> None:
    """Plan, explorer, resilience, what-if and maintenance: French words, data kept."""
    client = board[0]

    def fr(path: str) -> str:
        return html.unescape(_visible(client.get(_fr(path)).text))

    plan = fr("/plan?scenario=colo-power-cut&function=lab-results")
    assert "Plan de reprise" in plan and "Chemin critique" in plan
    assert re.search(r"revient le \d{1,2} \S+ \d{4} \d{2}:\d{2}, \S+ après le début", plan)
    resilience = fr("/resilience")
    assert "Ce qui interrompt le plus, en tombant seul" in resilience
    assert re.search(r"Si \S+ \S+ .*tombe en panne, \d+ fonctions? (vitales?|de soins)", resilience)
    assert " go down" not in resilience  # the findings' sentences are made in French too
    explorer = fr("/explorer?node=function:lab-results&depth=2")
    assert "Explorateur de dépendances" in explorer and "2 sauts" in explorer
    assert "Explorateur de dépendances" not in _visible(
        client.get("/explorer", params={"lang": "en"}).text
    )
    assert "Toujours opérationnelles" in fr("/what-if?fail=site:colo-paris")
    assert "Maintenances programmées" in fr("/maintenance")
    # a message the server makes for the what-if page, in French with its value
    assert translate("saved as 'night-cut'", "fr") == "enregistrée sous « night-cut »"


def test_login_page_in_french_without_a_session(board: tuple[httpx.Client, int, int]) -> None:
    client = board[0]
    with httpx.Client(base_url=str(client.base_url)) as anon:
        r = anon.get("/login", headers={"accept-language": "fr-FR,fr;q=0.9"})
        assert '<html lang="fr">' in r.text and "Se connecter" in r.text
        assert not _english_left(r.text)
        token = csrf_of(r.text)
        bad = anon.post(
            "/login",
            data={"name": "ada", "password": "not-her-password-at-all", "csrf_token": token},
            headers={"accept-language": "fr"},
        )
        assert "nom ou mot de passe erroné" in bad.text


def test_a_refusal_of_the_login_gate_in_french(board: tuple[httpx.Client, int, int]) -> None:
    with httpx.Client(base_url=str(board[0].base_url)) as olga:
        login(olga, "olga")  # an operator, not an admin
        r = olga.get("/admin/audit", params={"lang": "fr"})
        assert r.status_code == 403 and "<html lang=fr>" in r.text
        text = html.unescape(r.text)
        assert "réservé aux administrateurs" in text and "demandez à un administrateur" in text
        assert "admins only" not in text
        assert "admins only" in olga.get("/admin/audit", params={"lang": "en"}).text


def test_choice_kept_by_cookie_then_accept_language_then_english(
    board: tuple[httpx.Client, int, int],
) -> None:
    client = board[0]
    cookies = {k: v for k, v in client.cookies.items() if k != "lang"}  # the session only
    with httpx.Client(base_url=str(client.base_url), cookies=cookies) as c:
        assert '<html lang="en">' in c.get("/incidents").text  # nothing said: English
        fr = c.get("/incidents", headers={"accept-language": "fr-FR, en;q=0.5"})
        assert '<html lang="fr">' in fr.text and "Incidents et exercices" in fr.text
        switched = c.get("/incidents", params={"lang": "fr"})
        assert "lang=fr" in switched.headers["set-cookie"]
        assert '<html lang="fr">' in c.get("/incidents").text  # the cookie holds the choice
        # the cookie wins over the browser's language; ?lang= wins over the cookie
        assert '<html lang="fr">' in c.get("/", headers={"accept-language": "en"}).text
        assert '<html lang="en">' in c.get("/", params={"lang": "en"}).text
        assert '<html lang="en">' in c.get("/").text


def test_an_inline_error_of_the_board_in_french(board: tuple[httpx.Client, int, int]) -> None:
    client, open_id, _ = board
    page = client.get(f"/incidents/{open_id}", params={"lang": "fr"}).text
    task = re.search(r'name="task" value="([^"]+)"', page)
    assert task, "no markable task on the board"
    r = client.post(
        f"/incidents/{open_id}/undo",
        data={"csrf_token": csrf_of(page), "task": task.group(1)},
        headers={"cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()) + "; lang=fr"},
    )
    assert r.status_code == 422
    assert f"rien à annuler sur « {task.group(1)} »" in html.unescape(r.text)
    assert "Non enregistré" in r.text and "nothing to undo" not in r.text
    # a warning to confirm: an ETA well before the P80 has a small chance of being kept
    board = client.get(f"/api/incidents/{open_id}").json()
    start = board["plan"]["start"][:16]
    r = client.post(
        f"/incidents/{open_id}/announce",
        data={"csrf_token": csrf_of(page), "tier": "vital", "eta": start},
        headers={"cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()) + "; lang=fr"},
    )
    text = html.unescape(r.text)
    assert "À vérifier avant d'enregistrer" in text and "Enregistrer quand même" in text
    assert re.search(r"cette heure de retour est plus tôt que le P80 et a \d+ % de chances", text)
    assert "chance of being kept" not in text


def test_the_export_in_french(tmp_path: Path) -> None:
    from blackstart.web.dashboard import Dashboard
    from blackstart.web.export import render_incident

    dash = Dashboard.open(bs.example_path(), f"sqlite:///{tmp_path / 'e.db'}")
    try:
        from blackstart.web.board import IncidentService

        svc = IncidentService(dash, IncidentStore(dash.store))
        inc = svc.declare(
            "olga",
            title="t",
            scenario="colo-power-cut",
            fail=[],
            start=None,
            failure_end=None,
            drill=False,
            clock="real",
        )
        fr = render_incident(svc.store, dash.model, inc.id, lang="fr")
        en = render_incident(svc.store, dash.model, inc.id, lang="en")
    finally:
        dash.close()
    assert '<html lang="fr">' in fr and "Tableau des tâches" in fr
    assert not _english_left(fr), _english_left(fr)
    assert '<html lang="en">' in en and "Task board" in en


def test_function_names_in_the_reader_s_language(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        "name: tiny\ntimezone: Europe/Paris\nsites:\n  dc-a: {kind: datacenter}\n"
        "components:\n  power-a: {kind: power, site: dc-a}\n"
        "  lis: {kind: application, site: dc-a, requires: [power-a]}\n"
        "functions:\n  lab-results: {tier: care, requires: [lis],\n"
        "    name: {fr: Résultats de biologie, en: Laboratory results}}\n"
        "  billing: {tier: administrative, name: Facturation}\n"
    )
    app = create_app(model, f"sqlite:///{tmp_path / 'n.db'}")
    add_users(app)
    with serve(app) as client:
        login(client, "ada")
        fr = _visible(client.get("/", params={"lang": "fr"}).text)
        en = _visible(client.get("/", params={"lang": "en"}).text)
    assert "Résultats de biologie" in fr and "Laboratory results" not in fr
    assert "Laboratory results" in en and "Résultats de biologie" not in en
    assert "Facturation" in fr and "Facturation" in en  # one name: both languages
