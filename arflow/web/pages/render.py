"""Server-rendered pages: one Jinja2 environment, the user's language and the CSRF token
in every template's context, and a redirect helper for POST-redirect-GET."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from arflow.auth import Principal
from arflow.web.i18n import DEFAULT_LANGUAGE, Translator
from arflow.web.pages.notices import notice, with_notice

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
TEMPLATES.env.globals["url_quote"] = lambda value: quote(str(value), safe="")


@pass_context
def local(context: Context, value: datetime | None, part: str = "datetime",
          day: date | None = None) -> str:
    """``{{ instant|local }}``: a stored instant (UTC; naive from SQLite, aware from
    PostgreSQL) in the business timezone, formatted for the user's language. ``part``:
    ``datetime``, ``date`` or ``time``; with ``day``, the time only when the instant
    falls on that business day (a timeline's entry dated by its day), else nothing."""
    t: Translator = context["t"]
    if value is None:
        return ""
    if day is not None and t.local(value).date() != day:
        return ""
    return t.moment(value, part)


TEMPLATES.env.filters["local"] = local


def translator(request: Request, who: Principal | None = None) -> Translator:
    """The user's setting; before sign-in, what the browser asks for."""
    tz = request.app.state.settings.tz()
    if who is not None and who.kind == "user":
        return Translator(who.language, tz)
    wanted = request.headers.get("accept-language", "").strip().lower()
    return Translator("en" if wanted.startswith("en") else DEFAULT_LANGUAGE, tz)


def page(request: Request, template: str, who: Principal | None, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """Render ``template`` for ``who``: ``t`` (texts and formats), ``who``, ``csrf`` and
    ``flash`` (the notice ``?done=<key>`` names, from a fixed set: pages/notices.py) are
    always there; so is ``form_error``: a refused form being shown again (pages/forms.py),
    whose status the page answers with."""
    t = translator(request, who)
    form_error = getattr(request.state, "form_error", None)
    if form_error is not None:
        status_code = form_error.status
    return TEMPLATES.TemplateResponse(
        request, template,
        {"t": t, "who": who, "csrf": who.csrf_token if who else "",
         "flash": notice(t, request.query_params), "form_error": form_error, **context},
        status_code=status_code,
    )


def back_to(url: str, done: str = "", **values: object) -> RedirectResponse:
    """303 to ``url`` after a form post (so reload never posts twice); ``done``: the key
    of the notice it shows there, with its ``values`` (pages/notices.NOTICES)."""
    if done:
        url = with_notice(url, done, **values)
    return RedirectResponse(url, status_code=303)
