"""The web app's guards that run before any route: body-size limits, unauthenticated
writes refused before their body is read, and the security headers.

``install(app, settings)`` adds them (issue 15) as one pure ASGI middleware, so a refusal
costs the server no more than the request's headers:

- a ``Content-Length`` over ``settings.web.max_body_bytes``: 413 ``payload_too_large``,
  nothing read; a body without one (chunked) is counted as it streams and refused the
  same way the moment it passes the limit (the route sees a disconnect; its own answer is
  dropped);
- a POST, PUT, PATCH or DELETE under /api/v1 with neither an ``Authorization`` header nor
  the session cookie: 401 ``unauthorized`` (the answer ``SignInRequired`` gives), nothing
  read. The sign-in form (/login) is a page and stays open;
- every answer (pages, API, static files, errors) carries the headers of ``HEADERS``
  unless the route set its own (the API docs page sets a CSP with its script's nonce).

The CSP fits the pages as they are: scripts only from /static (no inline script or
``on...=`` handler anywhere), forms posting to this site, no framing. Styles allow
``'unsafe-inline'``: the charts and a few templates carry ``style=`` attributes, and the
mail preview (a sandboxed ``srcdoc`` iframe, which inherits this policy) shows emails
written with inline styles; a style cannot run code.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arflow.settings import Settings
from arflow.web.auth import SESSION_COOKIE, UNSAFE, SignInRequired
from arflow.web.errors import error_response
from arflow.web.responses import MoneyJSONResponse

API = "/api/v1"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _with_headers(send: Send) -> Send:
    async def out(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in HEADERS.items():
                if name not in headers:
                    headers[name] = value
        await send(message)

    return out


def _anonymous_api_write(scope: Scope, headers: Headers) -> bool:
    path: str = scope["path"]
    if scope["method"] not in UNSAFE or not (path == API or path.startswith(API + "/")):
        return False
    if headers.get("authorization"):
        return False
    return SESSION_COOKIE not in cookie_parser(headers.get("cookie", ""))


def _declared_too_large(headers: Headers, limit: int) -> bool:
    length = headers.get("content-length", "")
    return length.strip().isdigit() and int(length) > limit


class Guards:
    """The middleware (module docstring); ``max_body``: bytes a request body may have."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    def _too_large(self) -> MoneyJSONResponse:
        return error_response(413, "payload_too_large",
                              f"the request body is larger than {self.max_body} bytes "
                              "(settings: web.max_body_mb)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        out = _with_headers(send)
        headers = Headers(scope=scope)
        if _anonymous_api_write(scope, headers):
            refusal = SignInRequired()
            await error_response(refusal.status, refusal.code, refusal.message)(
                scope, receive, out)
            return
        if _declared_too_large(headers, self.max_body):
            await self._too_large()(scope, receive, out)
            return
        await self._counted(scope, receive, out)

    async def _counted(self, scope: Scope, receive: Receive, out: Send) -> None:
        """The app, its body counted as it streams: past the limit, 413 and the app sees
        the client gone (whatever it answers then is dropped)."""
        received = 0
        refused = started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    refused = True
                    if not started:  # (an app that answered already keeps its answer)
                        await self._too_large()(scope, receive, out)
                    return {"type": "http.disconnect"}
            return message

        async def app_send(message: Message) -> None:
            nonlocal started
            if not refused or started:
                started = True
                await out(message)

        try:
            await self.app(scope, counted_receive, app_send)
        except Exception:
            if not refused:  # a route that failed on the disconnect it was handed
                raise


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to ``app`` (inside the metrics middleware, outside every route)."""
    app.add_middleware(Guards, max_body=settings.web.max_body_bytes)
