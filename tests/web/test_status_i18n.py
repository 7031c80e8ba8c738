"""The public status page in French and English: the catalog is complete (a test walks
it against the strings the templates use), the language comes from ``?lang=`` then
``Accept-Language`` (French by default), the French page says ``lang="fr"``, and dates
are written per locale in the site's time zone."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import blackstart.api as bs
from blackstart.web import create_app
from blackstart.web.i18n import negotiate, po_path
from blackstart.web.render import TEMPLATES
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

PUBLIC_TEMPLATES = (
    "status.html",
    "status_snapshot.html",
    "_status_words.html",
    "status_subscribe.html",
    "status_email.txt",
    "status_confirm_email.txt",
    "status_sms.txt",
    "status_history.html",
)
FR_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def _catalog() -> dict[str, tuple[str, bool]]:
    with po_path("fr").open("rb") as fh:
        cat = read_po(fh, locale="fr")
    return {str(m.id): (str(m.string), m.fuzzy) for m in cat if m.id}


def _used() -> set[str]:
    used: set[str] = set()
    for name in PUBLIC_TEMPLATES:
        for _line, msg, _comments, _ctx in extract_from_file(babel_extract, str(TEMPLATES / name)):
            used.add(msg if isinstance(msg, str) else msg[0])
    return used


def test_the_french_catalog_translates_every_string_of_the_public_pages() -> None:
    catalog, used = _catalog(), _used()
    assert len(used) >= 20
    missing = sorted(used - set(catalog))
    assert not missing, f"not in the French catalog: {missing}"
    untranslated = sorted(k for k, (v, fuzzy) in catalog.items() if not v.strip() or fuzzy)
    assert not untranslated, f"untranslated or fuzzy: {untranslated}"
    stale = sorted(set(catalog) - used)
    assert not stale, f"in the catalog but used nowhere: {stale}"
    for msgid, (msgstr, _) in catalog.items():  # placeholders kept
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr))


@pytest.mark.parametrize(
    ("query", "accept", "lang"),
    [
        (None, None, "fr"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE, fr;q=0.4, en;q=0.3", "fr"),
        ("en", "fr", "en"),
        ("xx", "en", "en"),
        (None, "fr;q=0.2, en;q=0.8", "en"),
    ],
)
def test_language_negotiation(query: str | None, accept: str | None, lang: str) -> None:
    assert negotiate(query, accept) == lang


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    db = tmp_path_factory.mktemp("i18n") / "b.db"
    app = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(app)
    with serve(app) as client:
        declare(client, login(client, "olga"))
        client.cookies.clear()
        time.sleep(1.1)
        yield client


def test_french_page_by_accept_language_query_and_default(public: httpx.Client) -> None:
    fr = public.get("/status", headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert fr.headers["content-language"] == "fr"
    assert '<html lang="fr">' in fr.text and "État des services" in fr.text
    assert '<html lang="fr">' in public.get("/status").text  # no preference: French
    en = public.get("/status?lang=en", headers={"accept-language": "fr"})
    assert '<html lang="en">' in en.text and "Service status" in en.text
    assert 'href="?lang=fr"' in en.text and 'href="?lang=en"' in fr.text  # the switch
    english = {k for k, (v, _) in _catalog().items() if v != k and len(k) > 12}
    visible = re.sub(r"<[^>]+>", " ", fr.text)  # the text, not class names
    leftovers = sorted(k for k in english if k in visible)
    assert not leftovers, f"English left on the French page: {leftovers}"


def test_dates_per_locale_in_the_site_time_zone(public: httpx.Client) -> None:
    # the phone page says the day in words near today, else weekday, day and month
    fr_days = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
    en_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    en_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    status = public.get("/status.json").json()
    eta = next(f["eta"] for t in status["tiers"] for f in t["functions"] if "eta" in f)
    tz = ZoneInfo(bs.load(bs.example_path()).timezone or "UTC")
    local = datetime.fromisoformat(eta["from"]).astimezone(tz)

    def expected(now: datetime) -> tuple[str, str]:
        hm = f"{local:%H:%M}"
        days = (local.date() - now.astimezone(tz).date()).days
        if days in (-1, 0, 1):
            fr = {-1: "hier", 0: "aujourd'hui", 1: "demain"}[days]
            en = {-1: "yesterday", 0: "today", 1: "tomorrow"}[days]
            return f"{fr} {hm}", f"{en} {hm}"
        wd, d, m = local.weekday(), local.day, local.month - 1
        return (
            f"{fr_days[wd]} {d} {FR_MONTHS[m]} {hm}",
            f"{en_days[wd]} {d} {en_months[m]} {hm}",
        )

    before = datetime.now(tz)
    fr_page, en_page = public.get("/status?lang=fr").text, public.get("/status?lang=en").text
    after = datetime.now(tz)
    candidates = {expected(before), expected(after)}  # a day may turn between the two
    assert any(fr.replace("'", "&#39;") in fr_page or fr in fr_page for fr, _ in candidates)
    assert any(en in en_page for _, en in candidates)
    assert f"{tz.key}" in fr_page and f"{tz.key}" in en_page  # the zone is said


def test_function_names_per_language_on_the_public_pages(tmp_path: Path) -> None:
    from blackstart.store.incidents import IncidentStore
    from blackstart.web.board import IncidentService
    from blackstart.web.dashboard import Dashboard
    from blackstart.web.status_public import snapshot

    model = tmp_path / "model.yaml"
    model.write_text(
        "name: tiny\ntimezone: Europe/Paris\nsites:\n  dc-a: {kind: datacenter}\n"
        "components:\n  power-a: {kind: power, site: dc-a}\n"
        "  lis: {kind: application, site: dc-a, requires: [power-a]}\n"
        "functions:\n  lab-results: {tier: care, requires: [lis],\n"
        "    name: {fr: Résultats de biologie, en: Laboratory results}}\n"
        "  billing: {tier: administrative, name: Facturation}\n"
    )
    dash = Dashboard.open(model, f"sqlite:///{tmp_path / 's.db'}")
    try:
        svc = IncidentService(dash, IncidentStore(dash.store))
        svc.declare(
            "olga",
            title="t",
            scenario=None,
            fail=["site:dc-a"],
            start=None,
            failure_end=(datetime.now(ZoneInfo("UTC")) + timedelta(hours=4)).isoformat(),
            drill=False,
            clock="real",
        )
        _, fr = svc.status_pages("fr")
        _, en = svc.status_pages("en")
        files = snapshot(svc.public_status(), svc.tz)
    finally:
        dash.close()
    assert "Résultats de biologie" in fr.decode() and "Laboratory results" not in fr.decode()
    assert "Laboratory results" in en.decode() and "Résultats de biologie" not in en.decode()
    assert "Facturation" in fr.decode() and "Facturation" in en.decode()  # plain: both
    assert "Laboratory results" in files["index.en.html"].decode()
    assert "Résultats de biologie" in files["index.html"].decode()
