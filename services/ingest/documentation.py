"""The streams' AsyncAPI document, as JSON and as a page (beside FastAPI's /openapi.json and /docs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from ingest.asyncapi import asyncapi_document, asyncapi_page
from ingest.dependencies import get_settings
from ingest.settings import IngestSettings

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# A page of escaped text and one inline stylesheet: nothing may run, nothing loads from elsewhere.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/asyncapi.json")
async def asyncapi_json(settings: Annotated[IngestSettings, Depends(get_settings)]) -> dict[str, Any]:
    return asyncapi_document(settings.key_prefix)


@router.get("/asyncapi", response_class=HTMLResponse)
async def asyncapi_html(settings: Annotated[IngestSettings, Depends(get_settings)]) -> HTMLResponse:
    return HTMLResponse(asyncapi_page(asyncapi_document(settings.key_prefix)), headers=_PAGE_HEADERS)
