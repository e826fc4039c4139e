"""Input the app refuses before any route sees it: NUL bytes in the path, the query, a
form or a JSON body (a 4xx, never a 500 from the database).

Why here and not in each route: PostgreSQL refuses a NUL in any text value, so a NUL that
reaches a query (a customer code in the path, a user name at sign-in, an order number)
fails deep inside the driver as a 500; SQLite would store it. One guard in front of every
route closes every such door at once, and a new route is covered without thinking of it.

A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer every response too). What
it checks:

- the path (``%00`` decodes to NUL in ``scope["path"]``) and the raw query string;
- an ``application/x-www-form-urlencoded`` body (``%00`` or a raw NUL) and a JSON body
  (a ``\\u0000`` escape or a raw NUL), including a body without a content type, which
  FastAPI reads as JSON. Those bodies are buffered, checked and replayed to the app; the
  body-size guard outside this one (arflow/web/security.py) bounds what is buffered;
- a multipart body: its part headers (field and file names) and the content of every
  part the form parser takes for a text field. A file's content may hold NUL bytes
  legitimately (an xlsx is a zip); a part is a file only when its Content-Disposition
  has a ``filename`` parameter, decided exactly as the parser decides it (``_is_file``).

The answer: under /api/, 422 ``{"error": {"code": "invalid_input", ...}}``, the status the
API documents on every operation for input it does not take (its own field patterns
refused a NUL with 422 before this guard existed; a 400 would be an undocumented status
everywhere); a page, 400 with one plain line (pages have no documented contract, and the
guard knows no templates).

``install(app, settings)`` adds it, innermost of the guards (issue 15).
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arflow.settings import Settings
from arflow.web.errors import error_response

MESSAGE = "the request holds a NUL character (\\0), which arflow never accepts"
# a JSON \u0000 escape: preceded by an even number of backslashes (\\u0000 is text)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_PERCENT_NUL = b"%00"


def _has_nul_url(scope: Scope) -> bool:
    """A NUL in the path (decoded or raw) or the query string (raw or %00)."""
    raw_path: bytes = scope.get("raw_path") or b""
    query: bytes = scope.get("query_string") or b""
    return ("\x00" in scope.get("path", "") or b"\x00" in raw_path
            or _PERCENT_NUL in raw_path or b"\x00" in query or _PERCENT_NUL in query)


def _content_type(scope: Scope) -> tuple[str, dict[str, str]]:
    """The media type (lower case) and its parameters; ``""`` without the header."""
    media, options = parse_options_header(Headers(scope=scope).get("content-type", ""))
    return media.decode("latin-1"), {key.decode("latin-1"): value.decode("latin-1")
                                     for key, value in options.items()}


def _checked_kind(media: str) -> str | None:
    """Which body check applies to this media type, None: the body is not looked at."""
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media in ("", "application/json") or (media.startswith("application/")
                                              and media.endswith("+json")):
        return "json"
    if media == "multipart/form-data":
        return "multipart"
    return None


def _is_file(headers: bytes) -> bool:
    """Whether the form parser will take this part for a file: exactly its own test
    (starlette.formparsers): the *last* ``Content-Disposition`` header, parsed by
    python-multipart, has a ``filename`` parameter. ``filename*`` does not count (RFC 7578
    forbids it and the parser ignores it), nor does the word anywhere else in the part."""
    disposition = b""
    for line in headers.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep and name.lower() == b"content-disposition":
            disposition = value.strip(b" \t")
    return b"filename" in parse_options_header(disposition)[1]


def _multipart_has_nul(body: bytes, boundary: str) -> bool:
    """A NUL in a part's headers (its field or file name) or in a part that is not a file."""
    if not boundary:
        return b"\x00" in body  # not a multipart body the app can read anyway
    for part in body.split(b"--" + boundary.encode("latin-1")):
        headers, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        encoded_name = headers.lower().partition(b"filename*=")[2]  # RFC 5987: %-encoded
        if b"\x00" in headers or _PERCENT_NUL in encoded_name:
            return True
        if b"\x00" in content and not _is_file(headers):
            return True
    return False


def body_has_nul(kind: str, body: bytes, options: dict[str, str]) -> bool:
    """Whether a body of this kind carries a NUL its handler would pass on as text."""
    if kind == "form":
        return b"\x00" in body or _PERCENT_NUL in body
    if kind == "json":
        return b"\x00" in body or _JSON_NUL.search(body) is not None
    return _multipart_has_nul(body, options.get("boundary", ""))


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """422 JSON under /api/ (the API's ``invalid_input``), 400 with a plain line for a page."""
    if scope.get("path", "").startswith("/api/"):
        answer: Response = error_response(422, "invalid_input", MESSAGE)
    else:
        answer = PlainTextResponse(MESSAGE + "\n", status_code=400)
    await answer(scope, receive, send)


class InputGuard:
    """Refuses a request carrying a NUL (422 API, 400 page) before the app reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul_url(scope):
            await _refuse(scope, receive, send)
            return
        media, options = _content_type(scope)
        kind = _checked_kind(media)
        if kind is None or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body_has_nul(kind, body, options):
            await _refuse(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then the client's own."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def install(app: FastAPI, settings: Settings) -> None:
    """Add the input guard to ``app`` (inside the body-size guard)."""
    app.add_middleware(InputGuard)
