"""``blackstart status publish``: write the public status as a static snapshot
(``index.html``, ``status.json``, ``status.atom``, the 90-day history) to a directory, an
SFTP server or an S3-compatible bucket, so that the status page stays readable when the
data centre that runs blackstart is down; its webhook subscribers; the erasure of any
subscriber; ``status maintenance`` (:mod:`blackstart.cli.status_maintenance`).

Registered on the main app at the end of :mod:`blackstart.cli.app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from blackstart.cli.incidents import DbOpt
from blackstart.cli.lang import _
from blackstart.cli.options import err
from blackstart.cli.options import guard as _guard
from blackstart.cli.status_maintenance import maintenance_app
from blackstart.errors import UsageError

status_app: typer.Typer = typer.Typer(
    name="status",
    help="The public status page: publish it off-site, its subscribers, scheduled maintenance.",
    no_args_is_help=True,
)


@status_app.command("publish")
def publish_cmd(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="A directory, sftp://user@host:port/path[?identity=KEY&known_hosts=FILE] "
            "or s3://bucket/prefix[?endpoint=URL&region=NAME] (credentials from AWS_*).",
            show_default=False,
        ),
    ],
    db: DbOpt = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model file (names of the functions); default: the example."),
    ] = None,
) -> None:
    """Publish the public status (index.html in French, index.en.html, status.json,
    status.atom, and the 90-day history: history.html, history.en.html, history.json)
    to TARGET, each file replaced atomically: no script, no link to any host, readable
    from any web server or straight from disk. Exit 1 if the target cannot be written,
    2 if it is not a valid target."""
    from blackstart import api
    from blackstart.store import StoreError
    from blackstart.store.incidents import IncidentStore
    from blackstart.web.board import IncidentService
    from blackstart.web.dashboard import Dashboard
    from blackstart.web.publish import PublishError, parse_target, publish
    from blackstart.web.status_history import history
    from blackstart.web.status_public import SNAPSHOT_FILES, snapshot

    def run() -> int:
        target = parse_target(to)
        try:
            dash = Dashboard.open(model or api.example_path(), db)
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        try:
            svc = IncidentService(dash, IncidentStore(dash.store))
            files = snapshot(svc.public_status(), svc.tz, history(svc))
            try:
                publish(files, target)
            except PublishError as exc:
                hint = f" — [green]{escape(exc.suggestion)}[/]" if exc.suggestion else ""
                err.print(f"[bold red]error:[/] {escape(exc.message)}{hint}")
                raise typer.Exit(1) from None
        finally:
            dash.close()
        return sum(len(v) for v in files.values())

    size = _guard(False, run)
    err.print(
        _(
            "published the status to %(target)s (%(kib)s KiB, %(n)s files)",
            target=parse_target(to),
            kib=f"{size / 1024:.0f}",
            n=len(SNAPSHOT_FILES),
        )
    )


webhook_app: typer.Typer = typer.Typer(
    name="webhook",
    help="Webhook subscribers of the public status (signed HMAC-SHA256, retried).",
    no_args_is_help=True,
)
status_app.add_typer(webhook_app)
status_app.add_typer(maintenance_app)
UrlArg = Annotated[str, typer.Argument(help="The subscriber's URL.", show_default=False)]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model file (names of the functions); default: the example."),
]


@webhook_app.command("add")
def webhook_add(
    url: UrlArg,
    db: DbOpt = None,
    function: Annotated[
        list[str] | None,
        typer.Option(
            "--function",
            help="Only updates about this function (public name; repeatable).",
            show_default=False,
        ),
    ] = None,
    place: Annotated[
        list[str] | None,
        typer.Option(
            "--place",
            help="Only updates about this place of delivery (public name; repeatable).",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
) -> None:
    """Subscribe URL to every public status change (or only those about --function and
    --place); print its signing secret (shown once)."""
    from blackstart import api
    from blackstart.cli.incidents import _open
    from blackstart.store import StoreError
    from blackstart.store.webhooks import add_webhook
    from blackstart.web.scopes import parse

    def add() -> str:
        scope = parse(api.load(model or api.example_path()), function or [], place or [])
        store = _open(db).store
        try:
            return add_webhook(store, url, scope).secret
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        finally:
            store.close()

    secret = _guard(False, add)
    typer.echo(secret)
    err.print(
        _(
            "subscribed %(url)s; the line above is its signing secret: give it to the receiver",
            url=url,
        )
    )


@webhook_app.command("remove")
def webhook_remove(url: UrlArg, db: DbOpt = None) -> None:
    """Erase a subscriber and its secret."""
    from blackstart.cli.incidents import _open
    from blackstart.store.webhooks import remove_webhook

    def remove() -> bool:
        store = _open(db).store
        try:
            return remove_webhook(store, url)
        finally:
            store.close()

    if not _guard(False, remove):
        err.print(f"[bold red]error:[/] no subscriber {escape(url)}")
        raise typer.Exit(1)
    err.print(_("removed %(url)s", url=url))


@status_app.command("erase")
def erase_cmd(
    contact: Annotated[
        str,
        typer.Argument(
            help="The subscriber's e-mail address, phone number or webhook URL.",
            show_default=False,
        ),
    ],
    db: DbOpt = None,
) -> None:
    """Erase a subscriber of any kind (e-mail, SMS, webhook) and everything kept about it:
    what it follows, its tokens, its codes (a GDPR erasure request received by mail or
    phone). Exit 1 if there is none."""
    from blackstart.cli.incidents import _open
    from blackstart.store import sms, subscribers
    from blackstart.store.webhooks import remove_webhook

    def erase() -> list[str]:
        store = _open(db).store
        try:
            kinds = [
                kind
                for kind, gone in (
                    ("e-mail", subscribers.erase(store, contact)),
                    ("SMS", sms.erase(store, contact)),
                    ("webhook", remove_webhook(store, contact)),
                )
                if gone
            ]
        finally:
            store.close()
        return kinds

    kinds = _guard(False, erase)
    if not kinds:
        err.print(f"[bold red]error:[/] no subscriber {escape(contact)}")
        raise typer.Exit(1)
    err.print(f"erased {escape(contact)} ({', '.join(kinds)})")
