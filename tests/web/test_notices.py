"""Notices from a fixed set of keys (issue 15: ``?done=`` showed any text as a system
notice). A crafted link with free text, an unknown key or a bad value shows no notice on
any page; a real action's redirect carries its key and values and the page says it in the
reader's language. The pages on both databases; the table itself needs none."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.web.i18n import LANGUAGES, Translator
from arflow.web.pages.notices import CHECKS, COUNT, NOTICES, notice, with_notice
from ledger.models import Customer, Task
from tests.people import web_sign_in
from tests.web.bank_seed import Lines, seed
from tests.web.portfolio import TestClient, app_on_day, people
from tests.web.test_credit_pages import MANAGER, app_settings, web  # noqa: F401
from tests.web.test_policy_pages import upload

SPOOF = "Your account is locked, call 555-0100 now"
FLASH = re.compile(r'<p class="flash" role="status">(.*?)</p>', re.S)


def flash(page: str) -> str | None:
    """The page's notice as the reader sees it (None: no notice)."""
    found = FLASH.search(page)
    return html.unescape(found.group(1)) if found else None


def _sample(name: str) -> str:
    return "7" if CHECKS[name] is COUNT else ("0123456789ab" if name == "hash" else "R-1")


# -- the table (no database) --------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_every_notice_reads_from_the_catalog_with_its_values(language: str) -> None:
    t = Translator(language)
    for key, found in NOTICES.items():
        values = {name: _sample(name) for name in found.needs}
        values |= {name: "2" for name, _ in found.adds}
        query = dict(parse_qsl(urlsplit(with_notice("/x", key, **values)).query))
        text = notice(t, query)
        assert text and key not in text and "{" not in text, (key, text)
        for sentence in (sentence for _, sentence in found.adds):
            assert t(sentence) != sentence, sentence  # the catalog has it


def test_crafted_queries_show_nothing() -> None:
    t = Translator("en")
    assert notice(t, {"done": SPOOF}) == ""
    assert notice(t, {"done": "admin.title"}) == ""  # a catalog key, not a notice
    assert notice(t, {"done": "collector.done.reassigned"}) == ""  # its value missing
    for bad in ("Call 555-0100", "x" * 500, "<script>alert(1)</script>", "a\x00b",
                "wang\twei", "", "a&b", '"quoted"'):
        assert notice(t, {"done": "collector.done.reassigned", "name": bad}) == "", bad
    for bad in ("-1", "1.5", "1e3", "12345678901", "٣", "+3", "3 "):
        assert notice(t, {"done": "bank.done.applied", "id": bad}) == "", bad
        assert notice(t, {"done": "collector.bulk.completed", "n": "2", "refused": bad}) == ""
    assert notice(t, {"done": "policy.published", "hash": "NOT-HEX"}) == ""
    assert notice(t, {"done": "collector.done.reassigned", "name": "wang.wei"}) == (
        "Task reassigned to wang.wei.")


def test_the_redirect_keeps_the_page_filters_and_drops_an_old_notice() -> None:
    url = with_notice("/worklist?customer=C001&done=bank.done.applied&id=3&refused=4",
                      "collector.bulk.completed", n=2)
    assert url == "/worklist?customer=C001&done=collector.bulk.completed&n=2"
    with pytest.raises(ValueError, match="takes"):
        with_notice("/worklist", "collector.bulk.completed", rows="C001: why")
    with pytest.raises(KeyError):
        with_notice("/worklist", SPOOF)


def test_no_notice_value_is_a_query_parameter_a_page_reads() -> None:
    """The values ride beside the page's own parameters; a clash would break a filter."""
    from arflow.web.pages.worklist import Filters

    own = {*Filters.__dataclass_fields__, "offset", "status", "level", "as_of", "download"}
    assert not own & {*CHECKS, "done"}


# -- the pages (both databases) ----------------------------------------------------------

@pytest.fixture
def lines(db: Engine, tmp_path: Path) -> Lines:
    """DAY's portfolio with bank lines waiting; li.na (collector) and zhou (credit
    manager) read English, wu (credit manager) Chinese."""
    found = seed(db, tmp_path)
    people(db, ("li.na", "collector"), ("zhou", "credit_manager"))
    people(db, ("wu", "credit_manager"), language="zh-CN")
    return found


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path, lines: Lines):  # type: ignore[no-untyped-def]
    return app_on_day(db_url, db, tmp_path)


@pytest.fixture
def signed_in(app) -> Iterator[dict[str, tuple[TestClient, str]]]:  # type: ignore[no-untyped-def]
    """Each person's browser, signed in, and its CSRF token."""
    with TestClient(app) as li, TestClient(app) as zhou, TestClient(app) as wu:
        yield {"li.na": (li, web_sign_in(li, "li.na")), "zhou": (zhou, web_sign_in(zhou, "zhou")),
               "wu": (wu, web_sign_in(wu, "wu"))}


