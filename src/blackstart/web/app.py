"""The app factory: :func:`create_app` loads the model, opens the store and wires routes.

The model is loaded and compiled once, before the app exists: an invalid model raises
:class:`~blackstart.errors.ModelError` (with every problem) and no app is created. The
store is opened and migrated, and the model version recorded, at the same time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from blackstart import __version__
from blackstart.web import (
    diagnose_views,
    docs,
    errors,
    explorer_routes,
    incidents,
    maintenance,
    pages,
    publish,
    recovery_routes,
    routes,
    status_history,
    status_public,
    subscriptions,
    webhooks,
)
from blackstart.web.dashboard import Dashboard
from blackstart.web.render import STATIC
from blackstart.web.security import SecurityConfig, parse_proxies


def create_app(
    model_path: str | Path,
    db_url: str | None = None,
    *,
    trusted_proxies: Sequence[str] = (),
    allowed_hosts: Sequence[str] = (),
    publish_to: str | None = None,
    mail: subscriptions.MailConfig | None = None,
) -> FastAPI:
    """The dashboard app serving the model at ``model_path`` with the store at ``db_url``
    (default: ``blackstart.db`` in the working directory, see
    :func:`blackstart.store.default_url`).

    Raises ``ModelError`` if the model is invalid and ``StoreError`` if the store cannot
    be opened: the app refuses to start rather than serve errors.

    ``trusted_proxies`` (addresses or networks) may set ``X-Forwarded-For``/``-Proto``/
    ``-Host``; ``allowed_hosts`` are served besides loopback while the store has no user
    (:mod:`blackstart.web.security`; ``ValueError`` for a bad address).

    ``publish_to`` (a directory or ``sftp://`` URL, :mod:`blackstart.web.publish`): the
    static status snapshot is published there at start and after every incident change.
    ``mail``: the public page offers e-mail subscriptions, mailed through that SMTP server
    (:mod:`blackstart.web.subscriptions`).

    FastAPI's ``/docs`` and ``/redoc`` are off: they would load their assets from a CDN,
    and the dashboard makes no request to any other host. ``/docs`` is Swagger UI from the
    package's own static files instead (:mod:`blackstart.web.docs`).
    """
    security = SecurityConfig(
        trusted_proxies=parse_proxies(trusted_proxies),
        allowed_hosts=frozenset(h.strip().lower() for h in allowed_hosts),
    )
    target = publish.parse_target(publish_to) if publish_to is not None else None
    dashboard = Dashboard.open(model_path, db_url)
    publishers: list[publish.Publisher] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _app.state.maintenance_ticker.start()
        try:
            yield
        finally:
            auth = getattr(_app.state, "auth", None)
            if auth is not None:
                auth.flush()  # the security-log counts not written yet
            for p in publishers:
                p.close()
            _app.state.maintenance_ticker.close()
            _app.state.webhooks.close()
            dashboard.close()

    app = FastAPI(
        title="blackstart",
        version=__version__,
        description="Resilience digital twin: what breaks, why, and when it will be back.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.dashboard = dashboard
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(recovery_routes.router)
    app.include_router(explorer_routes.api)
    app.include_router(pages.router)
    app.include_router(explorer_routes.page)
    app.include_router(docs.router)
    diagnose_views.install(app, dashboard)
    incidents.install(app, dashboard, security)
    diagnose_views.install_webhooks(app)
    app.include_router(status_public.router)
    app.include_router(status_history.router)
    maintenance.install(app)
    app.state.webhooks = webhooks.attach(app.state.incidents)
    if mail is not None:
        subscriptions.install(app, mail)
    if target is not None:
        publishers.append(publish.attach(app.state.incidents, target))
        app.state.publisher = publishers[0]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
