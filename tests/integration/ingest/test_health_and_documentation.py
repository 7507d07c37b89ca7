"""Health, readiness when Redis is gone, the OpenAPI document and the problem type pages."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem
from tests.integration.serving import serving

V1_PATHS = {
    "/v1/custody-events",
    "/v1/custody-events:batch",
    "/v1/facilities/{ori}/roster",
    "/v1/detainers",
    "/v1/detainers:batch",
    "/v1/detainers/{detainer_id}",
    "/v1/detainers/{detainer_id}/lift",
    "/v1/alerts",
    "/v1/alerts/live",
    "/v1/alerts/{alert_id}",
    "/v1/alerts/{alert_id}/confirm",
    "/v1/alerts/{alert_id}/reject",
    "/v1/alerts/{alert_id}/ack",
    "/v1/alerts/{alert_id}/resolve",
    "/v1/stories",
    "/v1/stories/{story_id}",
    "/v1/ops/queues",
    "/v1/ops/dead-letters",
    "/v1/ops/dead-letters/{entry_id}",
    "/v1/ops/dead-letters/{entry_id}/replay",
    "/v1/ops/dead-letters/{entry_id}/discard",
    "/v1/ops/audit",
    "/v1/ops/rosters/{ori}",
    "/v1/ops/feeds",
    "/v1/ops/feeds/{ori}",
    "/v1/ops/feeds/{ori}/hold",
    "/v1/reports/outcomes",
    "/v1/policies",
    "/v1/policies/{ori}",
}


def free_port() -> int:
    """A port nothing listens on (it was free a moment ago and nobody here binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def api_without_redis() -> AsyncIterator[httpx.AsyncClient]:
    """The ingest app started against a Redis URL where no server listens."""
    settings = IngestSettings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.5, retry_after_seconds=7, auth="off"
    )
    async with serving(settings) as client:
        yield client


# --- health ---------------------------------------------------------------------------------


async def test_healthz_answers_ok(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_ready_when_redis_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "backlog": 0, "max_backlog": 100_000}


async def test_healthz_answers_ok_even_when_redis_is_unreachable(api_without_redis: httpx.AsyncClient) -> None:
    response = await api_without_redis.get("/healthz")

    assert response.status_code == 200


async def test_readyz_is_a_503_problem_with_retry_after_when_redis_is_unreachable(
    api_without_redis: httpx.AsyncClient,
) -> None:
    response = await api_without_redis.get("/readyz")

    assert_problem(response, 503, "redis-unavailable")
    assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        pytest.param("/v1/custody-events", samples.booking(), id="custody-event"),
        pytest.param("/v1/custody-events:batch", [samples.booking(), samples.release()], id="batch"),
        pytest.param("/v1/detainers", samples.detainer(), id="lodge"),
        pytest.param("/v1/detainers:batch", [samples.detainer()], id="lodge-batch"),
        pytest.param("/v1/detainers/LOS-2026-000871/lift", {"reason": "cancelled"}, id="lift"),
    ],
)
async def test_post_when_redis_is_unreachable_is_a_503_problem_never_accepted(
    api_without_redis: httpx.AsyncClient, url: str, payload: Any
) -> None:
    response = await api_without_redis.post(url, json=payload)

    problem = assert_problem(response, 503, "redis-unavailable")
    assert response.headers["retry-after"] == "7"
    assert "Retrying is safe" in problem["detail"]


@pytest.mark.parametrize("url", ["/v1/detainers", "/v1/detainers/LOS-1", "/v1/alerts", "/v1/alerts/al_1"])
async def test_read_when_redis_is_unreachable_is_a_503_problem(api_without_redis: httpx.AsyncClient, url: str) -> None:
    response = await api_without_redis.get(url)

    assert_problem(response, 503, "redis-unavailable")
    assert response.headers["retry-after"] == "7"


async def test_invalid_event_is_still_a_422_when_redis_is_unreachable(api_without_redis: httpx.AsyncClient) -> None:
    response = await api_without_redis.post("/v1/custody-events", json=samples.booking(facility_ori="bad"))

    assert_problem(response, 422, "validation-error")


# --- OpenAPI -------------------------------------------------------------------------------------


