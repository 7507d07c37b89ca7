"""Reading alerts (the notifier writes them)."""

from __future__ import annotations

from contracts import Alert, AlertStatus, RedisNames
from ingest.listing import newest_first
from runtime import RedisClient

__all__ = ["AlertReader"]


def _parse(raw: bytes | str) -> Alert:
    return Alert.model_validate_json(raw, extra="ignore")


class AlertReader:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def get(self, alert_id: str) -> Alert | None:
        raw = await self._client.get(self._names.alert(alert_id))
        return None if raw is None else _parse(raw)

    async def list(
        self,
        *,
        field_office: str | None,
        status: AlertStatus | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Alert], str | None]:
        listing = self._names.alert_listing(
            field_office=field_office, status=status.value if status is not None else None
        )
        page = await newest_first(self._client, listing, limit=limit, cursor=cursor)
        if not page.ids:
            return [], None
        records = await self._client.mget([self._names.alert(alert_id) for alert_id in page.ids])
        return [_parse(raw) for raw in records if raw is not None], page.next_cursor
