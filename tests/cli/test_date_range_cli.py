"""A CLI day outside the dates arflow works with (arflow/days) is one line and exit 2."""

from __future__ import annotations


def test_out_of_range_days_exit_2(arflow) -> None:  # type: ignore[no-untyped-def]
    for args, option in ((("report", "ageing", "--as-of", "9999-12-31"), "--as-of"),
                         (("report", "kpi", "--from", "0001-01-01"), "--from"),
                         (("cycle", "--from", "2026-01-01", "--to", "9999-12-31"), "--to")):
        ran = arflow(*args)
        assert ran.exit_code == 2, (args, ran.stdout, ran.stderr)
        assert f"{option}: " in ran.stderr
        assert "is outside the dates arflow works with (1900-01-01 to 2199-12-31)" in ran.stderr
