"""`arflow report ageing|kpi|forecast|provision|collectors|interest`: the analytics in a terminal,
a spreadsheet or a script. Figures come from ledger.reports; this module only asks for
them and lays them out (docs/analytics.md states every formula)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer

from arflow.cli.context import (
    database,
    err_console,
    fail,
    load_policy_or_fail,
    parse_day,
    refusals,
)
from arflow.cli.context import settings as app_settings
from arflow.cli.context import today as app_today
from arflow.cli.report_formats import FORMATS, Sheet, emit
from ledger.db import Session

report_app = typer.Typer(
    help="Receivables analytics: ageing, KPIs, forecast, provision.", no_args_is_help=True
)

AS_OF = typer.Option(None, "--as-of", help="Report as of this day (YYYY-MM-DD); default today.")
FORMAT = typer.Option("table", "--format", help="table | csv | xlsx | json")
OUTPUT = typer.Option(None, "--output", help="Write to this file (xlsx: default <report>.xlsx).")
CURRENCY = typer.Option("CNY", "--currency", help="Currency of the figures (they never mix).")
FROM = typer.Option(
    None, "--from", help="First day of the period; default the 1st of --to's month."
)
TO = typer.Option(None, "--to", help="Last day of the period; default --as-of or today.")
BY_ARM = typer.Option(
    None, "--by", help="arm: the champion's customers and the challenger's side by side "
    "(the policy's challenger: key)."
)


def _settings_section() -> dict[str, Any]:
    from arflow.settings import SettingsError

    try:
        return app_settings().section("reports")
    except SettingsError as exc:
        fail(str(exc))


def _buckets() -> list[Any]:
    from ledger.reports import BucketError, buckets_from_settings

    try:
        return buckets_from_settings(_settings_section())
    except BucketError as exc:
        fail(f"settings.yaml reports.ageing_buckets: {exc}")


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        fail(f"--format: one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


def _period(start: str | None, end: str | None, as_of: str | None) -> tuple[date, date]:
    last = parse_day(end, "--to") or parse_day(as_of, "--as-of") or app_today()
    first = parse_day(start, "--from") or last.replace(day=1)
    if first > last:
        fail(f"--from {first} is after --to {last}")
    return first, last


@contextmanager
def _session() -> Iterator[Session]:
    from ledger.db import session_scope

    with session_scope(database()) as session:
        yield session


def _run(compute: Callable[[Session], Any]) -> Any:
    """Compute inside a read transaction; a ValueError from the reports is bad input."""
    with refusals(), _session() as session:
        return compute(session)


def _challenger(by: str | None) -> Any:
    """None without ``--by``; with ``--by arm`` the policy's challenger (else exit 2)."""
    if by is None:
        return None
    if by != "arm":
        fail(f"--by: only 'arm' (champion and challenger), not {by!r}")
    policy = load_policy_or_fail(None)
    if policy.challenger is None:
        fail("--by arm: the policy names no challenger (policy key challenger:, see "
             "docs/policy.md 'Champion and challenger')")
    return policy.challenger


TARGET_COLUMNS = ("target", "vs target", "targets met")
TARGET_FIELDS = ("target_collected", "target_promise_kept_rate", "target_tasks_in_time_rate",
                 "collected_vs_target", "met")


def _no_targets(line: dict[str, Any]) -> dict[str, Any]:
    """A collector's line in one arm: its figures, without the whole book's targets."""
    return {key: value for key, value in line.items() if key not in TARGET_FIELDS}


