"""The guards before any route (issue 15): a 120 MB body is refused without being read
(413, or 401 when it comes without credentials or with made-up ones), and every answer
carries the security headers, a 500 too (a real session's API write still needs its CSRF
token: tests/web/test_auth.py). The bodies are streamed by a generator that counts what
was taken from it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from arflow.web.security import HEADERS
from tests.factories import seed_customers
from tests.people import make_token
from tests.web.conftest import ROOT, TestClient

MB = 1024 * 1024
ATTACK = 120  # MB, as the review sent


class Body:
    """A JSON-looking body of ``ATTACK`` MB made one MB at a time, counting the MBs the
    server took (nothing is built up front: the test costs no 120 MB either)."""

    def __init__(self) -> None:
        self.taken = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"customers": ["' + b"x" * (MB - 16)
        self.taken = 1
        for _ in range(ATTACK - 1):
            self.taken += 1
            yield b"x" * MB


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    seed_customers(db, tmp_path)
    settings = Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai", data={"web": {"max_body_mb": 2}})
    return create_app(settings, db)


def _post(app, path: str, body: Body, **headers: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post(path, content=body, headers=headers)

    return asyncio.run(go())


def test_an_anonymous_api_write_is_refused_before_its_body_is_read(app) -> None:  # type: ignore[no-untyped-def]
    body = Body()
    response = _post(app, "/api/v1/customers/batch", body, **{"content-type": "application/json"})
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized",
                                         "message": "sign in or send a bearer token",
                                         "field": None}}
    assert body.taken <= 1  # at most the first MB was offered; none of it parsed


@pytest.mark.parametrize(("credentials", "message"), [
    ({"authorization": "Bearer x"}, "unknown or revoked token"),
    ({"authorization": "Basic eDp5"}, "Authorization must be 'Bearer <token>'"),
    ({"cookie": "arflow_session=made-up"}, "sign in or send a bearer token"),
])
def test_made_up_credentials_are_refused_before_the_body_is_read(
        app, credentials: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    body = Body()  # no Content-Length: only the check before the body can stop it
    response = _post(app, "/api/v1/customers/batch", body,
                     **{"content-type": "application/json", **credentials})
    assert response.status_code == 401, response.text
    assert response.json() == {"error": {"code": "unauthorized", "message": message,
                                         "field": None}}
    assert body.taken <= 1
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_a_declared_length_over_the_limit_is_refused_unread(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    body = Body()
    response = _post(app, "/api/v1/customers/batch", body,
                     authorization=f"Bearer {make_token(db)}",
                     **{"content-type": "application/json",
                        "content-length": str(ATTACK * MB)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert body.taken <= 1


def test_a_chunked_body_is_cut_off_at_the_limit(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    body = Body()  # no Content-Length: sent chunked
    response = _post(app, "/api/v1/customers/batch", body,
                     authorization=f"Bearer {make_token(db)}",
                     **{"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert body.taken <= 4  # the 2 MB limit and a chunk, not 120
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_the_sign_in_form_stays_open_and_small_writes_pass(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        form = client.post("/login", data={"name": "x", "password": "y"},
                           follow_redirects=False)
        assert form.status_code == 403  # the form's own CSRF check, not the API's 401
        written = client.put("/api/v1/customers/C009",
                             json={"name": "Nine Co"},
                             headers={"Authorization": f"Bearer {make_token(db)}"})
        assert written.status_code in (200, 201), written.text


@pytest.fixture
def client(app, db: Engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, headers={"Authorization": f"Bearer {make_token(db)}"}) as test:
        yield test


@pytest.mark.parametrize("path", ["/login", "/api/v1/customers", "/static/app.css",
                                  "/static/nothing.css", "/nothing", "/api/v1/nothing"])
def test_every_kind_of_answer_has_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    for name, value in HEADERS.items():
        assert response.headers[name] == value, (path, name)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_server_error_carries_the_security_headers_and_still_propagates(app) -> None:  # type: ignore[no-untyped-def]
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name
    with TestClient(app) as client, pytest.raises(RuntimeError, match="a bug"):
        client.get("/boom")  # re-raised: the server still logs it


def test_no_page_has_an_inline_script_the_policy_would_block() -> None:
    templates = ROOT / "arflow" / "web" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not any(f" on{event}=" in text for event in (
            "change", "click", "submit", "load", "input", "keydown")), path
        for script in text.split("<script")[1:]:
            assert script.lstrip().startswith("src="), path  # no inline <script>
