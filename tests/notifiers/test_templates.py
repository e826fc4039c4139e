from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from notifiers.filters import format_date_en, format_date_zh, ljust, money, rjust
from notifiers.templates import (
    LANGUAGES,
    TemplateProblem,
    Templates,
    language_for,
    sample_context,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Templates(ROOT / "config" / "templates")
NAMES = ("pre_due", "overdue_first", "overdue_final")


def write(folder: Path, relative: str, source: str) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def test_every_shipped_template_passes_check() -> None:
    assert SHIPPED.check(NAMES) == []


@pytest.mark.parametrize("name", NAMES)
def test_shipped_chinese_statement(name: str) -> None:
    r = SHIPPED.render(name, "zh-CN", sample_context())
    assert "\n" not in r.subject and r.subject == r.subject.strip()
    assert "华信供应链管理有限公司" in r.subject or "C0042" in r.subject
    for body in (r.text, r.html):
        assert "尊敬的上海恒远贸易有限公司" in body
        for invoice in ("INV-2026-0815", "INV-2026-0902", "INV-2026-1107"):
            assert invoice in body
        assert "2026年10月15日" in body  # due date
        assert "逾期 39 天" in body
        assert "CNY 98,345.67" in body and "USD 4,820.50" in body  # totals per currency
        assert "付款信息" in body and "1001 2345 6789 0123 456" in body
        assert "请忽略本" in body  # already paid? ignore
    assert r.html.lstrip().startswith("<!DOCTYPE html>") and "<table" in r.html
    if name == "overdue_final":
        # firm, but it names only what the policy does next (the legal hand-over)
        assert "法务部门" in r.text and "催收机构" not in r.text and "法律途径" not in r.text


@pytest.mark.parametrize("name", NAMES)
def test_shipped_english_statement(name: str) -> None:
    context = sample_context()
    context["customer"] = {"code": "C0099", "name": "Acme Ltd", "language": "en"}
    r = SHIPPED.render(name, "en", context)
    for body in (r.text, r.html):
        assert "Dear Acme Ltd" in body
        assert "15 Oct 2026" in body and "39 days overdue" in body
        assert "CNY 98,345.67" in body and "Payment details" in body
        assert "disregard" in body
    if name == "overdue_final":
        flowing = " ".join(r.text.split())  # the text is wrapped at 80 columns
        assert "legal department" in flowing and "collection agency" not in flowing


def test_text_table_columns_line_up_with_chinese_dates() -> None:
    r = SHIPPED.render("overdue_first", "zh-CN", {**sample_context(), "other_items": []})
    rows = [line for line in r.text.splitlines() if line.startswith("INV-")]
    assert len(rows) == 3
    assert len({ljust_width(row) for row in rows}) == 1  # right edge of the amounts aligns


def ljust_width(text: str) -> int:
    return len(ljust(text, 0).encode("gbk"))  # GBK: a CJK character is two bytes, ASCII one


def test_html_is_escaped_and_text_is_not(tmp_path: Path) -> None:
    write(
        tmp_path,
        "en/note.j2",
        "{% block subject %}Statement for {{ customer.name }}{% endblock %}\n"
        "{% block text %}Dear {{ customer.name }}{% endblock %}\n"
        "{% block html %}<p>Dear {{ customer.name }}</p>{% endblock %}\n",
    )
    context = sample_context()
    context["customer"]["name"] = "<b>Smith & Sons</b>"
    r = Templates(tmp_path).render("note", "en", context)
    assert r.text.strip() == "Dear <b>Smith & Sons</b>"
    assert r.html.strip() == "<p>Dear &lt;b&gt;Smith &amp; Sons&lt;/b&gt;</p>"
    assert r.subject == "Statement for <b>Smith & Sons</b>"  # a header, not HTML


def test_shipped_html_escapes_a_hostile_customer_name() -> None:
    context = sample_context()
    context["customer"]["name"] = "<b>恒远&合伙</b>"
    r = SHIPPED.render("overdue_final", "zh-CN", context)
    assert "&lt;b&gt;恒远&amp;合伙&lt;/b&gt;" in r.html and "<b>恒远" not in r.html
    assert "尊敬的<b>恒远&合伙</b>：" in r.text


def test_missing_template_and_language() -> None:
    with pytest.raises(TemplateProblem, match=r"en/nope\.j2: missing$"):
        SHIPPED.render("nope", "en", sample_context())
    with pytest.raises(TemplateProblem, match="unknown language 'fr'"):
        SHIPPED.render("pre_due", "fr", sample_context())
    with pytest.raises(TemplateProblem, match="bad template name"):
        SHIPPED.render("../secrets", "en", sample_context())


def test_unknown_variable_names_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "zh-CN/pre_due.j2",
        "{% block subject %}提醒{% endblock %}\n"
        "{% block text %}\n"
        "尊敬的{{ customer.name }}：\n"
        "{{ customer.nickname }}\n"
        "{% endblock %}\n"
        "{% block html %}<p>{{ foo }}</p>{% endblock %}\n",
    )
    templates = Templates(tmp_path)
    with pytest.raises(TemplateProblem) as caught:
        templates.render("pre_due", "zh-CN", sample_context())
    message = str(caught.value)
    assert message.endswith("zh-CN/pre_due.j2:4: 'dict object' has no attribute 'nickname'")
    assert "\n" not in message


