"""Detainers in Redis: lodged and lifted atomically with their listings and changelog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from contracts.detainers import detainer_ref_for
from ingest.listing import Page, newest_first
from runtime import RedisClient, as_text

__all__ = ["DetainerConflictError", "DetainerNotFoundError", "DetainerRepository", "StoredDetainer"]

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


@dataclass(frozen=True, slots=True)
class StoredDetainer:
    """A detainer as kept: the record, and the reference its keys and listings use."""

    ref: str
    detainer: Detainer
    raw: bytes | str  # as read: the compare-and-swap of a lift compares it


class DetainerRepository:
    """Detainers by office: an office's ``detainer_id`` names one of its own detainers, never another's.

    Each detainer is kept under its reference (``contracts.detainers.detainer_ref_for``): ``OFFICE/ID``,
    or the id alone for a detainer lodged when ids were global. Both are looked for, the former one
    only if it is the same office's, so a store of the former layout keeps working unchanged.
    """

    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._lodge = client.register_script(_LODGE_SCRIPT)
        self._lift = client.register_script(_LIFT_SCRIPT)

    async def lodge(self, request: LodgeDetainer) -> tuple[Detainer, bool]:
        """Lodge ``request``; returns the detainer and whether this call lodged it.

        Lodging the same detainer again is answered with the record as it is
        now; a different body under the office's used detainer_id raises a conflict.
        """
        detainer = Detainer(**dict(request), status=DetainerStatus.ACTIVE, lodged_at=self._clock())
        names, office, detainer_id = self._names, detainer.field_office, detainer.detainer_id
        ref = detainer_ref_for(office, detainer_id)
        created, value, _ = await self._lodge(
            keys=[
                names.detainer(ref),
                names.detainer(detainer_id),
                names.active_detainers,
                names.detainer_changes,
                *names.listings("detainers", office, DetainerStatus.ACTIVE.value),
                names.detainer_change_count,
                names.detainer_offices(detainer_id),
            ],
            args=[
                detainer_id,
                office,
                ref,
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
                f"detainer_id {request.detainer_id!r} is already lodged by {office} with a different body", existing
            )
        return existing, False

    async def find(self, field_office: str, detainer_id: str) -> StoredDetainer | None:
        """The office's detainer of that id, or None."""
        ref = detainer_ref_for(field_office, detainer_id)
        scoped, former = await self._client.mget([self._names.detainer(ref), self._names.detainer(detainer_id)])
        if scoped is not None:
            return StoredDetainer(ref, _parse(scoped), scoped)
        if former is not None:
            detainer = _parse(former)
            if detainer.field_office == field_office:
                return StoredDetainer(detainer_id, detainer, former)
        return None

    async def offices_of(self, detainer_id: str) -> set[str]:
        """Every office that lodged a detainer under ``detainer_id``."""
        offices = {as_text(member) for member in await self._client.smembers(self._names.detainer_offices(detainer_id))}
        former = await self._client.get(self._names.detainer(detainer_id))
        if former is not None:
            offices.add(_parse(former).field_office)
        return offices

    async def lift(self, field_office: str, detainer_id: str, request: LiftDetainer) -> tuple[Detainer, bool]:
        """Lift the office's detainer; returns it and whether this call lifted it.

        Lifting again for the same reason and note is answered with the record
        as it is; for another reason it raises a conflict.
        """
        names = self._names
        for _ in range(_LIFT_ATTEMPTS):
            stored = await self.find(field_office, detainer_id)
            if stored is None:
                raise DetainerNotFoundError(detainer_id)
            current = stored.detainer
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
                    names.detainer(stored.ref),
                    names.active_detainers,
                    names.detainer_changes,
                    *leaving,
                    *joining,
                    names.detainer_change_count,
                ],
                args=[
                    stored.ref,
                    stored.raw,
                    lifted.model_dump_json(),
                    _ms(current.lodged_at),
                    DetainerLifted(detainer=lifted).model_dump_json(),
                    detainer_id,
                ],
            )
            if outcome[0] == 1:
                return lifted, True
            if outcome[0] == -1:
                raise DetainerNotFoundError(detainer_id)
        raise RuntimeError(f"detainer {detainer_id!r} kept changing while being lifted")

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
        records = await self._client.mget([self._names.detainer(ref) for ref in page.ids])
        return [_parse(raw) for raw in records if raw is not None], page.next_cursor
