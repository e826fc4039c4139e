"""Page: a policy draft replayed over past days beside the policy in force
(workflows/simulate.py, as `arflow policy simulate`): the same counts, as tables.

A GET form (the period) on the draft's own page; nothing is written, so reloading it only
replays again. A bad period is shown beside its field, in the user's language (422).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import ApiError
from arflow.web.pages.fields import form_day
from arflow.web.pages.policy import active_or_503, draft_or_404, draft_policy
from arflow.web.pages.render import page, translator
from workflows.errors import Invalid

router = APIRouter(include_in_schema=False)
Manager = permitted("policy")
DEFAULT_DAYS = 90


@router.get("/policy/drafts/{draft_id}/simulate", response_class=HTMLResponse)
def simulate_draft(request: Request, draft_id: int, who: Manager, db: DbSession, today: Today,
                   start: Annotated[str, Query(alias="from")] = "",
                   end: Annotated[str, Query(alias="to")] = "") -> Response:
    from workflows.simulate import MAX_DAYS, check_period, simulate

    draft = draft_or_404(db, draft_id)
    active = active_or_503(request)
    t = translator(request, who)
    shown = {"from": start or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
             "to": end or today.isoformat()}
    context: dict[str, Any] = {"draft": draft, "active": active, "values": shown,
                               "result": None, "error": None, "problems": []}
    candidate, context["problems"] = draft_policy(request, t, draft)
    if candidate is None:
        return page(request, "policy/simulate.html", who, status_code=422, **context)
    if not (start or end):
        return page(request, "policy/simulate.html", who, **context)
    try:
        first, last = form_day(shown["from"], "from"), form_day(shown["to"], "to")
        check_period(first, last, today)
    except ApiError as exc:  # not a day: named by its field, in the user's language
        field = exc.field or "from"
        context["error"] = {"field": field, "message": t("simulate.error.invalid_date",
                                                           value=shown[field])}
    except Invalid as exc:
        context["error"] = {"field": exc.field, "message": t(
            f"simulate.error.{exc.code}", first=t.day(first), last=t.day(last),
            today=t.day(today), days=(last - first).days + 1, most=MAX_DAYS)}
    if context["error"] is not None:
        return page(request, "policy/simulate.html", who, status_code=422, **context)
    settings = request.app.state.settings
    context["result"] = simulate(request.app.state.engine, active, candidate, first, last,
                                 today=today, calendar=settings.calendar).as_dict()
    context.update(first=first, last=last)
    return page(request, "policy/simulate.html", who, **context)
