"""The wheel as a new user gets it: built from the checkout (sdist, then the wheel from the
sdist, the default `python -m build` path), installed with pip into a fresh virtualenv
outside the checkout, then run from a folder `arflow init` wrote, with nothing of the test's
environment (no PYTHONPATH, no ARFLOW_*): the defaults must come from the package.

Measured on 2 CPUs: 30 s of CPU (build 4 s, pip 8 s, the eight commands the rest, each
mostly arflow's own import); 70-120 s of wall time while other test runs shared the CPUs.
`-m "not slow"` leaves it out locally; `make test` runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The install, shared with the Dockerfile (tests/packaging/test_container.py checks it
# runs this line): the wheel, its dependencies from the index. --no-compile: pip would
# byte-compile every dependency (22 s instead of 9 s here); the commands compile what they
# import.
PIP_INSTALL = ("pip", "install", "--no-compile")
TIMEOUT = 300  # seconds, a command: a hung one fails the test instead of the CI run


def docker_ignored(folder: str, names: list[str]) -> set[str]:
    """What .dockerignore leaves out of ``folder`` (shutil.copytree's ``ignore``): a pattern
    matches at the top of the context, ``**/pattern`` at any depth, as Docker reads them."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    top = Path(folder) == ROOT
    return {name for name in names for pattern in patterns
            if fnmatch(name, pattern.removeprefix("**/"))
            and (top or pattern.startswith("**/"))}


def clean_env(bin_dir: Path) -> dict[str, str]:
    """The test's environment without anything that could point back at the checkout."""
    keep = {name: value for name, value in os.environ.items()
            if not name.startswith(("ARFLOW_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    path = [entry for entry in keep.get("PATH", "").split(os.pathsep)
            if entry and not entry.startswith(str(ROOT))]
    keep["PATH"] = os.pathsep.join([str(bin_dir), *path])
    return keep


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    """``args`` in ``cwd``; its stdout, or a failure that shows what it said."""
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ of a fresh virtualenv with the freshly built wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    assert ROOT not in work.parents
    # built from a copy of what the image's build stage is given (.dockerignore), so the
    # build writes nothing into the checkout (its egg-info is what other tests' metadata reads)
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=docker_ignored)
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, source], cwd=work)
    wheels = sorted(dist.glob("arflow-*.whl"))
    assert len(wheels) == 1 and sorted(dist.glob("arflow-*.tar.gz"))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    # the checkout's pip installs into the new environment (--python): no pip to bootstrap
    pip, install, *flags = PIP_INSTALL
    run([sys.executable, "-m", pip, "--python", venv / "bin" / "python", install, *flags,
         wheels[0]], cwd=work)
    return venv / "bin"


@pytest.mark.slow
def test_the_wheel_installs_and_runs_a_day_outside_the_checkout(
        installed: Path, tmp_path: Path) -> None:
    env = clean_env(installed)
    arflow = installed / "arflow"
    assert run([arflow, "--version"], tmp_path, env) == f"arflow {version('arflow')}\n"
    where = run([installed / "python", "-c", "import arflow, ledger; print(arflow.__file__); "
                 "print(ledger.__file__)"], tmp_path, env)
    assert str(ROOT) not in where and str(installed.parent) in where

    said = run([arflow, "init", "books"], tmp_path, env)
    home = tmp_path / "books"
    assert "arflow db upgrade" in said
    assert (home / "config" / "settings.yaml").is_file()
    assert (home / "config" / "templates" / "zh-CN" / "overdue_first.j2").is_file()
    assert sorted(p.name for p in (home / "rules").iterdir()) == sorted(
        p.name for p in (ROOT / "rules").glob("*.yaml"))

    assert "policy ok" in run([arflow, "policy", "check"], home, env)
    assert "database at revision" in run([arflow, "db", "upgrade"], home, env)
    assert (home / "var" / "arflow.db").is_file()
    # the demo's books (small), then today's cycle, the packaged policy doing its work
    run([arflow, "demo", "--customers", "40", "--invoices", "400", "--no-cycle"], home, env)
    day = json.loads(run([arflow, "cycle", "--json"], home, env))
    assert day["receivables_moved"] > 0 and day["reminders_queued"] > 0, day
    sent = json.loads(run([arflow, "dispatch", "--json"], home, env))["sent"]
    # no SMTP server in the packaged settings: the mail is written to var/outbox
    assert sent > 0 and len(list((home / "var" / "outbox").glob("*.eml"))) == sent
