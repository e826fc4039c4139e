"""On the demo: no notice demands a receivable that is not at its step, no first message
is a final notice, and no message claims an earlier reminder the outbox did not send."""

from __future__ import annotations

import re
from datetime import date, timedelta

from engine import load_policy
from tests.cli.conftest import ROOT

TEMPLATE_OF = {step.id: step.template for step in load_policy(ROOT / "rules").reminders}
CLAIMS = re.compile(r"我司已于(.+?)就上述款项|We wrote to you about these invoices on (.+?), ")


def _check(arflow) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = arflow("outbox", "--json").json()
    sent: dict[str, set[str]] = {}
    first: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: (r["for_date"], r["id"])):
        code = row["customer_code"]
        first.setdefault(code, row["template"])
        assert row["items"], row
        for item in row["items"]:
            assert TEMPLATE_OF[item["step"]] == row["template"] == item["template"]
            if row["template"] != "pre_due":  # an overdue or final notice
                assert item["days_overdue"] > 0
        text = arflow("outbox", "show", str(row["id"]), "--json").json()["text"]
        flowing = " ".join(text.split())
        claimed = CLAIMS.search(flowing)
        if claimed:  # the dates it names are days the outbox sent this customer a message
            named = claimed.group(1) or claimed.group(2)
            assert sent.get(code), (code, named)
        else:
            assert "此前" not in flowing and "written to you before" not in flowing
        if row["status"] == "sent":
            sent.setdefault(code, set()).add(row["for_date"])
    assert "overdue_final" not in first.values()  # no customer's first message is final
    return rows


def test_demo_notices_are_truthful(arflow) -> None:  # type: ignore[no-untyped-def]
    start = date(2025, 6, 16)  # a Monday
    ran = arflow("demo", "--as-of", str(start), "--customers", "30", "--invoices", "600",
                 "--json")
    assert ran.exit_code == 0, ran.stderr
    rows = _check(arflow)
    assert rows and {r["template"] for r in rows} == {"pre_due"}  # every first letter
    assert any(r["other_items"] for r in rows)
    for offset in range(1, 15):  # two weeks of the cycle, each day's mail sent
        assert arflow("dispatch", "--json").exit_code == 0
        day = start + timedelta(days=offset)
        assert arflow("cycle", "--as-of", str(day), "--json").exit_code == 0
    rows = _check(arflow)
    assert {"overdue_first", "overdue_final"} <= {r["template"] for r in rows}
    assert any(CLAIMS.search(" ".join(
        arflow("outbox", "show", str(r["id"]), "--json").json()["text"].split()))
        for r in rows if r["template"] == "overdue_final")
