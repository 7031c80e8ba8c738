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
    lang,
    maintenance,
    pages,
    publish,
    recovery_routes,
    routes,
    status_history,
    status_public,
    subscribe_api,
    subscriptions,
    webhooks,
)
from blackstart.web.dashboard import Dashboard
from blackstart.web.render import STATIC
from blackstart.web.security import SecurityConfig, parse_proxies
from blackstart.web.sms_gateway import GatewayConfig


def create_app(
    model_path: str | Path,
    db_url: str | None = None,
    *,
    trusted_proxies: Sequence[str] = (),
    allowed_hosts: Sequence[str] = (),
    publish_to: str | None = None,
    mail: subscriptions.MailConfig | None = None,
    sms: GatewayConfig | None = None,
    public_url: str = "http://localhost:8000",
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
    (:mod:`blackstart.web.subscriptions`). ``sms``: it offers SMS subscriptions, sent
    through that gateway (:mod:`blackstart.web.sms`), with links to ``public_url``.

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
            gateway = getattr(_app.state, "sms_gateway", None)
            if gateway is not None:
                gateway.close()
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
    if sms is not None:
        from blackstart.web import sms as sms_channel
        from blackstart.web.sms_gateway import SmsGateway

        app.state.sms_gateway = SmsGateway(sms)
        sms_channel.install(app, app.state.sms_gateway, mail.public_url if mail else public_url)
    if mail is not None or sms is not None:
        app.include_router(subscribe_api.router)
    if target is not None:
        publishers.append(publish.attach(app.state.incidents, target))
        app.state.publisher = publishers[0]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(lang.LangCookie)
    return app
