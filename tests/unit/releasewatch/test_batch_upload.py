"""Sending a chunk: what the API answered per event, and what is retried, how long after, how often."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from releasewatch.file_import.upload import ApiRefused, ApiUnavailable, BatchUploader, ItemOutcome

Handler = Callable[[httpx.Request], httpx.Response]


def events(count: int) -> list[bytes]:
    return [json.dumps({"event_id": f"evt-{number}"}).encode() for number in range(count)]


def accept_all(request: httpx.Request) -> httpx.Response:
    lines = request.content.decode().splitlines()
    results = [{"index": index, "status": "accepted", "stream_id": f"1-{index}"} for index in range(len(lines))]
    return httpx.Response(202, json={"accepted": len(lines), "duplicates": 0, "rejected": 0, "results": results})


class Api:
    """A scripted API: answers from ``script`` in turn, then ``then``; records what it was sent."""

    def __init__(self, *script: Handler | Exception, then: Handler = accept_all) -> None:
        self.script = list(script)
        self.then = then
        self.bodies: list[list[str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content.decode().splitlines())
        assert request.headers["content-type"] == "application/x-ndjson"
        step = self.script.pop(0) if self.script else self.then
        if isinstance(step, Exception):
            raise step
        return step(request)


def uploader(api: Api, slept: list[float], *, retries: int = 6) -> BatchUploader:
    client = httpx.Client(transport=httpx.MockTransport(api), base_url="http://api.test")
    return BatchUploader(client, retries=retries, sleep=slept.append)


def busy(retry_after: str | None) -> Handler:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return lambda request: httpx.Response(503, json={"title": "Busy", "status": 503}, headers=headers)


def test_each_event_gets_the_status_the_api_gave_and_errors_point_into_the_event() -> None:
    def mixed(request: httpx.Request) -> httpx.Response:
        results = [
            {"index": 0, "status": "accepted"},
            {"index": 1, "status": "duplicate"},
            {"index": 2, "status": "invalid", "errors": [{"pointer": "#/2/person/sex", "detail": "bad"}]},
            {"index": 3, "status": "conflict", "errors": [{"pointer": "#/3/event_id", "detail": "used"}]},
            {"index": 4, "status": "invalid", "errors": [{"pointer": "#/4", "detail": "needs person"}]},
        ]
        return httpx.Response(202, json={"accepted": 1, "duplicates": 1, "rejected": 3, "results": results})

    outcomes = uploader(Api(mixed), []).send(events(5))

    assert outcomes == [
        ItemOutcome("accepted"),
        ItemOutcome("replayed"),
        ItemOutcome("rejected", (("#/person/sex", "bad"),)),
        ItemOutcome("rejected", (("#/event_id", "used"),)),
        ItemOutcome("rejected", (("#", "needs person"),)),
    ]


def test_a_chunk_of_which_nothing_was_accepted_422_still_reports_each_event() -> None:
    def none_valid(request: httpx.Request) -> httpx.Response:
        results = [{"index": 0, "status": "invalid", "errors": [{"pointer": "#/0/type", "detail": "unknown"}]}]
        return httpx.Response(422, json={"type": "/problems/validation-error", "results": results})

    assert uploader(Api(none_valid), []).send(events(1)) == [ItemOutcome("rejected", (("#/type", "unknown"),))]


def test_a_503_is_sent_again_after_the_retry_after_it_names() -> None:
    api = Api(busy("7"))
    slept: list[float] = []

    outcomes = uploader(api, slept).send(events(2))

    assert slept == [7.0]
    assert api.bodies == [['{"event_id": "evt-0"}', '{"event_id": "evt-1"}']] * 2
    assert [outcome.status for outcome in outcomes] == ["accepted", "accepted"]


def test_no_answer_is_retried_with_a_backoff_that_doubles() -> None:
    refused = httpx.ConnectError("connection refused")
    slept: list[float] = []

    uploader(Api(refused, refused, httpx.ReadTimeout("slow"), busy(None)), slept).send(events(1))

    assert slept == [0.5, 1.0, 2.0, 4.0]


def test_the_backoff_is_bounded() -> None:
    slept: list[float] = []

    uploader(Api(*[httpx.ConnectError("refused")] * 9), slept, retries=9).send(events(1))

    assert max(slept) == 30.0


def test_after_the_last_retry_the_import_stops_rather_than_guess() -> None:
    api = Api(busy("1"), busy("1"), busy("1"))

    with pytest.raises(ApiUnavailable, match="503"):
        uploader(api, [], retries=2).send(events(1))
    assert len(api.bodies) == 3


def test_a_chunk_over_the_apis_size_limit_is_split_until_it_fits() -> None:
    def limit_of_two(request: httpx.Request) -> httpx.Response:
        if len(request.content.splitlines()) > 2:
            return httpx.Response(413, json={"title": "The request body is too large", "status": 413})
        return accept_all(request)

    api = Api(then=limit_of_two)

    outcomes = uploader(api, []).send(events(5))

    assert [outcome.status for outcome in outcomes] == ["accepted"] * 5
    sent = [line for body in api.bodies if len(body) <= 2 for line in body]
    assert sent == [event.decode() for event in events(5)]


@pytest.mark.parametrize("status", [400, 401, 403, 500])
def test_a_chunk_refused_as_a_whole_stops_the_import(status: int) -> None:
    api = Api(then=lambda request: httpx.Response(status, json={"title": "No", "detail": "why", "status": status}))

    with pytest.raises(ApiRefused, match=f"HTTP {status} No: why"):
        uploader(api, []).send(events(1))
    assert len(api.bodies) == 1


def test_an_answer_that_does_not_account_for_every_event_counts_none_as_accepted() -> None:
    def partial(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, json={"results": [{"index": 0, "status": "accepted"}]})

    with pytest.raises(ApiRefused, match="1 of 2"):
        uploader(Api(partial), []).send(events(2))