def test_check_reports_broken_templates_with_file_and_line(tmp_path: Path) -> None:
    good = (
        "{% block subject %}{{ customer.code }}{% endblock %}"
        "{% block text %}{{ totals[0].amount|money }}{% endblock %}"
        "{% block html %}{{ for_date|date }}{% endblock %}"
    )
    for language in LANGUAGES:
        write(tmp_path, f"{language}/pre_due.j2", good)
    write(
        tmp_path,
        "en/overdue_final.j2",
        "{% block subject %}Final{% endblock %}\n"
        "{% block text %}\n"
        "Dear {{ customer.name }},\n"
        "\n"
        "{% if review %}{{ foo }}{% endif %}\n"
        "{% endblock %}\n"
        "{% block html %}<p>x</p>{% endblock %}\n",
    )
    write(tmp_path, "zh-CN/overdue_final.j2", "{% block subject %}{% if %}{% endblock %}\n")
    problems = Templates(tmp_path).check(["pre_due", "overdue_final", "pre_due", "overdue_first"])
    assert len(problems) == 4, problems
    assert problems[0].endswith(
        "zh-CN/overdue_final.j2:1: Expected an expression, got 'end of statement block'"
    )
    assert problems[1].endswith("en/overdue_final.j2:5: 'foo' is undefined")
    assert problems[2].endswith("zh-CN/overdue_first.j2: missing")
    assert problems[3].endswith("en/overdue_first.j2: missing")


def test_a_problem_inside_a_shared_partial_names_the_partial(tmp_path: Path) -> None:
    write(
        tmp_path,
        "en/_parts.j2",
        "{% macro total(t) %}\n{{ t.amount|money }} {{ t.nope }}\n{% endmacro %}",
    )
    write(
        tmp_path,
        "en/pre_due.j2",
        "{% block subject %}x{% endblock %}\n"
        "{% block text %}{% import 'en/_parts.j2' as p %}{{ p.total(totals[0]) }}{% endblock %}\n"
        "{% block html %}{% endblock %}\n",
    )
    with pytest.raises(TemplateProblem, match=r"en/_parts\.j2:2: .*'nope'"):
        Templates(tmp_path).render("pre_due", "en", sample_context())


def test_a_template_without_a_block_or_subject(tmp_path: Path) -> None:
    write(tmp_path, "en/a.j2", "{% block subject %}x{% endblock %}{% block text %}{% endblock %}")
    write(tmp_path, "en/b.j2", "{% block subject %} {% endblock %}")
    with pytest.raises(TemplateProblem, match=r"en/a\.j2: no \{% block html %\}"):
        Templates(tmp_path).render("a", "en", sample_context())
    with pytest.raises(TemplateProblem, match=r"en/b\.j2: the subject is empty"):
        Templates(tmp_path).render("b", "en", sample_context())


def test_a_filter_given_the_wrong_type_is_a_template_problem(tmp_path: Path) -> None:
    write(
        tmp_path,
        "en/a.j2",
        "{% block subject %}x{% endblock %}\n{% block text %}\n{{ 1.5|money }}\n{% endblock %}",
    )
    with pytest.raises(TemplateProblem, match=r"en/a\.j2:3: TypeError: money needs a Decimal"):
        Templates(tmp_path).render("a", "en", sample_context())


def test_filters() -> None:
    assert money(Decimal("12345.675")) == "12,345.68"
    assert money(Decimal("-0.5")) == "-0.50"
    assert money(Decimal("1234567890123456.78")) == "1,234,567,890,123,456.78"
    with pytest.raises(TypeError):
        money(12.5)  # type: ignore[arg-type]
    assert format_date_zh(date(2026, 11, 23)) == "2026年11月23日"
    assert format_date_en(date(2026, 11, 23)) == "23 Nov 2026"
    assert ljust("逾期", 6) == "逾期  " and rjust("5", 3) == "  5"


def test_language_for_customer_codes() -> None:
    assert [language_for(x) for x in ("zh_CN", "zh-cn", "zh", "en-GB", "EN", None, "fr")] == [
        "zh-CN",
        "zh-CN",
        "zh-CN",
        "en",
        "en",
        "zh-CN",
        "zh-CN",
    ]


def test_sample_context_has_the_documented_shape() -> None:
    c = sample_context()
    assert set(c) == {"customer", "for_date", "step", "items", "totals", "sender", "review",
                      "other_items", "other_totals", "previous", "interest"}
    assert set(c["interest"]) == {"rate_per_day", "to", "totals"}
    assert set(c["interest"]["totals"][0]) == {"currency", "amount"}
    assert set(c["previous"][0]) == {"date", "step", "template", "invoices"}
    assert "step" not in c["other_items"][0]
    assert set(c["customer"]) == {"code", "name", "language"}
    assert set(c["items"][0]) == {
        "invoice",
        "issue_date",
        "due_date",
        "days_overdue",
        "balance",
        "currency",
        "step",
        "interest",
    }
    assert set(c["totals"][0]) == {"currency", "amount", "count"}
    assert set(c["sender"]) == {
        "company",
        "email",
        "phone",
        "bank_name",
        "bank_account",
        "account_name",
    }
    assert isinstance(c["items"][0]["balance"], Decimal)
    assert sample_context() is not c and sample_context() == c
