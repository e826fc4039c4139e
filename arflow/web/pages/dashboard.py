"""The dashboard and the report pages: the figures of ``arflow report`` with SVG charts.

Who sees what: finance leadership steers by the portfolio, so credit managers and admins
(``read_all``) see every customer. A collector holds the ``dashboard`` permission too, and
sees the dashboard of their own customers only: open, overdue and ageing of their book
(the ageing report grouped by collector, their row) and their most overdue customers.
Portfolio-wide figures that cannot be narrowed to a collector (DSO, which needs the whole
book's credit sales, and the warnings count) and the report pages are not shown to them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.charts import Band, Series
from arflow.charts.svg import bar_chart, line_chart
from arflow.days import Day
from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import ApiError
from arflow.web.i18n import Translator
from arflow.web.pages.render import page, translator
from ledger import reports
from ledger.db import Session
from ledger.reports.ageing import GROUPINGS
from ledger.reports.arms import by_arm
from ledger.reports.converted import converted_total

router = APIRouter(include_in_schema=False)
TOP = 10
Viewer = permitted("dashboard")
Leadership = permitted("read_all")


def _buckets(request: Request) -> list[reports.Bucket]:
    try:
        section = request.app.state.settings.section("reports")
        return reports.buckets_from_settings({"ageing_buckets": section.get("ageing_buckets")})
    except reports.BucketError as exc:
        raise ApiError(500, "settings_invalid", f"settings.yaml reports: {exc}") from None


def _wants_json(download: str | None) -> bool:
    """``?download=json``: the figures as a file (CSV/XLSX stay with ``arflow report``)."""
    if download not in (None, "", "json"):
        raise ApiError(400, "bad_format", "download must be json", "download")
    return download == "json"


def _json(name: str, data: dict[str, Any]) -> Response:
    """The report as ``arflow report ... --format json`` writes it (money exact)."""
    from arflow.jsonout import dumps

    return Response(dumps(data) + "\n", media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


def _bucket_label(t: Translator, name: str) -> str:
    return t("dashboard.bucket.current") if name == "current" else name


def overdue_of(row: reports.AgeingRow, buckets: list[reports.Bucket]) -> Decimal:
    """Balance in the buckets past due (first day 1 or later)."""
    return sum((row.amounts[b.name] for b in buckets
                if b.first_day is not None and b.first_day >= 1), Decimal("0.00"))


def ageing_chart(t: Translator, row: reports.AgeingRow, buckets: list[reports.Bucket]) -> Any:
    return bar_chart(
        [_bucket_label(t, b.name) for b in buckets],
        Series(row.currency, [row.amounts[b.name] for b in buckets]),
        title=t("dashboard.chart.ageing", currency=row.currency),
        desc=t("dashboard.chart.ageing_desc"),
        fmt=lambda v: t.money(Decimal(v), row.currency), axis=lambda v: t.number(Decimal(v)))


def _book(db: Session, who: Principal, as_of: date, buckets: list[reports.Bucket]
          ) -> list[reports.AgeingRow]:
    """Ageing totals per currency: the portfolio's, or the collector's own row."""
    if who.sees_all:
        return reports.ageing(db, as_of, buckets=buckets).totals
    mine = reports.ageing(db, as_of, by="collector", buckets=buckets)
    return [row for row in mine.rows if row.key == who.name]


def _top(db: Session, who: Principal, as_of: date) -> list[reports.OverdueCustomer]:
    if who.sees_all:
        return reports.top_overdue_customers(db, as_of, TOP)
    # the report has no collector filter: take a wide list and keep theirs
    wide = reports.top_overdue_customers(db, as_of, 1000)
    return [c for c in wide if c.collector == who.name][:TOP]


def _months(kpis: list[reports.Kpis]) -> list[str]:
    return [f"{k.start:%Y-%m}" for k in kpis]


def dso_chart(t: Translator, series: list[reports.Kpis], *lines: str) -> Any:
    names = {line: t(f"report.kpi.{line}") for line in lines}
    return line_chart(
        _months(series),
        [Series(names[line], [getattr(k, line) for k in series]) for line in lines],
        title=t("dashboard.chart.dso", months=len(series)), desc=t("dashboard.chart.dso_desc"),
        fmt=lambda v: t.number(Decimal(v), 0))


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, who: Viewer, db: DbSession, today: Today,
              as_of: Day | None = None) -> HTMLResponse:
    day = as_of or today
    t = translator(request, who)
    buckets = _buckets(request)
    book = [{"row": row, "overdue": overdue_of(row, buckets),
             "ratio": overdue_of(row, buckets) / row.total if row.total else None,
             "chart": ageing_chart(t, row, buckets)} for row in _book(db, who, day, buckets)]
    book_currency = request.app.state.settings.book_currency
    converted = None
    if {item["row"].currency for item in book} - {book_currency}:  # not only the book's
        converted = {
            "open": converted_total(db, {i["row"].currency: i["row"].total for i in book},
                                    book_currency, day),
            "overdue": converted_total(db, {i["row"].currency: i["overdue"] for i in book},
                                       book_currency, day)}
    trend = chart = None
    warnings: dict[str, int] = {}
    if who.sees_all:
        trend = reports.monthly_kpis(db, day, 12, book_currency)
        chart = dso_chart(t, trend, "dso_simple")
        warnings = reports.warnings_by_level(db)
    return page(request, "dashboard/index.html", who, as_of=day, book=book, buckets=buckets,
                converted=converted, book_currency=book_currency,
                top=_top(db, who, day), dso=chart, trend=trend, warnings=warnings,
                portfolio=who.sees_all, label=lambda n: _bucket_label(t, n))


@router.get("/reports/ageing", response_class=HTMLResponse)
def ageing_page(request: Request, who: Viewer, _lead: Leadership, db: DbSession, today: Today,
                as_of: Day | None = None, by: str | None = None,
                download: str | None = None) -> Response:
    day = as_of or today
    if by not in (None, "", *GROUPINGS):
        raise ApiError(400, "bad_grouping", f"by must be one of {', '.join(GROUPINGS)}", "by")
    t = translator(request, who)
    buckets = _buckets(request)
    report = reports.ageing(db, day, by=by or None, buckets=buckets,
                            book=request.app.state.settings.book_currency)
    if _wants_json(download):
        return _json(f"ageing-{day}", report.as_dict())
    charts = [ageing_chart(t, row, buckets) for row in report.totals]
    return page(request, "dashboard/ageing.html", who, as_of=day, report=report, charts=charts,
                by=by or "", groupings=GROUPINGS,
                label=lambda n: _bucket_label(t, n))


@router.get("/reports/kpi", response_class=HTMLResponse)
def kpi_page(request: Request, who: Viewer, _lead: Leadership, db: DbSession, today: Today,
             as_of: Day | None = None,
                download: str | None = None) -> Response:
    day = as_of or today
    cur = request.app.state.settings.book_currency  # the KPIs of the book's currency
    t = translator(request, who)
    series = reports.monthly_kpis(db, day, 24, cur)
    quarter = reports.kpis(db, day - timedelta(days=90), day, cur)
    policy = request.app.state.policy  # a challenger: the period's KPIs of each arm too
    challenger = policy.challenger if policy is not None else None
    arms = None if challenger is None else by_arm(
        db, challenger, lambda c: reports.kpis(db, quarter.start, day, cur, c))
    if _wants_json(download):
        data = {"period": quarter.as_dict(), "months": [k.as_dict() for k in series]}
        if arms is not None:
            data["arms"] = {arm: k.as_dict() for arm, k in arms.items()}
        return _json(f"kpi-{day}", data)
    cei = line_chart(_months(series), Series("CEI", [k.cei for k in series]),
                     title=t("report.kpi.cei_chart"), fmt=lambda v: t.number(Decimal(v), 0))
    return page(request, "dashboard/kpi.html", who, as_of=day, series=series, quarter=quarter,
                dso=dso_chart(t, series, "dso_simple", "dso_countback", "best_possible_dso"),
                cei=cei, arms=arms, challenger=challenger)


@router.get("/reports/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, who: Viewer, _lead: Leadership, db: DbSession,
                  today: Today, as_of: Day | None = None,
                download: str | None = None) -> Response:
    day = as_of or today
    cur = request.app.state.settings.book_currency  # the KPIs of the book's currency
    t = translator(request, who)
    result = reports.forecast(db, day, 13, cur)
    check = reports.backtest(db, day, 13, cur)
    if _wants_json(download):
        return _json(f"forecast-{day}", {"forecast": result.as_dict(), "backtest": check.as_dict()})
    weeks = [t.day(w.week_start) for w in result.weeks]
    chart = line_chart(
        weeks, Series(t("report.forecast.expected"), [w.expected for w in result.weeks]),
        band=Band(t("report.forecast.range"), [w.p10 for w in result.weeks],
                  [w.p90 for w in result.weeks]),
        title=t("report.forecast.chart", currency=cur),
        desc=t("report.forecast.chart_desc"), fmt=lambda v: t.money(Decimal(v), cur),
        axis=lambda v: t.number(Decimal(v)))
    actual = line_chart(
        [t.day(w.week_start) for w in check.weeks],
        [Series(t("report.forecast.expected"), [w.expected for w in check.weeks]),
         Series(t("report.forecast.actual"), [w.actual for w in check.weeks])],
        title=t("report.forecast.backtest_chart", day=t.day(check.made_on)),
        fmt=lambda v: t.money(Decimal(v), cur),
        axis=lambda v: t.number(Decimal(v)))
    return page(request, "dashboard/forecast.html", who, as_of=day, result=result, chart=chart,
                check=check, actual=actual)


@router.get("/reports/provision", response_class=HTMLResponse)
def provision_page(request: Request, who: Viewer, _lead: Leadership, db: DbSession,
                   today: Today, as_of: Day | None = None,
                download: str | None = None) -> Response:
    day = as_of or today
    cur = request.app.state.settings.book_currency  # the KPIs of the book's currency
    t = translator(request, who)
    buckets = _buckets(request)
    policy = request.app.state.policy
    rates = {str(k): Decimal(str(v)) for k, v in (getattr(policy, "provision", None) or {}).items()}
    matrix = reports.provision(db, day, rates, buckets, cur)
    rolled = reports.roll_rates(db, day, 12, buckets, cur)
    if _wants_json(download):
        return _json(f"provision-{day}", {"policy": matrix.as_dict(),
                                          "roll_rates": rolled.as_dict()})
    rolled_loss = {line.bucket: line.expected_loss
                   for line in (rolled.provision.lines if rolled.provision else [])}
    chart = bar_chart(
        [_bucket_label(t, line.bucket) for line in matrix.lines],
        [Series(t("report.provision.policy"), [line.expected_loss for line in matrix.lines]),
         Series(t("report.provision.roll"),
                [rolled_loss.get(line.bucket, Decimal("0")) for line in matrix.lines])],
        title=t("report.provision.chart", currency=cur),
        fmt=lambda v: t.money(Decimal(v), cur),
        axis=lambda v: t.number(Decimal(v)))
    return page(request, "dashboard/provision.html", who, as_of=day, matrix=matrix,
                rolled=rolled, rolled_loss=rolled_loss, chart=chart,
                label=lambda n: _bucket_label(t, n))


@router.get("/reports/collectors", response_class=HTMLResponse)
def collectors_page(request: Request, who: Viewer, _lead: Leadership, db: DbSession,
                    today: Today, as_of: Day | None = None,
                download: str | None = None) -> Response:
    day = as_of or today
    cur = request.app.state.settings.book_currency  # the KPIs of the book's currency
    t = translator(request, who)
    targets = request.app.state.settings.section("reports").get("collector_targets") or {}
    start = day.replace(day=1)
    rows = reports.collector_performance(db, start, day, targets, cur)
    if _wants_json(download):
        return _json(f"collectors-{day}", {"start": start, "end": day,
                                           "collectors": [r.as_dict() for r in rows]})
    chart = bar_chart(
        [r.collector for r in rows],
        [Series(t("report.collectors.collected"), [r.collected for r in rows]),
         Series(t("report.collectors.target"), [r.target_collected for r in rows])],
        title=t("report.collectors.chart", currency=cur),
        fmt=lambda v: t.money(Decimal(v), cur),
        axis=lambda v: t.number(Decimal(v)))
    return page(request, "dashboard/collectors.html", who, as_of=day, start=start, rows=rows,
                chart=chart)
