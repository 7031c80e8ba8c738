"""The command line in French: ``--lang fr`` or a French locale (``LANG=fr_FR.UTF-8``)
translates the human output of impact, spof, plan, forecast and explain (the catalog is
walked against the strings the renderers use), leaves no English heading of the catalog,
and never changes the JSON (same bytes, but for the run's timings and time stamp)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from blackstart import api
from blackstart.cli import lang

EXAMPLE = str(api.example_path())
SC = ["-s", "colo-power-cut"]
COMMANDS: dict[str, list[str]] = {
    "impact": ["impact", EXAMPLE, *SC],
    "spof": ["spof", EXAMPLE],
    "plan": ["plan", EXAMPLE, *SC],
    "forecast": ["forecast", EXAMPLE, *SC, "--runs", "200"],
    "explain": ["explain", EXAMPLE, *SC, "--function", "lab-results"],
}
FRENCH_HEADINGS = {
    "impact": ["Fonctions arrêtées", "Composants arrêtés", "chaîne : ", "Sites arrêtés"],
    "spof": ["points uniques de défaillance", "paires redondantes"],
    "plan": [
        "Plan de reprise",
        "Planning (",
        "Retour si chaque étape prend sa durée habituelle",
        "jamais arrêtée",
    ],
    "forecast": ["Prévision", "Retour avant (P50 / P80 / P95)", "DMIA✗ : probabilité"],
    "explain": ["Chemin critique", "après la panne", "attente : d'une personne"],
}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
RENDERERS = ("render.py", "status.py")


@cache
def _catalog() -> dict[str, str]:
    path = resources.files("blackstart") / "locale" / "fr" / "LC_MESSAGES" / "cli.po"
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh, locale="fr") if m.id}


def _used() -> set[str]:
    used = set(lang.DYNAMIC)
    folder = resources.files("blackstart") / "cli"
    for name in RENDERERS:
        for _line, msg, _c, _x in extract_from_file("python", str(folder / name)):
            used.add(msg if isinstance(msg, str) else msg[0])
    return used


def run(args: list[str], **env: str) -> str:
    full = {**os.environ, "COLUMNS": "200", "BLACKSTART_LANG": "", "LC_ALL": "", **env}
    done = subprocess.run(
        [sys.executable, "-m", "blackstart", *args], capture_output=True, env=full, check=True
    )
    return done.stdout.decode()


def test_the_french_catalog_covers_every_string_of_the_renderers() -> None:
    catalog, used = _catalog(), _used()
    assert len(used) >= 80
    assert not sorted(used - set(catalog)), "not in cli.po"
    assert not sorted(set(catalog) - used), "in cli.po but used nowhere"
    for msgid, msgstr in catalog.items():
        assert msgstr.strip(), msgid
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert ("%%" in msgid) == ("%%" in msgstr), msgid


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_MESSAGES": "fr_CA", "LANG": "en_GB"}, "fr"),
        ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "fr_FR.UTF-8"}, "fr"),  # empty means unset (POSIX)
        ({"BLACKSTART_LANG": "fr", "LC_ALL": "C"}, "fr"),
    ],
)
def test_language_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert lang.from_environment(environ) == expected


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_french_output_has_french_headings_and_no_english_one(name: str) -> None:
    french = run(["--lang", "fr", *COMMANDS[name]], LANG="en_GB.UTF-8")
    for heading in FRENCH_HEADINGS[name]:
        assert heading in french, heading
    english = run(COMMANDS[name])  # the same command in English, as an oracle of what
    left = []  # a heading looks like there (only sentences both show are compared)
    for msgid, msgstr in _catalog().items():
        head = PLACEHOLDER.split(msgid)[0].strip(" :—;(")
        if msgstr == msgid or len(head) < 5 or head in msgstr:  # same word in French
            continue
        word = re.compile(rf"(?<![\w:@/-]){re.escape(head)}(?![\w:@/-])")
        if word.search(english) and word.search(french):  # not inside an id
            left.append(msgid)
    assert not left, f"English left in the French output of {name}: {left}"
    assert run(COMMANDS[name], LANG="fr_FR.UTF-8") == french  # the locale says the same


def _stable(text: str) -> str:
    """The JSON with its run's timings and time stamp blanked."""
    text = re.sub(r'"timings_s": \{[^}]*\}', '"timings_s": {}', text)
    return re.sub(r'"generated_at": "[^"]*"', '"generated_at": ""', text)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_is_the_same_bytes_in_every_language(name: str) -> None:
    english = run([*COMMANDS[name], "--json"])
    french = run([*COMMANDS[name], "--json"], LANG="fr_FR.UTF-8")  # as --lang fr (above)
    assert _stable(french) == _stable(english)
    assert '"timings_s"' in english  # the blanking above had something to blank


def test_lang_option_wins_over_the_locale() -> None:
    out = run(["--lang", "en", *COMMANDS["spof"]], LANG="fr_FR.UTF-8")
    assert "single points of failure" in out and "points uniques" not in out


def test_a_bad_language_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "blackstart", "--lang", "de", *COMMANDS["spof"]],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "--lang" in done.stderr


def test_status_publish_says_it_in_french(tmp_path: Path) -> None:
    args = ["status", "publish", "--to", str(tmp_path / "pub"), "--db",
            f"sqlite:///{tmp_path / 's.db'}"]  # fmt: skip
    env = {**os.environ, "BLACKSTART_LANG": "", "LC_ALL": "", "LANG": "fr_FR.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "blackstart", *args], capture_output=True,
                          text=True, env=env, check=True)  # fmt: skip
    said = " ".join(done.stderr.split())  # the console wraps at 80 columns
    assert f"état publié sur {tmp_path / 'pub'}" in said, said
    assert "published" not in said
    assert (tmp_path / "pub" / "status.json").is_file()
