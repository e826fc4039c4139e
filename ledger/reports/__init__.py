"""Receivables analytics: ageing, KPIs, provisions, cash forecast, collector performance.

Every figure is computed in SQL from the ledger's own history (amounts, allocations and
payment dates, approved write-offs and their stage changes), so it can be taken as of any
past day. The formulas and their textbook sources are in docs/analytics.md. Money is
Decimal per currency; ``as_dict()`` keeps Decimal and date values (writers decide how to
show them).
"""

from ledger.reports.ageing import AgeingReport, AgeingRow, ageing
from ledger.reports.buckets import (
    DEFAULT_BUCKETS,
    Bucket,
    BucketError,
    buckets_from_settings,
)
from ledger.reports.collectors import CollectorPerformance, collector_performance
from ledger.reports.forecast import Backtest, Forecast, ForecastWeek, backtest, forecast
from ledger.reports.kpis import Kpis, kpis, monthly_kpis
from ledger.reports.overview import OverdueCustomer, top_overdue_customers, warnings_by_level
from ledger.reports.provision import (
    ProvisionLine,
    ProvisionReport,
    RollRateReport,
    provision,
    roll_rates,
)

__all__ = [
    "DEFAULT_BUCKETS",
    "AgeingReport",
    "AgeingRow",
    "Backtest",
    "Bucket",
    "BucketError",
    "CollectorPerformance",
    "Forecast",
    "ForecastWeek",
    "Kpis",
    "OverdueCustomer",
    "ProvisionLine",
    "ProvisionReport",
    "RollRateReport",
    "ageing",
    "backtest",
    "buckets_from_settings",
    "collector_performance",
    "forecast",
    "kpis",
    "monthly_kpis",
    "provision",
    "roll_rates",
    "top_overdue_customers",
    "warnings_by_level",
]
