"""The probes (/healthz, /readyz) and the Prometheus metrics (/metrics): open without
sign-in, readiness naming what failed, HTTP latency by route template (never the raw
path), the outbox read at scrape time, the cycle and the sends counted, one registry per
app; on both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text
from sqlmodel import Session

from arflow import jobs
from arflow.settings import Settings
from arflow.web import create_app
from ledger.db import make_engine
from ledger.migrate import head_revision
from ledger.models import Outbox
from tests.factories import seed_customers
from tests.people import bearer
from tests.web.conftest import ROOT, TestClient


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """/metrics as {(sample name, labels): value}, parsed as Prometheus parses it."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float | None:  # type: ignore[type-arg]
    return found.get((name, frozenset(labels.items())))


def test_the_probes_answer_without_sign_in_and_readiness_names_what_failed(
        settings: Settings, db: Engine) -> None:
    app = create_app(settings, db)
    with TestClient(app) as stranger:
        assert stranger.get("/healthz").json() == {"status": "ok"}
        ready = stranger.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "failed": [], "checks": {
            "database": "ok", "migrations": "ok", "policy": "ok"}}
        assert stranger.get("/api/v1/health").json() == {"status": "ok"}  # kept
        app.state.policy = None  # no policy files and no last good one
        refused = stranger.get("/readyz")
        assert refused.status_code == 503 and refused.json()["failed"] == ["policy"]
        with db.begin() as conn:  # a schema one migration behind
            conn.execute(text("update alembic_version set version_num = '0009'"))
        try:
            behind = stranger.get("/readyz").json()
        finally:
            with db.begin() as conn:
                conn.execute(text("update alembic_version set version_num = :v"),
                             {"v": head_revision()})
        assert behind["failed"] == ["migrations", "policy"]
        assert behind["checks"]["migrations"] == f"at 0009, the newest is {head_revision()}"
        found = samples(stranger)  # no sign-in for the metrics either
    with TestClient(create_app(settings, db)) as other:  # a second app: its own registry
        seen_by_other = samples(other)
    count = "arflow_http_request_duration_seconds_count"
    assert value(found, count, method="GET", route="/healthz", status="2xx") == 1
    assert value(found, count, method="GET", route="/readyz", status="5xx") == 2
    assert value(seen_by_other, count, method="GET", route="/healthz", status="2xx") is None


def test_readiness_with_the_database_down(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai")
    down = make_engine("postgresql://arflow@127.0.0.1:9/none")  # nothing listens there
    try:
        app = create_app(settings, down)  # the policy comes from the files
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200  # alive all the same
            refused = client.get("/readyz")
    finally:
        down.dispose()
    assert refused.status_code == 503
    assert refused.json() == {"status": "unavailable", "failed": ["database"], "checks": {
        "database": "unreachable", "migrations": "not checked", "policy": "ok"}}
    assert "127.0.0.1" not in refused.text  # the driver's message stays in the log


def test_http_latency_is_labelled_by_route_template(settings: Settings, db: Engine,
                                                    tmp_path: Path) -> None:
    seed_customers(db, tmp_path)
    with TestClient(create_app(settings, db), headers=bearer(db)) as client:
        for code in ("C001", "C002"):
            assert client.get(f"/api/v1/customers/{code}").status_code == 200
        assert client.get("/api/v1/customers/NOPE").status_code == 404
        assert client.get("/no/such/page-C001").status_code == 404
        client.request("BREW", "/api/v1/customers/C001")
        assert client.get("/static/app.js").status_code == 200
        found = samples(client)
    route = "/api/v1/customers/{code}"
    count = "arflow_http_request_duration_seconds_count"
    assert value(found, count, method="GET", route=route, status="2xx") == 2
    assert value(found, count, method="GET", route=route, status="4xx") == 1
    assert value(found, count, method="GET", route="unmatched", status="4xx") == 1
    assert value(found, count, method="OTHER", route=route, status="4xx") == 1
    assert value(found, count, method="GET", route="/static/{path}", status="2xx") == 1
    labels = {v for (_, pairs) in found for _, v in pairs}
    assert not any("C00" in label or "NOPE" in label for label in labels)


@pytest.fixture
def reporting(settings: Settings, db: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The jobs run over this test's database and count into an app's metrics."""
    app = create_app(settings, db)
    monkeypatch.setattr(jobs, "_settings", lambda: settings)
    monkeypatch.setattr(jobs, "_engine", lambda: db)
    jobs.report_to(app.state.metrics)
    yield app
    jobs.report_to(None)


def test_the_cycle_the_sends_and_the_outbox_are_counted(reporting, db: Engine,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    import asyncio

    seed_customers(db, tmp_path)
    day = date(2026, 11, 23)
    jobs.daily_cycle(day)
    with Session(db) as s:
        for i, status in enumerate(["pending", "pending", "sent", "failed"]):
            s.add(Outbox(key=f"k{i}", customer_id=1, for_date=day, template="pre_due",
                         language="zh-CN", to_addr="a@example.com", status=status,
                         subject="s", body_text="t", message_id=f"<{i}@x>"))
        s.commit()
    asyncio.run(jobs.dispatch())  # the two pending, to the file sink (no smtp here)
    with TestClient(reporting) as client:
        found = samples(client)
    gauge = "arflow_outbox_messages"  # read from the database at scrape time
    assert [value(found, gauge, status=s) for s in ("pending", "sent", "failed", "review")] \
        == [0, 3, 1, 0]
    assert value(found, "arflow_dispatch_send_seconds_count", outcome="accepted") == 2
    assert value(found, "arflow_cycles_total", outcome="completed") == 1
    assert value(found, "arflow_cycles_total", outcome="failed") == 0
    assert value(found, "arflow_cycle_duration_seconds_count") == 1
    assert value(found, "arflow_cycle_results_total", result="customers_evaluated") == 2
    assert value(found, "arflow_cycle_results_total", result="reminders_queued") == 0
