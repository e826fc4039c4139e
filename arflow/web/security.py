"""The web app's guards that run before any route: body-size limits, unauthenticated
writes refused before their body is read, and the security headers.

``install(app, settings)`` adds them (issue 15) as one pure ASGI middleware, so a refusal
costs the server no more than the request's headers:

- a ``Content-Length`` over ``settings.web.max_body_bytes``: 413 ``payload_too_large``,
  nothing read; a body without one (chunked) is counted as it streams and refused the
  same way the moment it passes the limit (the route sees a disconnect; its own answer is
  dropped);
- a POST, PUT, PATCH or DELETE under /api/v1 whose credentials do not hold: 401
  ``unauthorized``, nothing read. The bearer token or the session cookie is looked up
  here (arflow/web/auth.credentials, in a worker thread: it is a database call), so a
  made-up ``Bearer x`` gets no more of the server than no credentials at all: the answer
  is the route's own (``SignInRequired``, or the bad token's). What was found is left in
  the scope for the route (``auth.IDENTIFIED``), which still checks a person's CSRF
  token. The sign-in form (/login) is a page and stays open;
- every answer (pages, API, static files, errors) carries the headers of ``HEADERS``
  unless the route set its own (the API docs page sets a CSP with its script's nonce).
  That includes a 500: Starlette answers an unhandled exception outside every user
  middleware, so the guards send the 500 themselves (the same plain "Internal Server
  Error") and re-raise, for the server to log it once.

The CSP fits the pages as they are: scripts only from /static (no inline script or
``on...=`` handler anywhere), forms posting to this site, no framing. Styles allow
``'unsafe-inline'``: the charts and a few templates carry ``style=`` attributes, and the
mail preview (a sandboxed ``srcdoc`` iframe, which inherits this policy) shows emails
written with inline styles; a style cannot run code.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arflow.settings import Settings
from arflow.web.auth import IDENTIFIED, SESSION_COOKIE, UNSAFE, SignInRequired, credentials
from arflow.web.errors import ApiError, error_response
from arflow.web.paths import API
from arflow.web.responses import MoneyJSONResponse

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


def _api_write(scope: Scope) -> bool:
    path: str = scope["path"]
    return scope["method"] in UNSAFE and (path == API or path.startswith(API + "/"))


async def _refused_caller(scope: Scope, headers: Headers) -> ApiError | None:
    """Why an API write's credentials do not hold (None: they do, and who they name is
    left in the scope). Looked up in a worker thread: the loop never waits on the
    database."""
    cookie = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    authorization = headers.get("authorization")
    if not authorization and not cookie:
        return SignInRequired()
    try:
        found = await run_in_threadpool(credentials, scope["app"].state.engine,
                                        authorization, cookie)
    except ApiError as refusal:  # a token that is malformed, unknown or revoked
        return refusal
    if found is None:
        return SignInRequired()
    scope[IDENTIFIED] = found
    return None


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
        started = False

        async def out(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await headed(message)

        headed = _with_headers(send)
        try:
            await self._guarded(scope, receive, out)
        except Exception:
            if not started:  # Starlette's own 500 would come without the headers
                await PlainTextResponse("Internal Server Error", status_code=500)(
                    scope, receive, out)
            raise

    async def _guarded(self, scope: Scope, receive: Receive, out: Send) -> None:
        headers = Headers(scope=scope)
        if _api_write(scope):
            refusal = await _refused_caller(scope, headers)
            if refusal is not None:
                await error_response(refusal.status, refusal.code, refusal.message,
                                     refusal.field)(scope, receive, out)
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
