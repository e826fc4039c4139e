"""`arflow outbox --json` shows each message's ``attach`` and, when the policy's
``interest`` has ``in_notices: true``, each demanded item's ``interest`` (issue 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.test_commands import _load

ROOT = Path(__file__).resolve().parents[2]


def test_outbox_json_shows_attach_and_interest(arflow, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    collection = rules / "collection.yaml"
    text = collection.read_text(encoding="utf-8")
    assert text.count("    template: pre_due\n") == 1
    collection.write_text(text.replace("    template: pre_due\n",
                                       "    template: pre_due\n    attach: statement\n"),
                          encoding="utf-8")
    (rules / "interest.yaml").write_text(
        "interest: {rate_per_day: 0.0005, in_notices: true}\n", encoding="utf-8")
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(rules))
    _load(arflow, tmp_path)
    assert arflow("cycle", "--as-of", "2026-04-10", "--json").json()["reminders_queued"] == 1
    (row,) = arflow("outbox", "--json").json()
    assert row["attach"] == ["statement"]
    # 150,000.00 due 01-31: 69 days to 04-10; 800.00 due 03-31: 10 days; × 0.0005
    assert sorted((i["invoice"], i["interest"]) for i in row["items"]) == [
        ("INV-1", "5175.00"), ("INV-2", "4.00")]
    shown = arflow("outbox", "show", str(row["id"])).stdout
    assert "另计逾期利息 CNY 5,179.00（按每日万分之五计至 2026年4月10日）" in shown


def test_outbox_json_shows_no_attachment_as_an_empty_list(arflow, tmp_path):
    _load(arflow, tmp_path)
    arflow("cycle", "--as-of", "2026-04-10", "--json")
    (row,) = arflow("outbox", "--json").json()
    assert row["attach"] == [] and all("interest" not in i for i in row["items"])
