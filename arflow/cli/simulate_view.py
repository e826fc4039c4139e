"""`arflow policy simulate` for a credit manager: one table per kind of decision, the
policy in force beside the candidate and the difference (the data is the --json's)."""

from __future__ import annotations

from typing import Any

from arflow.cli.output import console, table

COLUMNS = ["", "in force", "candidate", "difference"]
RIGHT = COLUMNS[1:]
DIFFERING = {"rating": "another rating", "credit_limit": "another credit limit",
             "terms": "other payment terms"}


def _rows(active: dict[str, Any], candidate: dict[str, Any], label: str = "",
          ordered: bool = False) -> list[list[Any]]:
    """One row per key of either side; ``ordered`` sorts them (weeks: a week only one
    policy has must not come after the later weeks of the other)."""
    keys = [*active, *(k for k in candidate if k not in active)]
    if ordered:
        keys.sort()
    return [[f"{label}{key}".replace("_", " "), active.get(key, 0), candidate.get(key, 0),
             _signed(candidate.get(key, 0) - active.get(key, 0))] for key in keys]


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def print_simulation(data: dict[str, Any], detail: bool) -> None:
    period, a, c = data["period"], data["active"], data["candidate"]
    console.print(f"simulated {period['from']} → {period['to']} ({period['days']} days): "
                  f"in force {_hashes(a)}, candidate {_hashes(c)}; nothing was written")
    table("receivables entering each stage", COLUMNS,
          _rows(a["stage_moves"], c["stage_moves"]), RIGHT)
    ra, rc = a["reminders"], c["reminders"]
    reminders = _rows({k: ra[k] for k in ("messages", "customers_contacted")},
                      {k: rc[k] for k in ("messages", "customers_contacted")})
    reminders += _rows(ra["per_step"], rc["per_step"], "step ")
    reminders += _rows(ra["per_week"], rc["per_week"], "week ", ordered=True)
    table("reminder emails", COLUMNS, reminders, RIGHT)
    table("tasks opened per assignee and week", COLUMNS, _task_rows(a["tasks"], c["tasks"]),
          RIGHT)
    table("warnings opened", COLUMNS, _rows(a["warnings"], c["warnings"]), RIGHT)
    table("orders created in the period, as each policy decides", COLUMNS,
          _rows(a["orders"], c["orders"]), RIGHT)
    credit = _rows(a["credit"]["ratings"], c["credit"]["ratings"], "rating ")
    credit += [[f"customers with {DIFFERING[what]}", "", "", count]
               for what, count in data["differences"]["credit"]["customers"].items()]
    table(f"credit scorecard on {period['to']}", COLUMNS, credit, RIGHT)
    if detail:
        _print_detail(data["differences"])


def _hashes(side: dict[str, Any]) -> str:
    """The policy's hash and, when it names one, its challenger's: both decided."""
    if "challenger_hash" not in side:
        return side["policy_hash"][:12]
    return f"{side['policy_hash'][:12]} (challenger {side['challenger_hash'][:12]})"


def _task_rows(active: dict[str, Any], candidate: dict[str, Any]) -> list[list[Any]]:
    rows = _rows({"opened": active["opened"]}, {"opened": candidate["opened"]})
    a, c = active["per_collector_week"], candidate["per_collector_week"]
    for who in sorted(a.keys() | c.keys()):
        rows += _rows(a.get(who, {}), c.get(who, {}), f"{who or '(no collector)'} ",
                      ordered=True)
    return rows


def _print_detail(differences: dict[str, Any], limit: int = 200) -> None:
    rows = [[r["number"], r["customer"], ", ".join(r["differs"]), _path(r["active"]),
             _path(r["candidate"])] for r in differences["receivables"][:limit]]
    table("receivables treated differently", ["invoice", "customer", "differs", "in force",
                                              "candidate"], rows)
    if len(differences["receivables"]) > limit:
        console.print(f"… and {len(differences['receivables']) - limit} more (use --json)")
    changes = differences.get("customers", [])
    if changes:
        table("customers with other credit terms", ["customer", "differs", "in force",
                                                    "candidate"],
              [[x["customer"], ", ".join(x["differs"]), _terms(x["active"]),
                _terms(x["candidate"])] for x in changes[:limit]])


def _path(side: dict[str, Any]) -> str:
    entered = " ".join(f"{stage} {on[5:]}" for stage, on in side["entered"].items())
    sent = " ".join(f"{r['step']} {r['date'][5:]}" for r in side["reminders"])
    return f"now {side['stage']}" + (f"; entered {entered}" if entered else "") + (
        f"; reminders {sent}" if sent else "")


def _terms(side: dict[str, Any] | None) -> str:
    if not side:
        return "(no credit section)"
    return (f"{side['rating']}, limit {side['credit_limit']:,.2f}, "
            f"{side['payment_terms_days']} days, prepay {side['prepayment_ratio']}")
