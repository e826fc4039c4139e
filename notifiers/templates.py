"""Reminder emails from Jinja2 templates that credit managers can edit.

Layout: ``config/templates/<language>/<name>.j2`` for languages zh-CN and en. Each file
defines three blocks: ``subject`` (one line), ``text`` and ``html``. Partials shared by a
language's templates live beside them with a leading underscore (``_statement.j2``) and
are imported inside a block (a block rendered on its own does not run top-level code).

The text block and the subject render with autoescape off (they are plain text: escaping
would put ``&amp;`` in a subject line), the html block with autoescape on. Undefined names
are errors (StrictUndefined), so a misspelt variable fails ``arflow policy check`` instead
of sending an email with a hole in it.

The context the daily cycle provides for one email (``sample_context()`` has this shape):

- ``customer``: {code, name, language}
- ``for_date``: date — the cycle's as_of date
- ``step``: str — the reminder step id of this email (the furthest step among its items)
- ``items``: the receivables this email demands, each at a step of this email's
  template: list of {invoice, issue_date (date), due_date (date), days_overdue (int,
  negative before the due date), balance (Decimal), currency, step}
- ``totals``: list of {currency, amount (Decimal), count} — one per currency
- ``other_items``: the customer's other open receivables, shown apart in a neutral table
  ("other open items"), never demanded: {invoice, issue_date, due_date, days_overdue,
  balance, currency} (no step); ``other_totals`` like ``totals``
- ``previous``: the earlier messages the outbox SENT to this customer about these items,
  oldest first: {date, step, template, invoices}; empty on a first letter, so a template
  says "we wrote to you on D" only when it is not
- ``sender``: {company, email, phone, bank_name, bank_account, account_name} — the payment
  details from settings, with ``banks`` added at render: the accounts of the message's
  currencies, each {currency, name (in the template's language), bank, account, swift}
  (notifiers/banks.py; settings ``mail.bank_accounts``)
- ``review``: bool — whether the policy step asked for a collector's review of this email
- ``interest``: None (the default when absent), or, when the policy's ``interest`` has
  ``in_notices: true``, {rate_per_day (Decimal), to (date), totals: list of {currency,
  amount (Decimal)}} — the late-payment interest the demanded items accrued by ``to``
  (each item then also has ``interest``); the items macros show it under the table

Filters: ``money`` (Decimal -> "12,345.67"), ``date`` ("2026年11月23日" / "23 Nov 2026",
by the template's language), ``rate`` (a daily rate: "万分之五" / "0.05%"), ``ljust``/
``rjust`` (pad to a display width, counting a CJK character as two columns, for aligned
plain-text tables).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from notifiers.banks import for_currencies as banks_for
from notifiers.filters import format_date_en, format_date_zh, ljust, money, rjust
from notifiers.rates import daily_rate_en, daily_rate_zh
from notifiers.sample import sample_context

__all__ = [
    "LANGUAGES",
    "Rendered",
    "TemplateProblem",
    "Templates",
    "language_for",
    "sample_context",
]

LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Rendered:
    """One email's subject (one line), plain-text body and HTML body."""

    subject: str
    text: str
    html: str


class TemplateProblem(ValueError):
    """A template that cannot be rendered; the message is one line naming file and line."""


