"""`arflow init DIR` and `arflow --version`: what a pip-installed arflow starts from."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, invoke

DEFAULTS = {
    "rules/collection.yaml": ROOT / "rules" / "collection.yaml",
    "config/settings.yaml": ROOT / "config" / "settings.yaml",
    "config/templates/zh-CN/overdue_first.j2": ROOT / "config/templates/zh-CN/overdue_first.j2",
    "config/templates/en/_statement.j2": ROOT / "config/templates/en/_statement.j2",
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder that is not written yet, the environment pointing at it only."""
    for name in ("ARFLOW_POLICY_DIR", "ARFLOW_CONFIG", "ARFLOW_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "books"
    monkeypatch.setenv("ARFLOW_HOME", str(folder))
    return folder


def test_version_prints_the_installed_version() -> None:
    ran = invoke("--version")
    assert ran.exit_code == 0
    assert ran.stdout == f"arflow {version('arflow')}\n"


def test_init_writes_the_packaged_defaults_and_says_what_next(home: Path) -> None:
    ran = invoke("init", str(home))
    assert ran.exit_code == 0, ran.stderr
    for name, original in DEFAULTS.items():
        assert (home / name).read_bytes() == original.read_bytes(), name
    assert sorted(p.name for p in (home / "rules").iterdir()) == sorted(
        p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert len(list((home / "config" / "templates").rglob("*.j2"))) == len(
        list((ROOT / "config" / "templates").rglob("*.j2")))
    for step in (f"cd {home}", f"ARFLOW_HOME={home}", "arflow db upgrade", "arflow demo",
                 "arflow user add", "arflow serve"):
        assert step in ran.stdout, step
    # the folder it wrote is one arflow runs in: the policy and its templates check
    checked = invoke("policy", "check")
    assert checked.exit_code == 0, checked.stderr
    assert f"policy ok: {home / 'rules'}" in checked.stdout


def test_init_refuses_to_overwrite_and_writes_nothing(home: Path) -> None:
    assert invoke("init", str(home)).exit_code == 0
    edited = home / "rules" / "credit.yaml"
    edited.write_text("# the credit manager's own\n", encoding="utf-8")
    (home / "config" / "templates" / "en" / "pre_due.j2").unlink()

    ran = invoke("init", str(home))
    assert ran.exit_code == 2
    assert ran.stderr.count("\n") == 1 and "already there" in ran.stderr
    assert "--force" in ran.stderr and str(home / "config" / "settings.yaml") in ran.stderr
    assert edited.read_text(encoding="utf-8") == "# the credit manager's own\n"
    assert not (home / "config" / "templates" / "en" / "pre_due.j2").exists()

    forced = invoke("init", str(home), "--force")
    assert forced.exit_code == 0
    assert edited.read_bytes() == (ROOT / "rules" / "credit.yaml").read_bytes()
    assert (home / "config" / "templates" / "en" / "pre_due.j2").is_file()


def test_init_into_a_file_is_one_line(home: Path) -> None:
    home.parent.mkdir(exist_ok=True)
    home.write_text("not a folder", encoding="utf-8")
    ran = invoke("init", str(home))
    assert ran.exit_code == 2 and ran.stderr == f"arflow: {home}: not a folder\n"


def test_no_policy_folder_says_how_to_make_one(home: Path) -> None:
    home.mkdir()
    ran = invoke("policy", "check")
    assert ran.exit_code == 2
    assert ran.stderr.startswith(f"{home / 'rules'}:0: policy folder not found")
    assert "arflow init DIR" in ran.stderr and "ARFLOW_POLICY_DIR" in ran.stderr


def test_templates_fall_back_to_the_packaged_ones(home: Path) -> None:
    """A project folder with its own policy and no config/: settings and templates are the
    packaged defaults, so `policy check` still checks every reminder's template."""
    assert invoke("init", str(home)).exit_code == 0
    for path in sorted((home / "config").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (home / "config").rmdir()
    ran = invoke("policy", "check")
    assert ran.exit_code == 0, ran.stderr
    assert "policy ok" in ran.stdout


def test_a_file_where_a_folder_goes_is_one_line_and_nothing_written(home: Path) -> None:
    home.mkdir()
    (home / "rules").write_text("a file where the folder goes", encoding="utf-8")
    ran = invoke("init", str(home))
    assert ran.exit_code == 2 and ran.stderr == f"arflow: {home / 'rules'}: not a folder\n"
    assert sorted(path.name for path in home.iterdir()) == ["rules"]
