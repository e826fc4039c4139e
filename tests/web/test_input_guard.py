"""NUL bytes are refused before any route (arflow/web/input_guard.py: 422 invalid_input on
the API, 400 on a page): on PostgreSQL each of these was a 500 from the driver; nothing
is written."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlmodel import Session

from arflow.web.input_guard import body_has_nul
from ledger.models import SalesOrder, WebSession
from tests.people import make_user
from tests.web.conftest import TestClient


def _refused(response) -> None:  # type: ignore[no-untyped-def]
    if response.headers["content-type"].startswith("application/json"):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_input" and "NUL" in error["message"]
    else:
        assert response.status_code == 400, response.text
        assert "NUL" in response.text


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with Session(db) as session:
        return session.exec(select(func.count()).select_from(model)).one()[0]


def test_nul_in_path_query_and_json_is_refused_and_writes_nothing(client: TestClient,
                                                                       db) -> None:
    _refused(client.get("/api/v1/customers/A%00B"))
    _refused(client.get("/api/v1/receivables?customer=C001%00"))
    _refused(client.get("/dashboard?as_of=%00"))
    _refused(client.post("/api/v1/orders/check", json={"customer": "C0\x0001", "amount": "1"}))
    _refused(client.post("/api/v1/orders", content=b'{"customer": "C001", "amount": "1", '
                         b'"number": "SO-\\u0000"}', headers={"content-type": "application/json"}))
    # a raw NUL in a body without a content type (FastAPI reads it as JSON)
    _refused(client.post("/api/v1/orders", content=b'{"customer": "C001", "amount": "1", '
                         b'"number": "SO-\x001"}', headers={"content-type": ""}))
    assert _count(db, SalesOrder) == 0
    # the same requests without the NUL still reach their routes
    assert client.get("/api/v1/customers/C001").status_code == 200
    assert client.post("/api/v1/orders", json={"customer": "C001", "amount": "1",
                                               "number": "SO-1"}).status_code == 201
    # an escaped backslash before u0000 is text, not a NUL
    escaped = client.post("/api/v1/orders/check", content=b'{"customer": "C\\\\u0000",'
                          b' "amount": "1"}', headers={"content-type": "application/json"})
    assert escaped.status_code == 404, escaped.text


def test_nul_in_the_sign_in_form_is_a_400_and_signs_nobody_in(settings, db, tmp_path) -> None:
    from arflow.web import create_app

    make_user(db, "li.na", "collector")
    with TestClient(create_app(settings, db)) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        for name in ("li.na\x00", "li\x00.na"):
            response = client.post("/login", data={"name": name, "password": "x\x00",
                                                   "csrf_token": csrf}, follow_redirects=False)
            _refused(response)
        _refused(client.post("/login", content=f"name=li.na%00&password=p&csrf_token={csrf}",
                             headers={"content-type": "application/x-www-form-urlencoded"},
                             follow_redirects=False))
    assert _count(db, WebSession) == 0


def test_multipart_file_contents_may_hold_nul_but_names_and_fields_may_not() -> None:
    boundary = "xyz"

    def body(*parts: bytes) -> bytes:
        return b"".join(b"--xyz\r\n" + p for p in parts) + b"--xyz--\r\n"

    file_part = (b'Content-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
                 b"Content-Type: application/octet-stream\r\n\r\nPK\x03\x04\x00\x00\r\n")
    assert not body_has_nul("multipart", body(file_part), {"boundary": boundary})
    named = file_part.replace(b"a.xlsx", b"a\x00.xlsx")
    assert body_has_nul("multipart", body(named), {"boundary": boundary})
    field = b'Content-Disposition: form-data; name="note"\r\n\r\nhi\x00\r\n'
    assert body_has_nul("multipart", body(file_part, field), {"boundary": boundary})
    encoded = (b"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%00.x\r\n"
               b"\r\ndata\r\n")
    assert body_has_nul("multipart", body(encoded), {"boundary": boundary})


def test_the_word_filename_in_another_header_does_not_make_a_field_a_file() -> None:
    field = b'Content-Disposition: form-data; name="name"\r\nX-Note: filename\r\n\r\nad\x00m\r\n'
    quoted = (b'Content-Disposition: form-data; name="name; filename=x"\r\n\r\nad\x00m\r\n')
    starred = b"Content-Disposition: form-data; name=\"name\"; filename*=UTF-8''a\r\n\r\n\x00\r\n"
    for part in (field, quoted, starred):  # the form parser reads each as a text field
        assert body_has_nul("multipart", b"--xyz\r\n" + part + b"--xyz--\r\n",
                            {"boundary": "xyz"}), part
    real = (b'Content-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            b"X-Note: hello\r\n\r\n\x00\x01\x00\r\n")
    assert not body_has_nul("multipart", b"--xyz\r\n" + real + b"--xyz--\r\n",
                            {"boundary": "xyz"})


def test_a_nul_behind_a_filename_header_in_a_multipart_sign_in_is_a_400(settings, db) -> None:
    from arflow.web import create_app

    make_user(db, "admin", "admin")
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]

        def part(name: str, value: str, extra: str = "") -> str:
            return (f'--XyZ\r\nContent-Disposition: form-data; name="{name}"\r\n{extra}\r\n'
                    f"{value}\r\n")

        body = (part("name", "adm\x00in", "X-Note: filename\r\n") + part("password", "x")
                + part("csrf_token", csrf) + "--XyZ--\r\n").encode()
        response = client.post("/login", content=body, follow_redirects=False,
                               headers={"content-type": "multipart/form-data; boundary=XyZ"})
        _refused(response)
    assert _count(db, WebSession) == 0
