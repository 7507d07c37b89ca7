"""Ingest configuration: the only place the ingest service reads the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.plausible_times import TimeWindow

__all__ = ["IngestSettings"]

KIB = 1024
MIB = 1024 * KIB


class IngestSettings(BaseSettings):
    """Every variable is documented in README.md (Configuration)."""

    model_config = SettingsConfigDict(env_prefix="RW_", extra="ignore", frozen=True)

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "RW_REDIS_URL"),
        description="Redis (or a Redis Cluster node when RW_REDIS_CLUSTER is true).",
    )
    redis_cluster: bool = False
    redis_timeout_seconds: float = 5.0
    key_prefix: str = "rw"

    host: str = "127.0.0.1"
    port: int = 8000

    max_event_bytes: int = Field(default=256 * KIB, description="Largest body `POST /v1/custody-events` takes.")
    max_batch_bytes: int = Field(default=16 * MIB, description="Largest body a batch endpoint takes.")
    max_batch_events: int = 10_000
    max_roster_bytes: int = Field(
        default=4 * MIB, description="Largest body `POST /v1/facilities/{ori}/roster` takes (50,000 booking numbers)."
    )
    max_detainer_bytes: int = 256 * KIB
    receipt_ttl_seconds: int = Field(
        default=30 * 24 * 3600,
        description="How long an accepted event_id is remembered for idempotent retries.",
    )
    retry_after_seconds: int = Field(default=5, description="Retry-After sent with 503 (Redis down, backlog full).")
    max_backlog: int = Field(
        default=100_000,
        ge=1,
        description="Custody events accepted but not yet processed above which new ones are refused with 503.",
    )
    backlog_refresh_seconds: float = Field(
        default=1.0, ge=0, description="How often /readyz and the metric measure the backlog (0: on every request)."
    )

    plausible_past_days: int = Field(
        default=7300, ge=1, description="How far before now any time sent (occurred_at, as_of, issued_at, ...) may be."
    )
    plausible_future_days: int = Field(
        default=7300, ge=1, description="How far after now a scheduled release time may be."
    )
    plausible_ahead_seconds: int = Field(
        default=86400,
        ge=0,
        description="How far after now a time something happened (occurred_at, as_of, issued_at) may be: clocks "
        "and time zones set wrong.",
    )

    late_event_hours: float = Field(
        default=24.0,
        gt=0,
        description="An event accepted this long after its occurred_at counts as late in its feed's quality "
        "(the outcome report's events_accepted_late).",
    )

    @property
    def time_window(self) -> TimeWindow:
        return TimeWindow(
            past=timedelta(days=self.plausible_past_days),
            future=timedelta(days=self.plausible_future_days),
            ahead=timedelta(seconds=self.plausible_ahead_seconds),
        )

    policies_file: Path | None = Field(
        default=None,
        description="The sharing policies (YAML) enforced at intake; reloaded on SIGHUP. Unset: every facility "
        "shares everything.",
    )
    booking_retention_days: int = Field(
        default=30, ge=1, description="How long a booking held under a sharing policy is kept after its release."
    )
    policy_hold_days: int = Field(
        default=400, ge=1, description="The longest a booking is held under a sharing policy, from its first event."
    )

    live_heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="Seconds between comment lines on an idle live feed, so proxies keep it open."
    )
    live_block_ms: int = Field(
        default=2000,
        ge=1,
        description="How long one read of the alert stream for the live feeds blocks (ms); at most half the Redis "
        "timeout, which would otherwise end every read that waits.",
    )

    auth: Literal["required", "off"] = Field(
        default="required",
        description="`off` treats every caller as an operator: local development only.",
    )
    api_keys: str | None = Field(default=None, description="JSON list of API key entries (see README).")
    api_keys_file: Path | None = Field(default=None, description="A file holding that JSON list.")

    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
