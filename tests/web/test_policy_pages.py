"""Policy pages on both databases: a bad upload shows file:line and stores nothing; a good
one is previewed, published (in force at once, files written, audited) or discarded."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session

from engine import load_policy
from ledger.models import Activity, PolicyDraft
from tests.people import web_sign_in
from tests.web.test_credit_pages import MANAGER, app_settings, text_of, web  # noqa: F401

BAD = "stages:\n  overdue:\n    when: days_overdue >= 1\n    colour: red\n"


def upload(client, csrf: str, files: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        "/policy/drafts", data={"csrf_token": csrf}, follow_redirects=False,
        files=[("files", (name, text.encode(), "application/x-yaml"))
               for name, text in files.items()])


def test_a_bad_upload_shows_file_and_line_and_stores_nothing(web, db) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    refused = upload(web, csrf, {"collection.yaml": BAD})
    assert refused.status_code == 422
    assert "collection.yaml:4" in refused.text
    trap = upload(web, csrf, {"warnings.yaml": "warnings:\n  - id: x\n    level: NO\n"
                                               "    when: days_overdue > 1\n"})
    assert trap.status_code == 422 and "warnings.yaml:3" in trap.text
    assert upload(web, "", {"collection.yaml": BAD}).status_code == 403  # no CSRF token
    with Session(db) as s:
        assert s.execute(select(PolicyDraft)).first() is None


def test_a_good_upload_is_previewed_then_published_and_in_force_at_once(
        web, db, app_settings) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    old = web.app.state.policy
    text = old.files["collection.yaml"].replace("days_to_due <= 7", "days_to_due <= 10")
    sent = upload(web, csrf, {"collection.yaml": text})
    assert sent.status_code == 303
    draft_url = sent.headers["location"]
    draft_id = int(draft_url.rsplit("/", 1)[1])
    preview = web.get(draft_url)
    assert preview.status_code == 200
    for kind in ("stage", "reminder", "warning_opened", "warning_closed", "task", "order"):
        assert f'id="kind-{kind}"' in preview.text
    assert "collection.yaml" in preview.text
    assert web.app.state.policy is old  # nothing in force yet
    published = web.post(f"{draft_url}/publish", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"].startswith("/policy")
    new = web.app.state.policy
    assert new.hash != old.hash and "days_to_due <= 10" in new.files["collection.yaml"]
    assert load_policy(app_settings.policy_dir).hash == new.hash  # the cycle follows too
    page = text_of(web.get("/policy").text)
    assert new.hash in page and "Published by zhou.min" in page
    assert web.post(f"{draft_url}/publish", data={"csrf_token": csrf}).status_code == 409
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "policy_published")
                          ).scalar_one()
    assert audit.actor == "web:zhou.min" and audit.entity_id == draft_id
    assert audit.details["old_hash"] == old.hash
    assert audit.details["files_changed"] == ["collection.yaml"]


def test_a_draft_can_be_discarded_and_a_collector_is_kept_out(web, db) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["warnings.yaml"].replace("> 0.2", "> 0.25")
    draft_url = upload(web, csrf, {"warnings.yaml": text}).headers["location"]
    assert re.search(r'href="/policy/drafts/\d+"', web.get("/policy").text)  # listed
    gone = web.post(f"{draft_url}/discard", data={"csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 303
    with Session(db) as s:
        assert s.execute(select(PolicyDraft.status)).scalar_one() == "discarded"
    assert web.get("/policy/drafts/999").status_code == 404
    web.post("/logout", data={"csrf_token": csrf})
    other = web_sign_in(web, "li.na")
    assert web.get("/policy").status_code == 403
    assert web.get(draft_url).status_code == 403
    assert upload(web, other, {"warnings.yaml": text}).status_code == 403