CRAFTED = (
    "done=" + quote(SPOOF),
    "done=" + quote("<script>alert(1)</script>"),
    "done=admin.title",
    "done=collector.done.reassigned&name=" + quote("Call 555-0100 now"),
    "done=collector.done.reassigned&name=" + "x" * 500,
    "done=collector.done.reassigned&name=" + quote("<script>alert(1)</script>"),
    "done=bank.done.applied&id=" + quote("1 or call 555-0100"),
)


def _no_notice_for_crafted_links(signed_in) -> None:  # type: ignore[no-untyped-def]
    """Every crafted query on the worklist and /bank; the plain spoof on the other pages."""
    pages = {"li.na": ("/worklist?customer=C001", "/worklist", "/receivables/R-1",
                       "/customers/C001"),
             "wu": ("/bank?status=queue", "/bank", "/policy", "/writeoffs", "/orders/held",
                    "/credit")}
    for person, paths in pages.items():
        browser, _ = signed_in[person]
        for n, path in enumerate(paths):
            for query in CRAFTED if n == 0 else CRAFTED[:1]:
                url = path + ("&" if "?" in path else "?") + query
                answer = browser.get(url)
                assert answer.status_code == 200, url
                assert flash(answer.text) is None, url
                assert "555-0100" not in answer.text and "<script>alert" not in answer.text
    browser, _ = signed_in["li.na"]
    shown = browser.get("/worklist?done=collector.done.reassigned&name=wang.wei").text
    assert flash(shown) == "Task reassigned to wang.wei."  # the table's own words only


def _notice_after(browser: TestClient, answer, key: str) -> str | None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert dict(parse_qsl(urlsplit(location).query))["done"] == key
    return flash(browser.get(location).text)


def _call_task(db: Engine, code: str) -> int:
    with Session(db) as s:
        return s.execute(select(Task.id).join(Customer, Customer.id == Task.customer_id)
                         .where(Customer.code == code, Task.kind == "call")).scalar_one()


def test_crafted_links_show_nothing_and_real_actions_say_what_they_did(  # type: ignore[no-untyped-def]
        signed_in, db: Engine, lines: Lines) -> None:
    """One portfolio for both (its set-up is most of the time): crafted links first, then
    each action's notice in the reader's language."""
    _no_notice_for_crafted_links(signed_in)
    li, li_csrf = signed_in["li.na"]
    wu, wu_csrf = signed_in["wu"]
    zhou, zhou_csrf = signed_in["zhou"]
    call = li.post("/receivables/R-1/calls", follow_redirects=False,
                   data={"csrf_token": li_csrf, "outcome": "reached", "note": "Friday"})
    assert _notice_after(li, call, "collector.done.call") == "Call logged."
    call = wu.post("/receivables/R-4/calls", follow_redirects=False,
                   data={"csrf_token": wu_csrf, "outcome": "reached", "note": "周五"})
    assert _notice_after(wu, call, "collector.done.call") == "电话已记录。"
    task = _call_task(db, "C002")
    with Session(db) as s:  # the call closed C002's call task: open it again to complete it
        found = s.get(Task, task)
        assert found is not None
        found.status, found.closed_on = "open", None
        s.commit()
    done = wu.post(f"/tasks/{task}/complete", follow_redirects=False,
                   data={"csrf_token": wu_csrf, "note": "ok", "back": "/worklist"})
    assert _notice_after(wu, done, "collector.done.task") == "任务已完成。"
    applied = zhou.post(f"/bank/lines/{lines.proposed}/confirm?status=queue",
                        data={"csrf_token": zhou_csrf, "option": "1"}, follow_redirects=False)
    assert _notice_after(zhou, applied, "bank.done.applied") == f"Line {lines.proposed} applied."
    credited = wu.post(f"/bank/lines/{lines.unmatched}/credit?status=queue",
                       data={"csrf_token": wu_csrf, "customer": "C001"},
                       follow_redirects=False)
    assert _notice_after(wu, credited, "bank.done.credited") == (
        f"流水 {lines.unmatched} 已作为 C001 的未核销余额。")


def test_publishing_a_policy_names_its_hash(web, db) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["collection.yaml"].replace("days_to_due <= 7",
                                                                   "days_to_due <= 10")
    draft_url = upload(web, csrf, {"collection.yaml": text}).headers["location"]
    published = web.post(f"{draft_url}/publish", data={"csrf_token": csrf},
                         follow_redirects=False)
    short = web.app.state.policy.hash[:12]
    assert _notice_after(web, published, "policy.published") == (
        f"Policy {short} published: it is in force now.")
