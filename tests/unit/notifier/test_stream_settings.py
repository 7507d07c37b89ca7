"""A subscriber's stream settings, as FastStream reads them at every read: the very settings when the broker has
no prefix (no copy made), a prefixed copy otherwise, the settings themselves unchanged."""

from __future__ import annotations

from faststream.redis import RedisBroker

from notifier.consuming.raw_entries import StreamSettings


def _settings() -> StreamSettings:
    return StreamSettings("rw:{custody}:events", group="notifier", consumer="c1", batch=True, max_records=500)


def test_without_a_prefix_the_settings_are_read_as_they_are() -> None:
    settings = _settings()

    assert settings.add_prefix("") is settings


def test_with_a_prefix_a_prefixed_copy_is_read_and_the_settings_stay_as_they_were() -> None:
    settings = _settings()

    prefixed = settings.add_prefix("test:")

    assert prefixed is not settings
    assert (prefixed.name, prefixed.group, prefixed.consumer, prefixed.max_records) == (
        "test:rw:{custody}:events",
        "notifier",
        "c1",
        500,
    )
    assert settings.name == "rw:{custody}:events"


def test_a_subscriber_reads_its_settings_without_a_copy_under_a_broker_without_prefix() -> None:
    broker = RedisBroker()
    settings = _settings()

    subscriber = broker.subscriber(stream=settings)

    assert subscriber.stream_sub is subscriber.stream_sub
    assert subscriber.stream_sub.name == "rw:{custody}:events"
