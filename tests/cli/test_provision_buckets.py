"""Issue 16: a provision rate for a bucket that does not exist (91-190) stops
`arflow report provision` with the policy's file:line, instead of a bare error and a rate
silently 0."""

from __future__ import annotations

import shutil

from tests.cli.conftest import ROOT


def test_report_provision_names_the_bucket_that_does_not_exist(arflow, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "collection.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  91-180: 0.10\n" in text
    path.write_text(text.replace("  91-180: 0.10\n", "  91-190: 0.10\n"), encoding="utf-8")
    line = text.splitlines().index("  91-180: 0.10") + 1
    ran = arflow("report", "provision", "--as-of", "2026-03-05", "--policy", str(folder))
    assert ran.exit_code == 2
    assert ran.stderr.startswith(f"arflow: {path}:{line}: provision bucket '91-190' is not "
                                 f"an ageing bucket (did you mean '91-180'?)")
    assert "Traceback" not in ran.stderr


def test_policy_simulate_refuses_the_candidate_as_check_does(arflow, tmp_path):
    """`policy simulate` loads the candidate with the installation's bucket names too."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "collection.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  91-180: 0.10\n", "  91-190: 0.10\n"), encoding="utf-8")
    line = text.splitlines().index("  91-180: 0.10") + 1
    for command in (("policy", "check", str(folder)),
                    ("policy", "simulate", str(folder), "--from", "2026-03-02",
                     "--to", "2026-03-03")):
        ran = arflow(*command)
        assert ran.exit_code == 2, command
        assert f"{path}:{line}: provision bucket '91-190' is not an ageing bucket" in ran.stderr
        assert ran.stdout == ""
