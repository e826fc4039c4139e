"""The Dockerfile and compose.yaml, read (this machine has no Docker daemon to build them):
the image installs the wheel the way the wheel test does, runs as a non-root user from an
`arflow init` folder with a health check; compose runs PostgreSQL (healthy first), two
`arflow serve` processes on it and the mail catcher they send to."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.packaging.test_wheel import PIP_INSTALL, ROOT


def instructions(path: Path) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions(ROOT / "Dockerfile")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last:]


def test_two_stages_the_wheel_built_in_one_installed_in_a_slim_one(dockerfile) -> None:
    stages = [args for keyword, args in dockerfile if keyword == "FROM"]
    assert len(stages) == 2 and stages[0].endswith("AS build")
    assert stages[1] == "python:3.11-slim"
    runs = [args for keyword, args in dockerfile if keyword == "RUN"]
    assert any("python -m build --outdir /dist ." in run for run in runs)
    copies = [args for keyword, args in final_stage(dockerfile) if keyword == "COPY"]
    assert copies == ["--from=build /dist/*.whl /tmp/dist/"]  # nothing else of the source


def test_the_image_installs_the_wheel_as_the_wheel_test_does(dockerfile) -> None:
    installs = [shlex.split(command.strip())
                for keyword, args in final_stage(dockerfile) if keyword == "RUN"
                for command in args.split("&&") if "pip install" in command]
    assert len(installs) == 1
    *line, wheel = installs[0]
    assert tuple(line) == PIP_INSTALL and wheel.endswith(".whl")


def test_the_image_runs_as_a_user_from_an_init_folder_with_the_cjk_font(dockerfile) -> None:
    final = final_stage(dockerfile)
    users = [args for keyword, args in final if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    cmd_at = next(i for i, (keyword, _) in enumerate(final) if keyword == "CMD")
    assert max(i for i, (keyword, _) in enumerate(final) if keyword == "USER") < cmd_at
    runs = " ".join(args for keyword, args in final if keyword == "RUN")
    assert "arflow init /srv/arflow" in runs
    font = re.search(r"need\+=\((fonts-[\w-]+)\)",
                     (ROOT / "scripts" / "ensure-fonts.sh").read_text(encoding="utf-8"))
    assert font and f"install -y --no-install-recommends {font.group(1)}" in runs
    assert ("EXPOSE", "8000") in final
    health = next(args for keyword, args in final if keyword == "HEALTHCHECK")
    assert "http://127.0.0.1:8000/healthz" in health
    assert final[cmd_at][1] == '["arflow", "serve", "--host", "0.0.0.0"]'


def test_compose_postgres_healthy_first_two_servers_and_the_mail_catcher(compose) -> None:
    services = compose["services"]
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit")
    assert "8025:8025" in mailpit["ports"]

    servers = {name: service for name, service in services.items()
               if service.get("build") == "."}
    assert len(servers) == 2  # the image's CMD: arflow serve --host 0.0.0.0
    published = set()
    for name, server in servers.items():
        env = server["environment"]
        assert re.fullmatch(r"postgresql://\w+:\w+@postgres:5432/\w+",
                            env["ARFLOW_DATABASE_URL"]), name
        assert env["ARFLOW_SMTP_HOST"] == "mailpit" and env["ARFLOW_SMTP_PORT"] == "1025"
        assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
        (port,) = server["ports"]
        assert port.endswith(":8000")
        published.add(port)
        (volume,) = server["volumes"]
        assert volume.endswith(":/srv/arflow/var")  # each its own var/: its send journal
    assert len(published) == 2 and len({s["volumes"][0] for s in servers.values()}) == 2
    assert set(compose["volumes"]) >= {v["volumes"][0].split(":")[0] for v in servers.values()}


def test_dockerignore_keeps_the_wheel_inputs() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "var", ".git"} <= ignored
    assert not ignored & {"rules", "config", "arflow", "pyproject.toml"}
