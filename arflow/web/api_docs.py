"""The API's documentation page, ``/api/v1/docs``: Swagger UI for people signed in.

Its script and stylesheet are the ones the installed ``fastapi-offline`` package carries
(``fastapi_offline/static``), served by ``/api/v1/docs/{asset}`` below: the page loads
nothing from any other site. The page and its assets need a signed-in person (the
session cookie); a browser without one is sent to the sign-in form, anything else gets
401. ``/api/v1/openapi.json`` stays public: it describes the API and holds no data, and
the systems that call the API generate their clients from it.

The page's own script (Swagger UI's start) is inline, so the page answers with its own
CSP: the site's policy (arflow/web/security.CSP) plus that script's nonce.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from arflow.web.auth import SignInRequired, optional_principal
from arflow.web.errors import ApiError
from arflow.web.paths import API
from arflow.web.security import CSP

DOCS = "/docs"
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
SERVED = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}

router = APIRouter(include_in_schema=False)


async def _person(request: Request) -> bool:
    """Whether the caller is a person signed in (a system's token does not read docs)."""
    who = await optional_principal(request)
    return who is not None and who.kind == "user"


def _browser(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


@router.get(DOCS)
async def docs(request: Request) -> Response:
    if not await _person(request):
        if _browser(request):
            return RedirectResponse(f"/login?next={quote(API + DOCS, safe='')}",
                                    status_code=303)
        raise SignInRequired()
    nonce = secrets.token_urlsafe(16)
    html = get_swagger_ui_html(
        openapi_url=f"{API}/openapi.json", title="arflow API",
        swagger_js_url=f"{API}{DOCS}/swagger-ui-bundle.js",
        swagger_css_url=f"{API}{DOCS}/swagger-ui.css",
        swagger_favicon_url=f"{API}{DOCS}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    ).body.decode()
    html = html.replace("<script", f'<script nonce="{nonce}"')
    csp = CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp,
                                       "Cache-Control": "no-store"})


@router.get(DOCS + "/{asset}")
async def docs_asset(request: Request, asset: str) -> Response:
    if not await _person(request):
        raise SignInRequired()
    if asset not in SERVED:
        raise ApiError(404, "not_found", "no such file")
    return FileResponse(ASSETS / asset, media_type=SERVED[asset],
                        headers={"Cache-Control": "private, max-age=3600"})
