"""The weekly management summary: this week's headline figures and charts, as one email.

Leadership reads it on Monday morning: open and overdue balances, DSO and CEI, ageing,
the customers most overdue, open warnings and the 13-week cash forecast, with the charts
inline as PNG (mail clients do not show SVG). The figures come from ledger/reports, each
with its textbook definition (docs/analytics.md); this module only chooses the periods:

- KPIs (DSO, CEI, overdue ratio) over the trailing quarter, 91 days ending ``as_of``: a
  week is too short for DSO to mean much, and a quarter is what finance reports.
- DSO trend: the last 12 calendar months (simple DSO of each month).

Exactly once per ISO week: ``summary_key(as_of)`` (``summary:2026-W48``) makes the
Message-ID and names the week's row in ``report_delivery`` (ledger/delivery_store.py).
``send_summary`` claims the week before sending (a second run, a run after a restart, or
another process on the same database finds the row and does nothing), marks it sent after
the server accepted the message, and gives the claim back if the send failed, so the next
run tries again. It is sent directly, not through the outbox: outbox rows are per
customer and carry no images. Every send is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from arflow.charts import Band, Series
from arflow.charts.png import bar_png, can_draw, line_png
from arflow.settings import ReportSettings, Settings, SettingsError
from ledger import reports
from ledger.db import Engine, Session
from notifiers.base import Notifier, message_id_for
from notifiers.related import InlineImage, RichMessage
from notifiers.templates import Templates

TEMPLATE = "weekly_summary"
CURRENCY = "CNY"
KPI_DAYS = 91
TREND_MONTHS = 12
TOP = 10


def summary_key(as_of: date) -> str:
    """The week a summary belongs to: one message per ISO week, whatever day it goes out."""
    year, week, _ = as_of.isocalendar()
    return f"summary:{year}-W{week:02d}"


@dataclass
class Summary:
    """The week's figures (Decimal money in ``currency``) and the ISO week they are for."""

    as_of: date
    currency: str
    ageing: reports.AgeingReport
    kpis: reports.Kpis
    trend: list[reports.Kpis]
    top: list[reports.OverdueCustomer]
    warnings: dict[str, int]
    forecast: reports.Forecast
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = summary_key(self.as_of)

    @property
    def buckets(self) -> list[tuple[str, Decimal]]:
        """(bucket, balance) in the summary's currency, every bucket present."""
        row = next((r for r in self.ageing.totals if r.currency == self.currency), None)
        return [(b.name, row.amounts[b.name] if row else Decimal("0.00"))
                for b in self.ageing.buckets]

    def context(self) -> dict[str, Any]:
        """What the email templates see (documented in config/templates/*/weekly_summary.j2)."""
        return {
            "as_of": self.as_of,
            "week": self.key.removeprefix("summary:"),
            "currency": self.currency,
            "kpis": self.kpis,
            "kpi_start": self.kpis.start,
            "open": self.ageing.total(self.currency),
            "buckets": self.buckets,
            "top": self.top,
            "warnings": self.warnings,
            "forecast": self.forecast,
            "forecast_total": sum((w.expected for w in self.forecast.weeks), Decimal("0.00")),
        }


def build_summary(session: Session, as_of: date,
                  settings_section: ReportSettings | Mapping[str, Any],
                  currency: str = CURRENCY) -> Summary:
    """The figures as of ``as_of`` (reads only; ``settings_section``: ``settings.reports``,
    or the raw ``reports`` section of settings.yaml)."""
    if isinstance(settings_section, ReportSettings):
        buckets = list(settings_section.ageing_buckets)
    else:
        buckets = reports.buckets_from_settings(
            {"ageing_buckets": settings_section.get("ageing_buckets")})
    return Summary(
        as_of=as_of,
        currency=currency,
        ageing=reports.ageing(session, as_of, buckets=buckets, currency=currency),
        kpis=reports.kpis(session, as_of - timedelta(days=KPI_DAYS - 1), as_of, currency),
        trend=reports.monthly_kpis(session, as_of, TREND_MONTHS, currency),
        top=reports.top_overdue_customers(session, as_of, TOP),
        warnings=reports.warnings_by_level(session),
        forecast=reports.forecast(session, as_of, 13, currency),
    )


def _label(english: str, chinese: str, language: str) -> str:
    """Chinese where the PNG can draw it; English otherwise (no boxes for missing glyphs)."""
    return chinese if language == "zh-CN" and can_draw(chinese) else english


