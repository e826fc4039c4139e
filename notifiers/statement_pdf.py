"""The statement of account as a PDF (A4, reportlab): letterhead, the customer and its
billing contact, a summary per currency, the open invoices, their ageing, the payments of
the last 90 days, unapplied credit, interest when charged, and where to pay each currency.

Every word is in the customer's language (notifiers/statement_labels.py). All text is set
in WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, installed by scripts/ensure-fonts.sh),
embedded as a subset, so Chinese names show on any reader; nothing is downloaded here.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ledger.reads.statement import StatementData
from notifiers import banks
from notifiers.filters import money
from notifiers.statement_labels import bucket_label, labels, long_date

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
FONT = "WenQuanYiMicroHei"

INK = colors.HexColor("#101828")
MUTED = colors.HexColor("#667085")
RULE = colors.HexColor("#d0d5dd")
SHADE = colors.HexColor("#f2f4f7")
ACCENT = colors.HexColor("#1d4ed8")
RED = colors.HexColor("#b42318")
WIDTH = A4[0] - 36 * mm  # the text width between 18 mm margins


class FontMissing(RuntimeError):
    """The CJK font a statement is set in is not installed."""


def font_name(path: Path = FONT_PATH) -> str:
    """Register the statement font once; FontMissing (one line) when it is not installed."""
    return _register(path, FONT)


def _register(path: Path, name: str) -> str:
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    if not path.is_file():
        raise FontMissing(f"the statement font {path} is missing: install the Debian package "
                          f"{FONT_PACKAGE} (scripts/ensure-fonts.sh does)")
    pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def render(data: StatementData, sender: Mapping[str, Any]) -> bytes:
    """The statement as PDF bytes; ``sender`` is settings ``mail`` (company, address, phone,
    email, and the bank accounts: notifiers/banks.py)."""
    font = font_name()
    language = "en" if data.language.lower().startswith("en") else "zh-CN"
    words = labels(language)
    styles = _styles(font)
    buffer = io.BytesIO()
    title = f"{words['title']} {data.code} {data.as_of.isoformat()}"
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm, title=title,
                            author=str(sender.get("company") or ""), subject=words["title"])
    story: list[Any] = []
    story += _letterhead(data, sender, words, styles, language)
    story += _summary(data, words, styles)
    story += _open_items(data, words, styles)
    story += _ageing(data, words, styles, language)
    story += _payments(data, words, styles)
    if data.interest:
        story += _interest(data, words, styles)
    story += _banks(data, sender, words, styles, language)

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 10 * mm, f"{sender.get('company') or ''} · {data.code} · "
                                            f"{data.as_of.isoformat()}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm,
                               words["page"].format(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the sections


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, textColor=INK)
    return {
        "base": base,
        "company": ParagraphStyle("company", parent=base, fontSize=13, leading=17),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=11, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=20,
                                textColor=ACCENT, alignment=TA_RIGHT),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=15, textColor=ACCENT,
                             spaceBefore=10, spaceAfter=4),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _letterhead(data: StatementData, sender: Mapping[str, Any], words: dict[str, str],
                styles: dict[str, ParagraphStyle], language: str) -> list[Any]:
    contact_line = " · ".join(str(v) for v in (sender.get("phone"), sender.get("email")) if v)
    left = [_p(str(sender.get("company") or ""), styles["company"])]
    if sender.get("address"):
        left.append(_p(str(sender["address"]), styles["muted"]))
    if contact_line:
        left.append(_p(contact_line, styles["muted"]))
    right = [_p(words["title"], styles["title"]),
             _p(words["subtitle"], ParagraphStyle("sub", parent=styles["muted"],
                                                  alignment=TA_RIGHT)),
             Spacer(1, 4),
             _p(f"{words['as_of']}: {long_date(data.as_of, language)}", styles["right"]),
             _p(f"{words['customer_code']}: {data.code}", styles["right"])]
    head = Table([[left, right]], colWidths=[WIDTH * 0.62, WIDTH * 0.38])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LINEBELOW", (0, 0), (-1, 0), 1.5, ACCENT),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    to = [_p(words["to"], styles["muted"]), _p(data.name, styles["company"]),
          _p(f"{words['customer_code']}: {data.code}", styles["base"])]
    contact = data.contact
    if contact is not None:
        reach = " · ".join(v for v in (contact.email, contact.phone or contact.mobile) if v)
        to.append(_p(f"{words['attention']}: {contact.name}"
                     + (f" ({contact.role})" if contact.role else "")
                     + (f" · {reach}" if reach else ""), styles["base"]))
    elif data.email:
        to.append(_p(data.email, styles["base"]))
    return [head, Spacer(1, 8), *to, Spacer(1, 6)]


def _table(rows: list[list[Any]], widths: Sequence[float], *, numeric_from: int,
           total_rows: int = 0, extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A ruled table: a shaded header row, numbers right-aligned from column
    ``numeric_from``, the last ``total_rows`` rows as totals above a rule."""
    table = Table(rows, colWidths=list(widths), repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LINEBELOW", (0, 1), (-1, -1 - total_rows), 0.25, RULE),
    ]
    if total_rows:
        style += [("LINEABOVE", (0, -total_rows), (-1, -total_rows), 0.8, INK),
                  ("FONTSIZE", (0, -total_rows), (-1, -1), 9)]
    table.setStyle(TableStyle([*style, *extra]))
    return table


