"""Page forms: a refused action is shown on the same page, next to the form, with what was
typed put back, in the user's language.

A form handler hands ``submit`` its action and a way to render the page the form is on.
The action runs inside ``arflow.web.errors.refused`` (the one mapping of a refusal); a
refusal rolls the session back and the page is rendered again with the refusal's status
(422, 409, 404, 403) and a ``FormError`` that ``render.page`` puts in every template's
context (``form_error``; the macros in templates/_form.html show it beside the field it
names, or at the top of the form, and keep the submitted values in the inputs). No
session, no CSRF token or a role that may not are refused by the route's dependencies
before the form runs (the error page: there is no form to show them to); a 403 from the
action itself (a workflow's ``Forbidden``: a collector completing someone else's task)
is shown on the form like any refusal. A 401 always goes to the error page (sign in).

The message is the catalog's ``refusal.<code>.<field>`` or ``refusal.<code>`` when the
code has a fixed text, else the refusal's own message; the code and the refusal's own
message are shown beside it, small, so nothing the workflow said is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from arflow.web.errors import PLAIN_VALUE_ERROR, ApiError, refused
from arflow.web.pages.render import translator

# errors no form can help with: the error page answers them (sign-in for 401)
NOT_INLINE = frozenset({401})


@dataclass
class FormError:
    form: str  # the id of the form on the page
    status: int
    code: str
    message: str  # in the user's language when the code has a fixed text
    detail: str  # the refusal's own message
    field: str | None = None
    values: Mapping[str, str] = default(default_factory=dict)
    path: str = ""  # the page the form is on (the way back of its task and language forms)
    shown: bool = False  # set by the template beside its form; else base.html shows it

    def mark(self) -> str:
        self.shown = True
        return ""

    def value(self, form: str, name: str, default: str = "") -> str:
        """What was typed into ``name`` of ``form`` (``default`` for any other form)."""
        return str(self.values.get(name, default)) if form == self.form else default


def message_for(request: Request, who: Any, error: ApiError) -> str:
    """The catalog's text for the code (and field), else the refusal's own message."""
    t = translator(request, who)
    keys = ([f"refusal.{error.code}.{error.field}"] if error.field else []) + [
        f"refusal.{error.code}"]
    for key in keys:
        text = t(key)
        if text != key:
            return text
    return error.message


def submit(request: Request, who: Any, form: str, values: Mapping[str, str],
           act: Callable[[], Response], again: Callable[[], Response], *, db: Any = None,
           path: str = "", plain_value: tuple[int, str] = PLAIN_VALUE_ERROR) -> Response:
    """Run the form's action (``act``: its redirect on success); on a refusal, ``again()``
    renders the page the form is on with the message inline and ``values`` kept."""
    try:
        with refused(db, plain_value):
            return act()
    except ApiError as error:
        if db is not None:
            db.rollback()
        if error.status in NOT_INLINE:
            raise
        request.state.form_error = FormError(
            form=form, status=error.status, code=error.code,
            message=message_for(request, who, error), detail=error.message,
            field=error.field, values=dict(values), path=path or request.url.path)
        return again()
