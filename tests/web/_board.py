"""Helpers of the incident-board tests: users, logging in through the real login form."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from blackstart.web.auth import hash_password

PASSWORDS = {"ada": "ada-password-1", "olga": "olga-password-1", "vic": "vic-password-1"}
ROLES = {"ada": "admin", "olga": "operator", "vic": "viewer"}


def add_users(app: FastAPI) -> None:
    """ada (admin), olga (operator), vic (viewer)."""
    store = app.state.auth.incidents
    for name, role in ROLES.items():
        store.add_user(name, role, hash_password(PASSWORDS[name]), by="test")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client: httpx.Client, name: str, password: str | None = None) -> str:
    """Log in through the form; return the session's CSRF token."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf_token": token},
    )
    assert r.status_code == 303, r.text
    page = client.get("/incidents")
    assert page.status_code == 200
    return csrf_of(page.text)


def declare(client: httpx.Client, csrf: str, **body: object) -> dict[str, object]:
    r = client.post(
        "/api/incidents",
        json={"title": "colo power cut", "scenario": "colo-power-cut", **body},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data
