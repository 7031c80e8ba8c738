"""Commands of the incident side: ``blackstart user add`` and ``blackstart export-html``,
and the check ``serve`` makes before listening (no user → loopback only, with a warning).

Registered on the main app by :mod:`blackstart.cli.app`.
"""

from __future__ import annotations

import ipaddress
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from blackstart.cli.options import err
from blackstart.cli.options import guard as _guard
from blackstart.errors import UsageError

MIN_PASSWORD = 10

user_app: typer.Typer = typer.Typer(
    name="user",
    help="Users of the dashboard: roles viewer, operator, admin.",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store: a SQLite file path or URL (default ./blackstart.db) or postgresql+psycopg://USER@HOST/DB",
        show_default=False,
    ),
]


class Role(StrEnum):
    viewer = "viewer"
    operator = "operator"
    admin = "admin"


def _open(db: str | None) -> Any:
    from blackstart.store import StoreError, open_store
    from blackstart.store.incidents import IncidentStore

    try:
        return IncidentStore(open_store(db))
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name.", show_default=False)],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    db: DbOpt = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
) -> None:
    """Add a user (password prompted twice, or read from stdin). Once a store has a user,
    every page but /status and /login needs a login."""
    from blackstart.store import StoreError
    from blackstart.web.auth import hash_password

    def add() -> None:
        if not name.strip() or len(name) > 100 or any(c.isspace() for c in name):
            raise UsageError(f"bad user name {name!r}", suggestion="one word, 1 to 100 characters")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            raise UsageError(
                f"the password is too short ({len(password)} characters)",
                suggestion=f"at least {MIN_PASSWORD}",
            )
        store = _open(db)
        try:
            store.add_user(name, role.value, hash_password(password), by="cli")
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        finally:
            store.store.close()

    _guard(False, add)
    err.print(f"user {name} added with role {role.value}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_open_access(host: str, users_exist: bool) -> None:
    """No user yet: the analysis pages are open, so listen on loopback only, and say so."""
    if users_exist:
        return
    if not is_loopback(host):
        raise UsageError(
            f"the store has no user, so the dashboard would be open to anyone on {host}",
            suggestion="add one first: blackstart user add NAME --role admin "
            "(or serve on 127.0.0.1)",
        )
    err.print(
        "[bold yellow]warning:[/] the store has no user: the analysis pages are open to anyone "
        "on this machine; the incident board needs a login "
        "(blackstart user add NAME --role admin)"
    )


def export_html(
    incident: Annotated[int, typer.Argument(help="Incident number.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    db: DbOpt = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model file (contacts of the teams); default: the example."),
    ] = None,
) -> None:
    """Write an incident (plan, task board, contacts, status) to one self-contained HTML
    file that opens with no server and no network (e.g. from a USB stick)."""
    from blackstart import api
    from blackstart.web.export import render_incident

    def write() -> int:
        store = _open(db)
        try:
            m = api.load(model or api.example_path())
            html = render_incident(store, m, incident)
        finally:
            store.store.close()
        output.write_text(html, "utf-8")
        return len(html)

    size = _guard(False, write)
    err.print(f"wrote incident {incident} to {output} ({size / 1024:.0f} KiB, self-contained)")
