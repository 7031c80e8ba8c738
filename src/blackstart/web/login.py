"""Login and logout pages: the login form (double-submit CSRF cookie), the session cookie
(HttpOnly, SameSite=Strict), and logout (POST with the session's CSRF token)."""

from __future__ import annotations

import html
import secrets
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from blackstart.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL,
    Auth,
    client_address,
    cookie_header,
)
from blackstart.web.login_guard import LoginRefused
from blackstart.web.render import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _auth(request: Request) -> Auth:
    auth = request.app.state.auth
    assert isinstance(auth, Auth)
    return auth


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no ``//host`` or scheme): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/incidents"
    return target


def _login_page(request: Request, *, next_: str, error: str | None, status: int) -> Response:
    # keep the browser's token if it has one: a second tab (or a background request
    # redirected here) must not invalidate the form already shown
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if len(token) != 43 or not token.replace("-", "").replace("_", "").isalnum():
        token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"login_csrf": token, "next": next_, "error": error, "nav": "login"},
        status_code=status,
    )
    secure = request.url.scheme == "https"
    response.headers.append(
        "set-cookie", cookie_header(LOGIN_CSRF_COOKIE, token, secure=secure, max_age=3600)
    )
    return response


def _refused_page(message: str) -> str:
    """A small page for a refused attempt (no template, no new cookie: cheap under a
    flood); the form is one click away."""
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Log in · blackstart</title>"
        "<link rel=stylesheet href=/static/style.css><main><h1>Log in</h1>"
        f"<p class=error>{html.escape(message)}</p><p><a href=/login>Back to the login form"
        "</a> · <a href=/status>Public status</a></p></main>"
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_=_safe_next(next), error=None, status=200)


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/incidents",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf_token or not cookie or not secrets.compare_digest(csrf_token, cookie):
        return _login_page(
            request,
            next_=_safe_next(next),
            status=403,
            error="CSRF token missing or wrong: reload the page",
        )
    auth = _auth(request)
    try:
        token, _csrf, _user = await auth.login(name, password, client_address(request.scope))
    except LoginRefused as exc:
        if exc.status in (429, 503):  # a budget spent or the pool full: answer cheaply
            page: Response = HTMLResponse(_refused_page(exc.message), exc.status)
        else:
            page = _login_page(
                request, next_=_safe_next(next), error=exc.message, status=exc.status
            )
        if exc.retry_after:
            page.headers["retry-after"] = str(exc.retry_after)
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    max_age = int(SESSION_TTL.total_seconds())
    response.headers.append(
        "set-cookie", cookie_header(SESSION_COOKIE, token, secure=secure, max_age=max_age)
    )
    response.headers.append(
        "set-cookie", cookie_header(LOGIN_CSRF_COOKIE, "", secure=secure, max_age=0)
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = request.state.user
    await to_thread.run_sync(
        _auth(request).logout, request.cookies.get(SESSION_COOKIE), user.name if user else "?"
    )
    response = RedirectResponse("/login", status_code=303)
    response.headers.append(
        "set-cookie",
        cookie_header(SESSION_COOKIE, "", secure=request.url.scheme == "https", max_age=0),
    )
    return response