def _summary(data: StatementData, words: dict[str, str],
             styles: dict[str, ParagraphStyle]) -> list[Any]:
    totals = data.totals()
    header = [words["currency"], words["balance_due"], words["overdue"], words["credit"]]
    if data.interest is not None:
        header.append(words["interest"])
    rows: list[list[Any]] = [header]
    extra: list[tuple[Any, ...]] = [("FONTSIZE", (1, 1), (1, -1), 10.5)]
    for currency in data.currencies:
        overdue = sum((i.balance for i in data.items
                       if i.currency == currency and i.days_overdue > 0), Decimal("0.00"))
        row = [currency, money(totals.get(currency, Decimal("0.00"))), money(overdue),
               money(data.unapplied.get(currency, Decimal("0.00")))]
        if data.interest is not None:
            row.append(money(data.interest.get(currency, Decimal("0.00"))))
        rows.append(row)
        if overdue > 0:
            extra.append(("TEXTCOLOR", (2, len(rows) - 1), (2, len(rows) - 1), RED))
    width = WIDTH / len(header)
    return [_p(words["summary"], styles["h2"]),
            _table(rows, [width] * len(header), numeric_from=1, extra=extra)]


def _open_items(data: StatementData, words: dict[str, str],
                styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [_p(words["open_items"], styles["h2"])]
    if not data.items:
        return [*story, _p(words["no_items"], styles["base"])]
    widths = [w * WIDTH for w in (0.22, 0.14, 0.14, 0.12, 0.19, 0.19)]
    for currency in dict.fromkeys(i.currency for i in data.items):
        items = [i for i in data.items if i.currency == currency]
        rows: list[list[Any]] = [[words["invoice"], words["issued"], words["due"],
                                  words["days_overdue"], f"{words['amount']} ({currency})",
                                  f"{words['balance']} ({currency})"]]
        extra: list[tuple[Any, ...]] = []
        for n, item in enumerate(items, start=1):
            rows.append([item.number, item.issue_date.isoformat(), item.due_date.isoformat(),
                         str(item.days_overdue) if item.days_overdue > 0 else words["not_due"],
                         money(item.amount), money(item.balance)])
            if item.days_overdue > 0:
                extra.append(("TEXTCOLOR", (3, n), (3, n), RED))
            else:
                extra.append(("TEXTCOLOR", (3, n), (3, n), MUTED))
        rows.append([f"{words['total']} {currency}", "", "", "", "",
                     money(sum((i.balance for i in items), Decimal("0.00")))])
        story += [_table(rows, widths, numeric_from=3, total_rows=1, extra=extra),
                  Spacer(1, 6)]
    return story


def _ageing(data: StatementData, words: dict[str, str], styles: dict[str, ParagraphStyle],
            language: str) -> list[Any]:
    if not data.ageing:
        return []
    names = [b.name for b in data.buckets]
    header = [words["currency"], *(bucket_label(b.name, b.first_day, language)
                                   for b in data.buckets), words["total"]]
    rows: list[list[Any]] = [header]
    for currency, amounts in data.ageing.items():
        rows.append([currency, *(money(amounts[n]) if amounts[n] else "–" for n in names),
                     money(sum(amounts.values(), Decimal("0.00")))])
    first = WIDTH * 0.09
    rest = (WIDTH - first) / (len(header) - 1)
    return [KeepTogether([_p(words["ageing"], styles["h2"]),
                          _table(rows, [first] + [rest] * (len(header) - 1), numeric_from=1,
                                 extra=[("FONTSIZE", (0, 0), (-1, -1), 7.5)])])]


def _payments(data: StatementData, words: dict[str, str],
              styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [_p(words["payments"], styles["h2"])]
    if not data.payments:
        story.append(_p(words["no_payments"], styles["base"]))
    else:
        rows: list[list[Any]] = [[words["date"], words["reference"], words["applied_to"],
                                  words["currency"], words["received"], words["on_account"]]]
        for line in data.payments:
            rows.append([line.date.isoformat(), line.reference,
                         _p(", ".join(line.invoices) or "–", styles["small"]), line.currency,
                         money(line.amount), money(line.unapplied) if line.unapplied else "–"])
        widths = [w * WIDTH for w in (0.13, 0.19, 0.28, 0.1, 0.17, 0.13)]
        story.append(_table(rows, widths, numeric_from=4,
                            extra=[("ALIGN", (3, 0), (3, -1), "LEFT")]))
    credit = [f"{c} {money(a)}" for c, a in data.unapplied.items() if a]
    if credit:
        story += [Spacer(1, 4), _p(words["unapplied_note"].format(", ".join(credit)),
                                   styles["base"])]
    return story


def _interest(data: StatementData, words: dict[str, str],
              styles: dict[str, ParagraphStyle]) -> list[Any]:
    owed = [f"{c} {money(a)}" for c, a in (data.interest or {}).items() if a]
    if not owed:
        return []
    return [_p(words["interest_title"], styles["h2"]),
            _p(f"{words['interest_note']} {', '.join(owed)}", styles["base"])]


def _banks(data: StatementData, sender: Mapping[str, Any], words: dict[str, str],
           styles: dict[str, ParagraphStyle], language: str) -> list[Any]:
    accounts = banks.for_currencies(sender, data.currencies, language)
    blocks: list[Any] = []
    for account in accounts:
        rows = [[words["account_name"], account["name"]], [words["bank_name"], account["bank"]],
                [words["account"], account["account"]]]
        if account["swift"]:
            rows.append([words["swift"], account["swift"]])
        head = words["account_for"].format(account["currency"])
        table = Table([[_p(head, styles["base"]), ""], *rows],
                      colWidths=[WIDTH * 0.22, WIDTH * 0.78])
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, -1), SHADE),
            ("BOX", (0, 0), (-1, -1), 0.6, RULE), ("TEXTCOLOR", (0, 1), (0, -1), MUTED),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 8)]))
        blocks += [table, Spacer(1, 6)]
    email = str(sender.get("email") or "")
    notes = [_p(words["quote"].format(data.code), styles["small"])]
    if email:
        notes.append(_p(words["questions"].format(email), styles["small"]))
    return [KeepTogether([_p(words["bank"], styles["h2"]), *blocks, *notes])]
