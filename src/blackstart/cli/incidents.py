"""Commands of the incident side: ``blackstart user add | passwd | disable | sessions``,
``blackstart audit verify`` and ``blackstart export-html``,
and the check ``serve`` makes before listening (no user → loopback only, with a warning).

Registered on the main app by :mod:`blackstart.cli.app`.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from blackstart.cli.options import err
from blackstart.cli.options import guard as _guard
from blackstart.errors import UsageError

T = TypeVar("T")

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


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
NameArg = Annotated[str, typer.Argument(help="Login name.", show_default=False)]


def _checked(name: str, password_stdin: bool) -> tuple[str, str]:
    """The normalised name and the hash of an acceptable password (or UsageError)."""
    from blackstart.web.accounts import check_name, check_password
    from blackstart.web.auth import hash_password

    norm = check_name(name)
    password = check_password(_read_password(password_stdin), name=norm)
    return norm, hash_password(password)


def _on_store(db: str | None, action: Callable[[Any], T]) -> T:
    from blackstart.store import StoreError

    store = _open(db)
    try:
        return action(store)
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    finally:
        store.store.close()


@user_app.command("add")
def user_add(
    name: NameArg,
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    db: DbOpt = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user (password prompted twice, or read from stdin). Once a store has a user,
    every page but /status and /login needs a login. Passwords: 15 characters or more, not
    a common or breached one (NIST SP 800-63B-4); names: visible characters only."""

    def add() -> str:
        norm, hashed = _checked(name, password_stdin)
        _on_store(db, lambda st: st.add_user(norm, role.value, hashed, by="cli"))
        return norm

    added = _guard(False, add)
    err.print(f"user {added} added with role {role.value}")


@user_app.command("passwd")
def user_passwd(name: NameArg, db: DbOpt = None, password_stdin: PasswordStdin = False) -> None:
    """Set a new password for a user; every session of the user ends (audited)."""

    def change() -> int:
        norm, hashed = _checked(name, password_stdin)
        return int(_on_store(db, lambda st: st.change_password(norm, hashed, by="cli")))

    ended = _guard(False, change)
    err.print(f"password of {name} changed; {ended} session(s) ended")


@user_app.command("disable")
def user_disable(
    name: NameArg,
    db: DbOpt = None,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
) -> None:
    """Disable a user: no login, every session ends at once (audited). --enable undoes it."""
    from blackstart.web.accounts import normalise_name

    norm = normalise_name(name)
    ended = _guard(
        False, lambda: _on_store(db, lambda st: st.set_disabled(norm, not enable, by="cli"))
    )
    err.print(f"user {norm} {'enabled' if enable else f'disabled; {ended} session(s) ended'}")


@user_app.command("sessions")
def user_sessions(
    name: NameArg,
    db: DbOpt = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="End them all (audited).")] = False,
) -> None:
    """List a user's live sessions (opened, expires), or end them all with --revoke."""
    from blackstart.web.accounts import normalise_name

    norm = normalise_name(name)
    if revoke:
        ended = _guard(False, lambda: _on_store(db, lambda st: st.revoke_sessions(norm, by="cli")))
        err.print(f"{ended} session(s) of {norm} ended")
        return
    rows = _guard(False, lambda: _on_store(db, lambda st: st.sessions_of(norm)))
    for row in rows:
        typer.echo(
            f"opened {row.created_at.isoformat(timespec='seconds')}  "
            f"expires {row.expires_at.isoformat(timespec='seconds')}"
        )
    err.print(f"{len(rows)} live session(s) of {norm}")


audit_app: typer.Typer = typer.Typer(
    name="audit", help="The audit log of the store.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(
    db: DbOpt = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head", help="The head hash a previous run printed.", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Check the audit log's hash chain and guard triggers; report the first broken link.
    Exit 0 when intact, 1 when not. Keep the printed head hash elsewhere: a later run with
    --expect-head shows whether the log was rewritten as a whole."""
    import json

    verdict = _guard(
        as_json, lambda: _on_store(db, lambda st: st.verify_audit(expect_head=expect_head))
    )
    if as_json:
        typer.echo(json.dumps(verdict.to_dict(), indent=2))
    else:
        for problem in verdict.problems:
            err.print(f"[bold red]error:[/] {problem}")
        state = "intact" if verdict.ok else "BROKEN"
        typer.echo(f"audit log {state}: {verdict.entries} entries, head {verdict.head}")
    if not verdict.ok:
        raise typer.Exit(1)


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
    from blackstart.cli.lang import current as current_lang
    from blackstart.web.export import render_incident

    def write() -> int:
        store = _open(db)
        try:
            m = api.load(model or api.example_path())
            html = render_incident(store, m, incident, lang=current_lang())
        finally:
            store.store.close()
        output.write_text(html, "utf-8")
        return len(html)

    size = _guard(False, write)
    err.print(f"wrote incident {incident} to {output} ({size / 1024:.0f} KiB, self-contained)")