@pytest.fixture
async def openapi(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_openapi_lists_every_v1_path(openapi: dict[str, Any]) -> None:
    assert {path for path in openapi["paths"] if path.startswith("/v1/")} == V1_PATHS


def test_openapi_describes_the_request_bodies_and_the_problem(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]

    assert {"CustodyEvent", "LodgeDetainer", "LiftDetainer", "Problem"} <= set(schemas)
    assert schemas["CustodyEvent"]["discriminator"]["propertyName"] == "type"
    assert set(schemas["CustodyEvent"]["discriminator"]["mapping"]) == set(samples.EVENT_BUILDERS)
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status"}
    assert "errors" in schemas["Problem"]["properties"]


def test_openapi_request_bodies_reference_the_contract_schemas(openapi: dict[str, Any]) -> None:
    def body_schema(path: str) -> dict[str, Any]:
        schema: dict[str, Any] = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return schema

    assert body_schema("/v1/custody-events") == {"$ref": "#/components/schemas/CustodyEvent"}
    assert body_schema("/v1/custody-events:batch")["items"] == {"$ref": "#/components/schemas/CustodyEvent"}
    assert body_schema("/v1/custody-events:batch")["maxItems"] == 10_000
    assert body_schema("/v1/detainers") == {"$ref": "#/components/schemas/LodgeDetainer"}
    assert body_schema("/v1/detainers:batch")["items"] == {"$ref": "#/components/schemas/LodgeDetainer"}
    assert body_schema("/v1/detainers:batch")["maxItems"] == 10_000
    assert body_schema("/v1/detainers/{detainer_id}/lift") == {"$ref": "#/components/schemas/LiftDetainer"}
    assert body_schema("/v1/facilities/{ori}/roster") == {"$ref": "#/components/schemas/Roster"}
    assert body_schema("/v1/ops/feeds/{ori}/hold") == {"$ref": "#/components/schemas/HoldDecision"}
    assert body_schema("/v1/ops/dead-letters/{entry_id}/discard") == {"$ref": "#/components/schemas/DiscardDeadLetter"}
    assert "application/x-ndjson" in openapi["paths"]["/v1/custody-events:batch"]["post"]["requestBody"]["content"]
    assert "application/x-ndjson" in openapi["paths"]["/v1/detainers:batch"]["post"]["requestBody"]["content"]


def test_openapi_publishes_the_field_rules_the_validator_applies(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]

    ori = re.compile(schemas["Booking"]["properties"]["facility_ori"]["pattern"])
    assert ori.fullmatch("CA0194200")
    assert not ori.fullmatch("ZZ0194200")  # the state check, in the pattern
    assert schemas["Person"]["properties"]["aliases"]["maxItems"] == 20
    assert schemas["Booking"]["properties"]["charges"]["maxItems"] == 100
    assert schemas["LodgeDetainer"]["properties"]["field_office"]["pattern"] == "^[A-Z]{3}$"


def test_openapi_documents_every_status_an_operation_can_answer(openapi: dict[str, Any]) -> None:
    def statuses(method: str, path: str) -> set[str]:
        return set(openapi["paths"][path][method]["responses"])

    assert {"401", "403", "503"} <= statuses("get", "/v1/ops/queues")
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "503"} <= statuses(
        "post", "/v1/ops/feeds/{ori}/hold"
    )
    assert {"400", "413", "415", "422"} <= statuses("post", "/v1/ops/dead-letters/{entry_id}/discard")
    assert {"404", "409"} <= statuses("get", "/v1/detainers/{detainer_id}")
    assert openapi["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert openapi["paths"]["/v1/ops/queues"]["get"]["security"] == [{"apiKey": []}]


def test_openapi_publishes_the_cursor_and_stream_id_formats(openapi: dict[str, Any]) -> None:
    def pattern(method: str, path: str, name: str) -> str:
        (found,) = [p for p in openapi["paths"][path][method]["parameters"] if p["name"] == name]
        schema: dict[str, Any] = found["schema"]
        return str(schema.get("pattern") or schema["anyOf"][0]["pattern"])

    assert pattern("get", "/v1/alerts", "cursor") == "^[A-Za-z0-9_-]*$"
    assert pattern("get", "/v1/ops/audit", "before") == "^[0-9]{1,20}-[0-9]{1,20}$"
    assert pattern("get", "/v1/alerts/live", "last-event-id") == "^[0-9]{1,20}-[0-9]{1,20}$"


def test_every_reference_in_the_openapi_document_resolves(openapi: dict[str, Any]) -> None:
    references: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    references.add(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(openapi)

    assert references
    prefix = "#/components/schemas/"
    assert {ref for ref in references if not ref.startswith(prefix)} == set()
    assert {ref for ref in references if ref.removeprefix(prefix) not in openapi["components"]["schemas"]} == set()


def _error_responses(openapi: dict[str, Any]) -> dict[str, list[str]]:
    """Media types documented for each 4xx/5xx answer, keyed 'METHOD path status'."""
    return {
        f"{method.upper()} {path} {status}": sorted(response.get("content", {}))
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45"
    }


def test_body_endpoints_document_their_errors_as_problems(openapi: dict[str, Any]) -> None:
    documented = _error_responses(openapi)

    for key in ("POST /v1/custody-events 409", "POST /v1/custody-events 422", "POST /v1/detainers 409"):
        assert documented[key] == ["application/problem+json"]


def test_every_documented_error_response_is_problem_json(openapi: dict[str, Any]) -> None:
    documented = _error_responses(openapi)

    assert {key: media for key, media in documented.items() if media != ["application/problem+json"]} == {}


# --- problem type pages and unknown paths ------------------------------------------------------


async def test_problem_type_page_explains_the_validation_error(api: httpx.AsyncClient) -> None:
    response = await api.get("/problems/validation-error")

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert body["status"] == 422
    assert body["title"] == "The request failed validation"
    assert "errors" in body["explanation"]


@pytest.mark.parametrize(
    "slug",
    [
        "malformed-body",
        "body-too-large",
        "unsupported-media-type",
        "event-id-conflict",
        "detainer-conflict",
        "not-reviewable",
        "review-conflict",
        "not-found",
        "redis-unavailable",
        "method-not-allowed",
    ],
)
async def test_every_problem_type_the_api_answers_with_has_a_page(api: httpx.AsyncClient, slug: str) -> None:
    response = await api.get(f"/problems/{slug}")

    assert response.status_code == 200
    assert response.json()["type"] == f"/problems/{slug}"


async def test_unknown_problem_type_is_a_404_problem(api: httpx.AsyncClient) -> None:
    response = await api.get("/problems/no-such-problem")

    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize("path", ["/v2/custody-events", "/v1/facilities", "/nothing/here", "/v1/detainers/a/b/c"])
async def test_unknown_path_is_a_404_problem(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)

    problem = assert_problem(response, 404, "not-found")
    assert problem["detail"] == "Nothing exists at this path."


async def test_metrics_count_received_events_by_type_and_outcome(api: httpx.AsyncClient) -> None:
    await api.post("/v1/custody-events", json=samples.release(event_id="evt-metrics"))

    response = await api.get("/metrics")

    assert response.status_code == 200
    assert 'releasewatch_ingest_events_total{outcome="accepted",type="release"}' in response.text
    assert "GARCIA" not in response.text


def _gauge(metrics_text: str, sample: str) -> float:
    """The value of one sample line (name and labels exactly as exposed) in a Prometheus text exposition."""
    for line in metrics_text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} is not exposed")


async def test_metrics_show_each_groups_lag_pending_oldest_age_and_open_dead_letters(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.xgroup_create(names.custody_events, "notifier", id="0", mkstream=True)
    for n in range(3):
        await api.post("/v1/custody-events", json=samples.release(event_id=f"evt-lag-{n}"))
    await redis_client.xreadgroup("notifier", "notifier-1", {names.custody_events: ">"}, count=1)
    await redis_client.xadd(names.dead_letters, {"reason": "unreadable"})

    text = (await api.get("/metrics")).text

    labels = '{group="notifier",stream="custody_events"}'
    assert _gauge(text, "releasewatch_stream_length" + '{stream="custody_events"}') == 3
    assert _gauge(text, "releasewatch_stream_group_lag" + labels) == 2  # read one of three
    assert _gauge(text, "releasewatch_stream_group_pending" + labels) == 1  # and did not acknowledge it
    assert _gauge(text, "releasewatch_stream_group_oldest_pending_seconds" + labels) >= 0
    assert _gauge(text, "releasewatch_dead_letters_open") == 1
    assert _gauge(text, "releasewatch_queues_read") == 1


async def test_metrics_answer_without_redis_and_say_the_streams_could_not_be_read(
    api_without_redis: httpx.AsyncClient,
) -> None:
    response = await api_without_redis.get("/metrics")

    assert response.status_code == 200
    assert _gauge(response.text, "releasewatch_queues_read") == 0
    assert "releasewatch_stream_group_lag{" not in response.text
