"""Every route's dependencies are coroutine functions: FastAPI runs a plain ``def`` dependency (or a class) in
its thread pool, a hop to another thread and back on every request, which on a single custody event cost
more than reading and validating it."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ingest.app import create_app
from ingest.settings import IngestSettings


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, those of included routers too (FastAPI may keep an included router whole)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        else:
            included = getattr(route, "original_router", None) or route
            yield from _api_routes(getattr(included, "routes", ()))


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _routes() -> list[APIRoute]:
    app = create_app(IngestSettings(redis_url="redis://127.0.0.1:1", auth="off"))
    return list(_api_routes(app.router.routes))


def test_no_route_runs_a_dependency_in_the_thread_pool() -> None:
    routes = _routes()
    in_threads = sorted(
        {
            f"{route.path}: {getattr(call, '__qualname__', call)}"
            for route in routes
            for call in _calls(route.dependant)
            if call is not None and not inspect.iscoroutinefunction(call)
        }
    )
    assert len(routes) > 30
    assert in_threads == []


def test_the_routes_that_take_records_are_coroutines() -> None:
    posting = {
        route.path: inspect.iscoroutinefunction(route.endpoint)
        for route in _routes()
        if "POST" in route.methods and route.path.startswith("/v1/")
    }
    assert "/v1/custody-events" in posting
    assert "/v1/detainers:batch" in posting
    assert all(posting.values()), posting