class Templates:
    """The templates in one folder, rendered per language."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._loader = FileSystemLoader(self.folder)
        self._envs: dict[tuple[str, bool], Environment] = {}

    def render(self, name: str, language: str, context: Mapping[str, Any]) -> Rendered:
        """Render template ``name`` in ``language``; raise TemplateProblem if it can't be."""
        if language not in LANGUAGES:
            raise TemplateProblem(
                f"unknown language {language!r} for template {name!r} "
                f"(expected {' or '.join(LANGUAGES)})"
            )
        if not _NAME.match(name):
            raise TemplateProblem(f"bad template name {name!r}")
        source = f"{language}/{name}.j2"
        context = _with_banks({"interest": None, **context}, language)
        plain = self._template(source, language, escape=False)
        marked = self._template(source, language, escape=True)
        subject = " ".join(self._block(plain, "subject", context).split())
        if not subject:
            raise TemplateProblem(f"{self._show(plain.filename)}: the subject is empty")
        text = self._block(plain, "text", context).strip("\n") + "\n"
        html = self._block(marked, "html", context).strip() + "\n"
        return Rendered(subject=subject, text=text, html=html)

    def check(self, names: Iterable[str]) -> list[str]:
        """One line per problem in rendering ``names`` × every language on the sample."""
        problems: list[str] = []
        for name in dict.fromkeys(names):
            for language in LANGUAGES:
                for review in (False, True):
                    context = {**sample_context(), "review": review}
                    try:
                        self.render(name, language, context)
                    except TemplateProblem as exc:
                        if str(exc) not in problems:
                            problems.append(str(exc))
        return problems

    def _env(self, language: str, escape: bool) -> Environment:
        key = (language, escape)
        if key not in self._envs:
            env = Environment(
                loader=self._loader,
                autoescape=escape,
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters.update(
                money=money,
                date=format_date_zh if language == "zh-CN" else format_date_en,
                rate=daily_rate_zh if language == "zh-CN" else daily_rate_en,
                ljust=ljust,
                rjust=rjust,
            )
            self._envs[key] = env
        return self._envs[key]

    def _template(self, source: str, language: str, *, escape: bool) -> Template:
        try:
            return self._env(language, escape).get_template(source)
        except TemplateNotFound as exc:
            raise TemplateProblem(f"{self._show(self.folder / exc.name)}: missing") from None
        except TemplateSyntaxError as exc:
            where = self._show(exc.filename or self.folder / source)
            raise TemplateProblem(f"{where}:{exc.lineno}: {_one_line(exc.message)}") from None

    def _block(self, template: Template, block: str, context: Mapping[str, Any]) -> str:
        render = template.blocks.get(block)
        if render is None:
            where = self._show(template.filename)
            raise TemplateProblem(f"{where}: no {{% block {block} %}}")
        try:
            return "".join(render(template.new_context(dict(context))))
        except TemplateNotFound as exc:  # an import inside the block
            raise TemplateProblem(f"{self._show(self.folder / exc.name)}: missing") from None
        except TemplateSyntaxError as exc:
            where = self._show(exc.filename or template.filename)
            raise TemplateProblem(f"{where}:{exc.lineno}: {_one_line(exc.message)}") from None
        except Exception as exc:  # undefined names, a filter given the wrong type, ...
            filename, line = _template_frame(exc.__traceback__, template)
            if isinstance(exc, TemplateError):
                message = exc.message or type(exc).__name__
            else:
                message = f"{type(exc).__name__}: {exc}"
            raise TemplateProblem(f"{self._show(filename)}:{line}: {_one_line(message)}") from None

    def _show(self, filename: str | Path | None) -> str:
        """A path as people will look for it: relative to the working folder if inside it."""
        path = Path(filename or self.folder)
        try:
            return str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(path)


def _with_banks(context: Mapping[str, Any], language: str) -> Mapping[str, Any]:
    """The context with ``sender.banks``: the accounts of the currencies it asks for."""
    sender = context.get("sender")
    if not isinstance(sender, Mapping):
        return context
    currencies = [t.get("currency") for t in context.get("totals") or ()] or [
        i.get("currency") for i in context.get("items") or ()]
    banks = banks_for(sender, [c for c in currencies if c], language)
    return {**context, "sender": {**sender, "banks": banks}}


def _one_line(message: str | None) -> str:
    return " ".join((message or "").split()) or "error"


def _template_frame(tb: TracebackType | None, fallback: Template) -> tuple[str | None, int]:
    """The innermost template file and source line in a traceback (a partial, if there)."""
    found: tuple[str | None, int] = (fallback.filename, 1)
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = (template.filename, template.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return found


def language_for(value: str | None, default: str = "zh-CN") -> str:
    """The template language for a customer's language code ("zh_cn", "en-GB", None ...)."""
    code = (value or "").strip().lower().replace("_", "-")
    if code.startswith("zh") or code == "cn":
        return "zh-CN"
    if code.startswith("en"):
        return "en"
    return default
