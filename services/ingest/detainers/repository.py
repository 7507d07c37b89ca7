"""Detainers in Redis: lodged and lifted atomically with their listings and changelog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files

from contracts import (
    Detainer,
    DetainerLifted,
    DetainerLodged,
    DetainerStatus,
    LiftDetainer,
    LodgeDetainer,
    RedisNames,
)
from ingest.listing import Page, newest_first
from runtime import RedisClient

__all__ = ["DetainerConflictError", "DetainerNotFoundError", "DetainerRepository"]

_LODGE_SCRIPT = (files(__package__) / "lodge_detainer.lua").read_text()
_LIFT_SCRIPT = (files(__package__) / "lift_detainer.lua").read_text()
_LIFT_ATTEMPTS = 5  # compare-and-swap retries when a record changes between read and write


class DetainerNotFoundError(LookupError):
    pass


class DetainerConflictError(Exception):
    def __init__(self, message: str, current: Detainer) -> None:
        super().__init__(message)
        self.current = current


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse(raw: bytes | str) -> Detainer:
    return Detainer.model_validate_json(raw, extra="ignore")


class DetainerRepository:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._lodge = client.register_script(_LODGE_SCRIPT)
        self._lift = client.register_script(_LIFT_SCRIPT)

    async def lodge(self, request: LodgeDetainer) -> tuple[Detainer, bool]:
        """Lodge ``request``; returns the detainer and whether this call lodged it.

        Lodging the same detainer again is answered with the record as it is
        now; a different body under a used detainer_id raises a conflict.
        """
        detainer = Detainer(**dict(request), status=DetainerStatus.ACTIVE, lodged_at=self._clock())
        names = self._names
        created, value = await self._lodge(
            keys=[
                names.detainer(detainer.detainer_id),
                names.active_detainers,
                names.detainer_changes,
                *names.listings("detainers", detainer.field_office, DetainerStatus.ACTIVE.value),
                names.detainer_change_count,
            ],
            args=[
                detainer.detainer_id,
                detainer.model_dump_json(),
                _ms(detainer.lodged_at),
                DetainerLodged(detainer=detainer).model_dump_json(),
            ],
        )
        if created:
            return detainer, True
        existing = _parse(value)
        if LodgeDetainer(**{field: getattr(existing, field) for field in LodgeDetainer.model_fields}) != request:
            raise DetainerConflictError(
                f"detainer_id {request.detainer_id!r} is already lodged with a different body", existing
            )
        return existing, False

    async def lift(self, detainer_id: str, request: LiftDetainer) -> tuple[Detainer, bool]:
        """Lift the detainer; returns it and whether this call lifted it.

        Lifting again for the same reason and note is answered with the record
        as it is; for another reason it raises a conflict.
        """
        names = self._names
        for _ in range(_LIFT_ATTEMPTS):
            raw = await self._client.get(names.detainer(detainer_id))
            if raw is None:
                raise DetainerNotFoundError(detainer_id)
            current = _parse(raw)
            if current.status is DetainerStatus.LIFTED:
                if (current.lift_reason, current.lift_note) == (request.reason, request.note):
                    return current, False
                raise DetainerConflictError(f"detainer {detainer_id!r} was already lifted differently", current)
            lifted = current.model_copy(
                update={
                    "status": DetainerStatus.LIFTED,
                    "lifted_at": self._clock(),
                    "lift_reason": request.reason,
                    "lift_note": request.note,
                }
            )
            leaving = names.listings("detainers", current.field_office, DetainerStatus.ACTIVE.value)[2:]
            joining = names.listings("detainers", current.field_office, DetainerStatus.LIFTED.value)[2:]
            outcome = await self._lift(
                keys=[
                    names.detainer(detainer_id),
                    names.active_detainers,
                    names.detainer_changes,
                    *leaving,
                    *joining,
                    names.detainer_change_count,
                ],
                args=[
                    detainer_id,
                    raw,
                    lifted.model_dump_json(),
                    _ms(current.lodged_at),
                    DetainerLifted(detainer=lifted).model_dump_json(),
                ],
            )
            if outcome[0] == 1:
                return lifted, True
            if outcome[0] == -1:
                raise DetainerNotFoundError(detainer_id)
        raise RuntimeError(f"detainer {detainer_id!r} kept changing while being lifted")

    async def get(self, detainer_id: str) -> Detainer | None:
        raw = await self._client.get(self._names.detainer(detainer_id))
        return None if raw is None else _parse(raw)

    async def list(
        self,
        *,
        field_office: str | None,
        status: DetainerStatus | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Detainer], str | None]:
        listing = self._names.detainer_listing(
            field_office=field_office, status=status.value if status is not None else None
        )
        page: Page = await newest_first(self._client, listing, limit=limit, cursor=cursor)
        if not page.ids:
            return [], None
        records = await self._client.mget([self._names.detainer(i) for i in page.ids])
        return [_parse(raw) for raw in records if raw is not None], page.next_cursor
