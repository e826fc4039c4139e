"""Pages: the policy in force, uploading a draft, its preview, publishing or discarding it.

A bad upload is shown on the page with every problem as ``file:line: message`` (422) and
nothing is stored. Publishing replaces ``app.state.policy`` at once, so order checks and
previews use the new policy from the next request; the daily cycle loads policy_dir, which
now holds the new files.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import ApiError
from arflow.web.i18n import Translator
from arflow.web.pages.forms import submit
from arflow.web.pages.policy_problems import translated
from arflow.web.pages.render import back_to, page, translator
from engine import Policy, PolicyError, Problem, load_policy_texts
from ledger import policy_store

router = APIRouter(include_in_schema=False)
Manager = permitted("policy")


def active_or_503(request: Request) -> Policy:
    """The policy in force (503 ``policy_unavailable`` when none loaded)."""
    policy: Policy | None = request.app.state.policy
    if policy is None:
        raise ApiError(503, "policy_unavailable", "no policy is in force: fix the policy files "
                                                  "and restart")
    return policy


def _overview(request: Request, who: Principal, db: Any, status_code: int = 200,
              **extra: Any) -> Response:
    active: Policy | None = request.app.state.policy
    versions = policy_store.versions(db)
    current = next((v for v in versions if active and v["hash"] == active.hash), None)
    return page(request, "policy/active.html", who, status_code=status_code, active=active,
                current=current, earlier=[v for v in versions if v is not current],
                drafts=policy_store.open_drafts(db), **extra)


@router.get("/policy", response_class=HTMLResponse)
def active_policy(request: Request, who: Manager, db: DbSession) -> Response:
    return _overview(request, who, db)


@router.post("/policy/drafts", response_class=HTMLResponse)
def upload(request: Request, who: Manager, db: DbSession,
           files: Annotated[list[UploadFile], File()]) -> Response:
    from workflows.policy_publish import create_draft, good_file_name

    # the name as sent: one with a folder in it (../x.yaml) is refused, not cut to a base
    uploads = {f.filename: f.file.read() for f in files if f.filename}
    try:
        draft_id = create_draft(db, request.app.state.policy, uploads, who.name,
                                _buckets(request))
    except PolicyError as exc:
        return _overview(request, who, db, status_code=422,
                         problems=translated(translator(request, who), exc.problems),
                         uploaded=sorted(n for n in uploads if good_file_name(n)))
    db.commit()
    return back_to(f"/policy/drafts/{draft_id}")


def _buckets(request: Request) -> list[str]:
    """The ageing buckets of settings: a policy's provision rates must name them."""
    return request.app.state.settings.reports.bucket_names  # type: ignore[no-any-return]


def draft_or_404(db: Any, draft_id: int) -> Any:
    """A stored draft (404 ``not_found`` when there is none)."""
    try:
        return policy_store.get_draft(db, draft_id)
    except LookupError:
        raise ApiError(404, "not_found", f"no policy draft {draft_id}") from None


def draft_policy(request: Request, t: Translator, draft: Any
                 ) -> tuple[Policy | None, list[Problem]]:
    """A stored draft loaded as the upload checked it (the ageing buckets included): the
    policy, or None and its problems in the user's language (stored valid, but the engine
    may have changed since)."""
    try:
        return load_policy_texts(dict(draft.files), buckets=_buckets(request)), []
    except PolicyError as exc:
        return None, translated(t, exc.problems)


@router.get("/policy/drafts/{draft_id}", response_class=HTMLResponse)
def draft_preview(request: Request, draft_id: int, who: Manager, db: DbSession, today: Today
                  ) -> Response:
    from workflows.policy_preview import preview

    draft = draft_or_404(db, draft_id)
    active = active_or_503(request)
    result = None
    policy, problems = draft_policy(request, translator(request, who), draft)
    if policy is not None and draft.status == "draft":
        result = preview(request.app.state.engine, active, policy, today,
                         _mail(request), request.app.state.settings.book_currency)
    changed = sorted(n for n, text in draft.files.items() if active.files.get(n) != text)
    return page(request, "policy/draft.html", who, draft=draft, policy=policy,
                active=active, preview=result, problems=problems, changed=changed,
                advisories=translated(translator(request, who),
                                       policy.advisories if policy else []),
                today=today, status_code=422 if problems else 200)


def _mail(request: Request) -> Any:
    """The mail set-up the cycle renders reminders with; None (no reminder preview) when
    this installation has no templates or a bad mail section."""
    from arflow.mailing import mail_setup
    from arflow.settings import SettingsError

    settings = request.app.state.settings
    if not settings.templates_dir.is_dir():
        return None
    try:
        return mail_setup(settings)
    except SettingsError:
        return None


def _on_draft(request: Request, who: Principal, db: Any, today: Any, draft_id: int,
              form: str, act: Any) -> Response:
    """Run a draft's form; a refusal (the draft closed meanwhile) shows the draft again
    with the message on that form."""
    from workflows.policy_publish import DraftClosed

    def run() -> Response:
        try:
            return act()  # type: ignore[no-any-return]
        except DraftClosed as exc:
            raise ApiError(409, "draft_closed", str(exc)) from None

    return submit(request, who, form, {}, run, db=db, path=f"/policy/drafts/{draft_id}",
                  again=lambda: draft_preview(request, draft_id, who, db, today))


@router.post("/policy/drafts/{draft_id}/publish", response_class=HTMLResponse)
def publish_draft(request: Request, draft_id: int, who: Manager, db: DbSession, today: Today
                  ) -> Response:
    from workflows.policy_publish import publish

    draft_or_404(db, draft_id)

    def act() -> Response:
        try:
            done = publish(db, draft_id, request.app.state.policy,
                           request.app.state.settings.policy_dir, today, who.actor, who.name)
        except PolicyError as exc:
            db.rollback()
            return _overview(request, who, db, status_code=422,
                             problems=translated(translator(request, who), exc.problems))
        db.commit()
        request.app.state.policy = done.policy
        return back_to("/policy", "policy.published", hash=done.policy.hash[:12])

    return _on_draft(request, who, db, today, draft_id, "form-publish", act)


@router.post("/policy/drafts/{draft_id}/discard")
def discard_draft(request: Request, draft_id: int, who: Manager, db: DbSession, today: Today
                  ) -> Response:
    from workflows.policy_publish import discard

    draft_or_404(db, draft_id)

    def act() -> Response:
        discard(db, draft_id, today, who.actor)
        db.commit()
        return back_to("/policy", "policy.discarded")

    return _on_draft(request, who, db, today, draft_id, "form-discard", act)
