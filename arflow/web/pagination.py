"""Pagination for every list the API returns: ``?limit=&offset=`` in, an envelope out.

``{"items": [...], "total": N, "limit": L, "offset": O, "next": "<url>" | null}``;
``next`` is the same request with the next offset (null on the last page).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

MAX_LIMIT = 500
Item = TypeVar("Item")


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9, description="rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


class PageOut(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int
    next: str | None = None


def envelope(request: Request, items: list[Any], total: int, paging: PageParams
             ) -> dict[str, Any]:
    following = paging.offset + paging.limit
    next_url = (str(request.url.include_query_params(offset=following))
                if following < total else None)
    return {"items": items, "total": total, "limit": paging.limit, "offset": paging.offset,
            "next": next_url}
