"""The dashboard's JavaScript and CSS from npm (cytoscape, dagre, cytoscape-dagre,
swagger-ui-dist): which are installed, and fetching them in a source checkout.

Owns the list of vendored files and where they go (``web/static/vendor``, shipped in the
wheel). They come from npm through the committed ``package-lock.json`` (``make vendor``);
nothing is ever loaded from a CDN. A wheel built after ``make vendor`` carries them, so
an installed blackstart needs neither Node.js nor a network. In a checkout without them,
``blackstart serve`` fetches them with npm when npm is there, and says plainly what is
missing otherwise (the pages still work; the graphs and ``/docs`` do not draw).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
FILES = {
    "cytoscape.min.js": ("cytoscape", "dist/cytoscape.min.js"),
    "dagre.min.js": ("dagre", "dist/dagre.min.js"),
    "cytoscape-dagre.js": ("cytoscape-dagre", "cytoscape-dagre.js"),
    "swagger-ui-bundle.js": ("swagger-ui-dist", "swagger-ui-bundle.js"),
    "swagger-ui.css": ("swagger-ui-dist", "swagger-ui.css"),
}
"""Vendored file -> (npm package, path inside it)."""


def missing() -> list[str]:
    """The vendored files that are not installed."""
    return [name for name in FILES if not (VENDOR / name).is_file()]


def checkout() -> Path | None:
    """The source checkout this package runs from (it has ``package-lock.json``), if any."""
    root = VENDOR.parents[4]
    return root if (root / "package-lock.json").is_file() and (root / "src").is_dir() else None


def fetch(say: Callable[[str], None]) -> list[str]:
    """In a checkout with npm: ``npm ci`` (no install scripts) and copy the files in.
    Returns what is still missing."""
    root = checkout()
    npm = shutil.which("npm")
    if root is None or npm is None or not missing():
        return missing()
    say("fetching the dashboard's JavaScript from npm (package-lock.json)…")
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        say(f"npm ci failed: {done.stderr.strip()[-500:]}")
        return missing()
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, (package, inner) in FILES.items():
        modules = root / "node_modules" / package
        shutil.copyfile(modules / inner, VENDOR / name)
        licence = modules / "LICENSE"
        if licence.is_file():
            shutil.copyfile(licence, VENDOR / f"{package}.LICENSE")
    return missing()


def advice(absent: list[str]) -> str:
    """What to tell the user when files are still missing."""
    where = checkout()
    how = (
        "install Node.js and npm (Debian: apt-get install nodejs npm) and run `make vendor` "
        f"in {where}"
        if where is not None
        else "install a blackstart wheel built with them (make vendor, then python -m build)"
    )
    return (
        f"the dashboard's JavaScript is not installed ({', '.join(absent)}): every page "
        "works, but the explorer and what-if graphs and the API docs (/docs) will not "
        f"draw. To add it, {how}."
    )