def _arms_data(challenger: Any, arms: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a split report: the challenger's terms and each arm's figures."""
    return {"challenger": {"folder": challenger.folder, "takes": challenger.describe()},
            "arms": arms}


def _out(
    fmt: str, sheets: list[Sheet], data: dict[str, Any], output: Path | None, name: str
) -> None:
    written = emit(fmt, sheets, data, output, name)
    if written is not None:
        err_console.print(f"arflow: wrote {written}", markup=False)


@report_app.command("ageing")
def ageing_command(
    as_of: str | None = AS_OF,
    by: str | None = typer.Option(None, "--by", help="customer | segment | collector | currency"),
    currency: str | None = typer.Option(None, "--currency", help="Only this currency."),
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Open balances by days past due, as they stood on --as-of."""
    from ledger.reports import ageing
    from ledger.reports.ageing import GROUPINGS

    _check_format(fmt)
    if by is not None and by not in GROUPINGS:
        fail(f"--by: one of {', '.join(GROUPINGS)}, not {by!r}")
    day = parse_day(as_of, "--as-of") or app_today()
    buckets = _buckets()
    book = app_settings().book_currency
    report = _run(lambda s: ageing(s, day, by, buckets, currency.upper() if currency else None,
                                   book))
    names = [b.name for b in buckets]
    columns = ([by or "group"] if by not in (None, "currency") else []) + [
        "currency",
        *names,
        "total",
        "count",
    ]
    rows = [
        ([r.key] if by not in (None, "currency") else [])
        + [r.currency, *(r.amounts[n] for n in names), r.total, r.count]
        for r in report.rows
    ]
    totals = [
        ([None] if by not in (None, "currency") else [])
        + [t.currency, *(t.amounts[n] for n in names), t.total, t.count]
        for t in report.totals
    ]
    if report.converted and any(t.currency != book for t in report.totals):
        conv = report.converted  # one more line: the totals in the book currency
        totals.append(([None] if by not in (None, "currency") else [])
                      + [f"total {conv['total'].note()}", *(conv[n].amount for n in names),
                         conv["total"].amount, None])
    sheet = Sheet(
        f"ageing as of {day}" + (f" by {by}" if by else ""),
        columns,
        rows if by not in (None, "currency") else totals,
        {*names, "total", "count"},
    )
    sheets = [sheet]
    if by not in (None, "currency"):
        sheets.append(Sheet("totals", columns, totals, sheet.right))
    _out(fmt, sheets, report.as_dict(), output, f"ageing-{day}")


KPI_COLUMNS = [
    ("start", "start"),
    ("end", "end"),
    ("credit_sales", "credit sales"),
    ("beginning_receivables", "AR begin"),
    ("receivables_end", "AR end"),
    ("current_receivables", "AR current"),
    ("dso_simple", "DSO"),
    ("dso_countback", "DSO countback"),
    ("best_possible_dso", "best DSO"),
    ("add", "ADD"),
    ("cei", "CEI %"),
    ("overdue_ratio", "overdue ratio"),
    ("on_time_rate", "on-time rate"),
    ("avg_days_to_pay", "avg days to pay"),
    ("written_off", "written off"),
    ("written_off_count", "write-offs"),
]


@report_app.command("kpi")
def kpi_command(
    as_of: str | None = AS_OF,
    start: str | None = FROM,
    end: str | None = TO,
    months: int | None = typer.Option(
        None, "--months", min=1, max=120, help="A monthly series of this many months to --to."
    ),
    currency: str = CURRENCY,
    by: str | None = BY_ARM,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """DSO (simple and countback), best possible DSO, ADD, CEI and the other KPIs."""
    from ledger.reports import kpis, monthly_kpis

    _check_format(fmt)
    first, last = _period(start, end, as_of)
    cur = currency.upper()
    challenger = _challenger(by)
    if challenger is not None:
        _kpi_arms(challenger, first, last, months, cur, fmt, output)
        return
    if months:
        series = _run(lambda s: monthly_kpis(s, last, months, cur))
    else:
        series = [_run(lambda s: kpis(s, first, last, cur))]
    labels = [label for _, label in KPI_COLUMNS]
    if months:
        sheet = Sheet(
            f"KPIs per month ({cur})",
            labels,
            [[getattr(k, f) for f, _ in KPI_COLUMNS] for k in series],
            set(labels[2:]),
        )
        data: dict[str, Any] = {"currency": cur, "months": [k.as_dict() for k in series]}
    else:
        only = series[0]
        sheet = Sheet(
            f"KPIs {first} to {last} ({cur}, {only.days} days)",
            ["figure", "value"],
            [[label, getattr(only, f)] for f, label in KPI_COLUMNS[2:]],
            {"value"},
        )
        data = only.as_dict()
    _out(fmt, [sheet], data, output, f"kpi-{last}")


def _kpi_arms(challenger: Any, first: date, last: date, months: int | None, cur: str,
              fmt: str, output: Path | None) -> None:
    """``report kpi --by arm``: the same KPIs over each arm's customers, side by side."""
    from ledger.reports import kpis, monthly_kpis
    from ledger.reports.arms import by_arm

    def compute(session: Session) -> dict[str, Any]:
        if months:
            return by_arm(session, challenger, lambda c: monthly_kpis(session, last, months,
                                                                      cur, c))
        return by_arm(session, challenger, lambda c: kpis(session, first, last, cur, c))

    arms = _run(compute)
    labels = [label for _, label in KPI_COLUMNS]
    if months:
        sheets = [Sheet(f"KPIs per month ({cur}): {arm}", labels,
                        [[getattr(k, f) for f, _ in KPI_COLUMNS] for k in series],
                        set(labels[2:])) for arm, series in arms.items()]
        data = _arms_data(challenger, {arm: {"currency": cur, "months": [k.as_dict()
                                                                          for k in series]}
                                       for arm, series in arms.items()})
    else:
        sheets = [Sheet(
            f"KPIs {first} to {last} ({cur}): champion and challenger "
            f"({challenger.describe()})",
            ["figure", *arms],
            [[label, *(getattr(k, f) for k in arms.values())] for f, label in KPI_COLUMNS[2:]],
            set(arms),
        )]
        data = _arms_data(challenger, {arm: k.as_dict() for arm, k in arms.items()})
    _out(fmt, sheets, data, output, f"kpi-{last}")


@report_app.command("forecast")
def forecast_command(
    as_of: str | None = AS_OF,
    weeks: int = typer.Option(13, "--weeks", min=1, max=52, help="Weeks ahead."),
    backtest: bool = typer.Option(
        False, "--backtest", help="The forecast made --weeks weeks before, vs actual."
    ),
    currency: str = CURRENCY,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Expected collections per week with a 10–90 % range (or its back-test)."""
    from ledger.reports import backtest as run_backtest
    from ledger.reports import forecast

    _check_format(fmt)
    day = parse_day(as_of, "--as-of") or app_today()
    cur = currency.upper()
    if backtest:
        bt = _run(lambda s: run_backtest(s, day, weeks, cur))
        columns = ["week from", "expected", "p10", "p90", "actual", "error"]
        rows = [
            [
                w.week_start,
                w.expected,
                w.p10,
                w.p90,
                w.actual,
                None if w.actual is None else w.actual - w.expected,
            ]
            for w in bt.weeks
        ]
        rows.append(
            [
                "total",
                bt.total_expected,
                None,
                None,
                bt.total_actual,
                bt.total_actual - bt.total_expected,
            ]
        )
        title = (
            f"back-test ({cur}): forecast made {bt.made_on} vs actual; "
            f"MAPE {bt.mape}, WAPE {bt.wape}, {bt.in_range}/{len(bt.weeks)} weeks in range"
        )
        _out(
            fmt,
            [Sheet(title, columns, rows, set(columns[1:]))],
            bt.as_dict(),
            output,
            f"backtest-{day}",
        )
        return
    fc = _run(lambda s: forecast(s, day, weeks, cur))
    columns = ["week from", "expected", "p10", "p90"]
    rows = [[w.week_start, w.expected, w.p10, w.p90] for w in fc.weeks]
    rows.append(["later", fc.beyond, None, None])
    sources = ", ".join(f"{k} {v}" for k, v in sorted(fc.sources.items()))
    title = f"cash forecast from {day} ({cur}, open {fc.open_balance:,f}; history: {sources})"
    _out(
        fmt,
        [Sheet(title, columns, rows, set(columns[1:]))],
        fc.as_dict(),
        output,
        f"forecast-{day}",
    )


@report_app.command("provision")
def provision_command(
    as_of: str | None = AS_OF,
    months: int = typer.Option(
        12, "--months", min=1, max=60, help="Month-end transitions for the roll rates."
    ),
    policy_dir: Path | None = typer.Option(None, "--policy", help="Policy folder."),
    currency: str = CURRENCY,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Bad-debt provision at the policy's rates, beside the roll-rate estimate."""
    from ledger.reports import provision, roll_rates

    _check_format(fmt)
    day = parse_day(as_of, "--as-of") or app_today()
    buckets = _buckets()
    # a rate for a bucket that does not exist: the policy's file:line, not a bare error
    rates = load_policy_or_fail(policy_dir, [bucket.name for bucket in buckets]).provision
    cur = currency.upper()
    report = _run(lambda s: provision(s, day, rates, buckets, cur))
    rolls = _run(lambda s: roll_rates(s, day, months, buckets, cur))
    implied = {line.bucket: line for line in rolls.provision.lines} if rolls.provision else {}
    columns = [
        "bucket",
        "balance",
        "policy rate",
        "provision",
        "roll rate",
        "implied rate",
        "roll-rate provision",
        "written off 12m",
    ]
    rows = [
        [
            line.bucket,
            line.balance,
            line.rate,
            line.expected_loss,
            rolls.roll_rates.get(line.bucket),
            rolls.loss_rates.get(line.bucket),
            implied[line.bucket].expected_loss if line.bucket in implied else None,
            line.written_off,
        ]
        for line in report.lines
    ]
    rows.append(
        [
            "total",
            report.total_balance,
            None,
            report.total,
            None,
            None,
            rolls.provision.total if rolls.provision else None,
            report.written_off,
        ]
    )
    title = (f"provision as of {day} ({cur}; roll rates over {months} month ends; written "
             f"off since {report.written_off_from}: {report.written_off_count})")
    data = {"policy": report.as_dict(), "roll_rates": rolls.as_dict()}
    _out(fmt, [Sheet(title, columns, rows, set(columns[1:]))], data, output, f"provision-{day}")


@report_app.command("collectors")
def collectors_command(
    as_of: str | None = AS_OF,
    start: str | None = FROM,
    end: str | None = TO,
    currency: str = CURRENCY,
    by: str | None = BY_ARM,
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Per collector: cash collected, promises kept/broken, tasks in time, vs targets."""
    from ledger.reports import collector_performance
    from ledger.reports.arms import by_arm

    _check_format(fmt)
    first, last = _period(start, end, as_of)
    targets = _settings_section().get("collector_targets") or {}
    if not isinstance(targets, dict):
        fail("settings.yaml reports.collector_targets must be a mapping")
    challenger = _challenger(by)
    cur = currency.upper()
    if challenger is None:
        arms = {"": _run(lambda s: collector_performance(s, first, last, targets, cur))}
    else:
        # a monthly target is the collector's whole book: no arm is measured against it
        arms = _run(lambda s: by_arm(s, challenger, lambda c: collector_performance(
            s, first, last, {}, cur, c)))
    columns = [
        "collector",
        "collected",
        "target",
        "vs target",
        "kept",
        "broken",
        "kept rate",
        "in time",
        "late",
        "in-time rate",
        "targets met",
    ]
    rows = [
        [
            *([arm] if challenger is not None else []),
            x.collector,
            x.collected,
            x.target_collected,
            x.collected_vs_target,
            x.promises_kept,
            x.promises_broken,
            x.promise_kept_rate,
            x.tasks_in_time,
            x.tasks_late,
            x.tasks_in_time_rate,
            f"{sum(x.met.values())}/{len(x.met)}" if x.met else "",
        ]
        for arm, lines in arms.items()
        for x in lines
    ]
    title = f"collectors {first} to {last} ({cur})"
    data: dict[str, Any] = {"start": first, "end": last}
    if challenger is None:
        data["collectors"] = [x.as_dict() for x in arms[""]]
    else:
        columns.insert(0, "arm")
        kept = [i for i, name in enumerate(columns) if name not in TARGET_COLUMNS]
        columns, rows = [columns[i] for i in kept], [[row[i] for i in kept] for row in rows]
        title += (f" by arm (challenger: {challenger.describe()}); targets are for the whole "
                  f"book: see the report without --by arm")
        data.update(_arms_data(challenger, {arm: {"collectors": [_no_targets(x.as_dict())
                                                                 for x in lines]}
                                            for arm, lines in arms.items()}))
        data["targets"] = "whole book: compared in the report without --by arm"
    right = set(columns[2:] if challenger is not None else columns[1:])
    _out(fmt, [Sheet(title, columns, rows, right)], data, output, f"collectors-{last}")


@report_app.command("interest")
def interest_command(
    as_of: str | None = AS_OF,
    policy_dir: Path | None = typer.Option(None, "--policy", help="Policy folder."),
    fmt: str = FORMAT,
    output: Path | None = OUTPUT,
) -> None:
    """Late-payment interest owed per receivable, open or settled, for invoicing it from
    the ERP (the policy's ``interest:``; docs/analytics.md)."""
    from ledger import interest

    _check_format(fmt)
    day = parse_day(as_of, "--as-of") or app_today()
    terms = load_policy_or_fail(policy_dir).interest
    if terms is None:
        err_console.print("arflow: the policy has no interest: key, so no interest is owed",
                          markup=False)
    rows = [] if terms is None else _run(lambda s: interest.owed(s, day, terms))
    totals = interest.totals(rows)
    columns = ["number", "customer", "currency", "days", "interest"]
    lines = [[r.number, r.customer_code, r.currency, r.days, r.interest] for r in rows]
    lines += [["total", None, cur, None, amount] for cur, amount in totals.items()]
    data = {"as_of": day,
            "rows": [{"number": r.number, "customer_code": r.customer_code,
                      "currency": r.currency, "days": r.days, "interest": r.interest}
                     for r in rows],
            "totals": totals}
    title = f"late-payment interest as of {day}"
    _out(fmt, [Sheet(title, columns, lines, {"days", "interest"})], data, output,
         f"interest-{day}")


from arflow.cli.summary_cmd import summary_command  # noqa: E402 - after the reports it sums up

report_app.command("summary")(summary_command)
