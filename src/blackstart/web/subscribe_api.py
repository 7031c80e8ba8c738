"""The JSON twin of the public subscribe form, for apps and kiosks: what one may follow
(``GET /api/status/scopes``), a subscription by e-mail or SMS (``POST
/api/status/subscriptions``) and the SMS code typed back (``POST
/api/status/subscriptions/confirm``). No login, the same rate limit and double opt-in as
the form: an e-mail subscription is confirmed by the mailed link, an SMS one by its code.

Functions and places are given by key (from ``/api/status/scopes``) or public name, in
either language; none of either kind means everything. Owns these routes only; the work
is :mod:`.subscriptions` and :mod:`.sms`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from blackstart.errors import UsageError
from blackstart.store import sms as sms_rows
from blackstart.web import i18n, scopes
from blackstart.web.errors import error_response

router = APIRouter(tags=["status"])
Names = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=scopes.MAX_CHOICES)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str | None, Field(max_length=320)] = None
    phone: Annotated[str | None, Field(max_length=30)] = None
    lang: Literal["fr", "en"] | None = None
    functions: Names = []
    places: Names = []


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(max_length=30)]
    code: Annotated[str, Field(max_length=10)]
    functions: Names = []
    places: Names = []


@router.get("/api/status/scopes", summary="What a subscriber may follow: functions and places")
def scopes_json(
    request: Request, lang: Annotated[str | None, Query(max_length=5)] = None
) -> Response:
    chosen = i18n.negotiate(lang, request.headers.get("accept-language"))
    return JSONResponse(scopes.choices(request.app.state.dashboard.model, chosen))


@router.post(
    "/api/status/subscriptions",
    status_code=202,
    summary="Subscribe by e-mail or SMS to the whole status or some functions and places",
)
def subscribe(request: Request, body: SubscriptionIn) -> Response:
    from blackstart.web import sms, subscriptions

    if (body.email is None) == (body.phone is None):
        raise UsageError(
            "give an e-mail address or a phone number", suggestion='{"email": "name@example.org"}'
        )
    if not subscriptions.allowed(request):
        return error_response(
            request, 429, "too many subscriptions from this address", "try again later"
        )
    model = request.app.state.dashboard.model
    scope = scopes.parse(model, body.functions, body.places)
    lang = i18n.negotiate(body.lang, request.headers.get("accept-language"))
    follows = scopes.names(model, scope, lang)
    if body.email is not None:
        subscriptions.subscribe_email(request, body.email, lang, scope)
        return JSONResponse({"pending": "email", "follows": follows}, status_code=202)
    if getattr(request.app.state, "sms", None) is None:
        raise UsageError("this server offers no SMS subscription", suggestion="subscribe by e-mail")
    sms.subscribe_sms(request, body.phone or "", lang)
    return JSONResponse({"pending": "sms", "follows": follows}, status_code=202)


@router.post(
    "/api/status/subscriptions/confirm", summary="Confirm an SMS subscription with its code"
)
def confirm(request: Request, body: ConfirmIn) -> Response:
    channel = getattr(request.app.state, "sms", None)
    if channel is None:
        raise UsageError("this server offers no SMS subscription", suggestion="subscribe by e-mail")
    scope = scopes.parse(request.app.state.dashboard.model, body.functions, body.places)
    sub = sms_rows.confirm(channel.service.store.store, body.phone, body.code, scope)
    if sub is None:
        return error_response(request, 400, "wrong or expired code", "ask for a new code")
    return JSONResponse({"confirmed": True})
