"""A realistic context for one reminder email, in exactly the shape the cycle provides.

``Templates.check`` renders every template against it, so a template that names a
variable the cycle does not provide fails ``arflow policy check``, not the morning send.
The shape is documented in notifiers/templates.py; change both together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

__all__ = ["sample_context"]


def sample_context() -> dict[str, Any]:
    """A realistic context with every variable the cycle provides (used by check())."""
    items = [
        {
            "invoice": "INV-2026-0815",
            "issue_date": date(2026, 9, 15),
            "due_date": date(2026, 10, 15),
            "days_overdue": 39,
            "balance": Decimal("12345.67"),
            "currency": "CNY",
            "step": "overdue_first",
            "interest": Decimal("525.00"),
        },
        {
            "invoice": "INV-2026-0902",
            "issue_date": date(2026, 10, 2),
            "due_date": date(2026, 11, 1),
            "days_overdue": 22,
            "balance": Decimal("86000.00"),
            "currency": "CNY",
            "step": "overdue_first",
            "interest": Decimal("525.00"),
        },
        {
            "invoice": "INV-2026-1107",
            "issue_date": date(2026, 11, 7),
            "due_date": date(2026, 12, 7),
            "days_overdue": -14,
            "balance": Decimal("4820.50"),
            "currency": "USD",
            "step": "pre_due",
            "interest": Decimal("0.00"),
        },
    ]
    return {
        "customer": {"code": "C0042", "name": "上海恒远贸易有限公司", "language": "zh-CN"},
        "for_date": date(2026, 11, 23),
        "step": "overdue_first",
        "items": items,
        "totals": [
            {"currency": "CNY", "amount": Decimal("98345.67"), "count": 2},
            {"currency": "USD", "amount": Decimal("4820.50"), "count": 1},
        ],
        "sender": {
            "company": "华信供应链管理有限公司",
            "email": "ar@huaxin-scm.example.com",
            "phone": "+86 21 5555 0100",
            "bank_name": "中国工商银行上海分行营业部",
            "bank_account": "1001 2345 6789 0123 456",
            "account_name": "华信供应链管理有限公司",
        },
        "review": False,
        "other_items": [
            {
                "invoice": "INV-2026-1120",
                "issue_date": date(2026, 11, 20),
                "due_date": date(2026, 12, 20),
                "days_overdue": -27,
                "balance": Decimal("2300.00"),
                "currency": "CNY",
            },
        ],
        "other_totals": [{"currency": "CNY", "amount": Decimal("2300.00"), "count": 1}],
        "previous": [
            {"date": date(2026, 11, 2), "step": "courtesy", "template": "pre_due",
             "invoices": ["INV-2026-0815"]},
        ],
        "interest": {"rate_per_day": Decimal("0.0005"), "to": date(2026, 11, 23),
                     "totals": [{"currency": "CNY", "amount": Decimal("1050.00")}]},
    }