def _short(value: Any) -> str:
    """Axis numbers for the PNG: 1,234,567 (money axes show whole units)."""
    return f"{value:,.0f}" if abs(float(value)) >= 10 else f"{value:,}"


def summary_charts(summary: Summary, language: str, domain: str = "arflow") -> list[InlineImage]:
    """The three PNG charts the email shows: ageing, DSO trend, 13-week forecast."""
    cur = summary.currency
    names = [name for name, _ in summary.buckets]
    ageing = bar_png(names, Series(cur, [amount for _, amount in summary.buckets]),
                     title=_label(f"Ageing ({cur})", f"账龄分布（{cur}）", language), fmt=_short)
    months = [k.end.strftime("%Y-%m") for k in summary.trend]
    dso = line_png(months, Series("DSO", [k.dso_simple for k in summary.trend]),
                   title=_label("DSO, days (last 12 months)", "DSO（天，近12个月）", language),
                   fmt=_short)
    weeks = [w.week_start.strftime("%m-%d") for w in summary.forecast.weeks]
    band = Band(_label("10-90% range", "10%–90%区间", language),
                [w.p10 for w in summary.forecast.weeks], [w.p90 for w in summary.forecast.weeks])
    forecast = line_png(
        weeks, Series(_label("Expected", "预期回款", language),
                      [w.expected for w in summary.forecast.weeks]),
        band=band, fmt=_short,
        title=_label(f"Expected collections per week ({cur})", f"未来13周预期回款（{cur}）",
                     language))
    return [InlineImage(f"{name}@{domain}", data, f"{name}.png")
            for name, data in (("ageing", ageing), ("dso", dso), ("forecast", forecast))]


def summary_message(summary: Summary, templates: Templates, language: str, *,
                    to: list[str], sender: str, domain: str) -> RichMessage:
    """The rendered email with its charts; the Message-ID comes from the week's key, so a
    resend of the same week is recognisably the same message."""
    images = summary_charts(summary, language, domain)
    context = {**summary.context(), "charts": {i.cid.split("@")[0]: i.cid for i in images}}
    rendered = templates.render(TEMPLATE, language, context)
    return RichMessage(
        key=summary.key,
        message_id=message_id_for(summary.key, domain),
        sender=sender,
        to=tuple(to),
        cc=(),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        images=tuple(images),
    )


@dataclass(frozen=True)
class Delivery:
    """What a send did: ``sent``, ``already_sent`` or ``in_progress`` (another run has it)."""

    key: str
    outcome: str
    to: tuple[str, ...] = ()
    refused: dict[str, str] = field(default_factory=dict)


def recipients(settings: Settings) -> tuple[list[str], str]:
    """``reports.summary.to`` and ``language`` (checked with the settings; SettingsError
    names the key, also when no recipient is configured)."""
    summary = settings.reports.summary
    if not summary.to:
        raise SettingsError("settings.yaml reports.summary.to: a list of email addresses")
    return list(summary.to), summary.language


async def send_summary(engine: Engine, settings: Settings, as_of: date, notifier: Notifier,
                       *, actor: str = "scheduler", force: bool = False) -> Delivery:
    """Build, render and send the week's summary once (``force``: again, e.g. by hand)."""
    from ledger.audit import AuditEntry, write_audit
    from ledger.db import session_scope
    from ledger.delivery_store import DeliveryLog

    key, log = summary_key(as_of), DeliveryLog(engine)
    to, language = recipients(settings)
    already = log.sent(key)
    if already and not force:
        return Delivery(key, "already_sent")
    if not already and not log.claim(key):
        return Delivery(key, "in_progress")
    try:
        with session_scope(engine) as session:
            summary = build_summary(session, as_of, settings.reports)
        message = summary_message(summary, Templates(settings.templates_dir), language, to=to,
                                  sender=settings.mail_from, domain=settings.mail.domain)
        report = await notifier.send(message)
    except BaseException:
        if not already:
            log.release(key)  # not sent: the next run tries again
        raise
    log.mark_sent(key, f"{message.message_id} to {', '.join(to)}")
    with session_scope(engine) as session:
        write_audit(session, [AuditEntry(
            as_of, actor, "summary_sent", "report", None, key,
            details={"to": to, "language": language, "message_id": message.message_id,
                     "refused": report.refused})])
    return Delivery(key, "sent", tuple(to), dict(report.refused))
