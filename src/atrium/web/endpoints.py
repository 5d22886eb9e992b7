"""The dashboard's pages. HTTP only: each page reads through the services the API uses, and
every change is made by the page's JavaScript through the JSON API (or, for signing in and
out, by a form whose handler calls the same `AuthService` as `/auth/*`). Each area of pages
is a module with its own router; this one mounts them."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from atrium.web import (
    account,
    admin,
    assistants,
    chat,
    dashboard,
    knowledge,
    projects,
    settings,
    sharing,
)
from atrium.web.pages import STATIC
from atrium.web.security import HtmlSecurityHeadersMiddleware

AREAS = (account, dashboard, chat, projects, assistants, knowledge, settings, sharing, admin)


def install(app: FastAPI) -> None:
    """Mount the dashboard on `app`: pages, their static files and their headers."""
    for area in AREAS:
        app.include_router(area.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(HtmlSecurityHeadersMiddleware)
