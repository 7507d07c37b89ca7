"""A short synthetic jail feed against a running API, so alerts appear.

Every name, date of birth and number here is generated; none is a real
person's. Ids carry a run tag, so playing the demo again adds new detainers
and bookings rather than replaying the old ones.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from releasewatch.api_client import answer, api_client
from runtime.clock import utc_now

__all__ = ["play_demo", "synthetic_feed"]

FIRST_NAMES = ["JOSE", "MARIA", "JUAN", "ANA", "LUIS", "CARMEN", "JAMES", "MARY", "DAVID", "LINDA", "WEI", "NGUYEN"]
LAST_NAMES = [
    "GARCIA LOPEZ",
    "HERNANDEZ",
    "MARTINEZ RUIZ",
    "SMITH",
    "JOHNSON",
    "RODRIGUEZ",
    "LEE",
    "TRAN",
    "PEREZ DE LA CRUZ",
    "WILLIAMS",
    "GONZALEZ",
    "KIM",
]
LETTERS = "ABCDEFGH"
OFFICES = {"LOS": "CA0194200", "NYC": "NY0303000", "HOU": "TX1010000"}


@dataclass(frozen=True)
class DemoFeed:
    detainers: list[dict[str, Any]]
    events: list[list[dict[str, Any]]]  # chunks, played in order
    late_detainer: dict[str, Any]  # lodged on someone already in custody


def _person(rng: random.Random) -> dict[str, Any]:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
    return {
        "last_name": rng.choice(LAST_NAMES),
        "first_name": rng.choice(FIRST_NAMES),
        "date_of_birth": born.isoformat(),
        "sex": rng.choice("MF"),
        "place_of_birth": rng.choice(["MX", "GT", "HN", "SV", "VN", "CN", "US"]),
        "a_number": f"A{rng.randrange(10**8, 10**9):09d}",
        "fbi_number": f"{rng.randrange(10**5, 10**6)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}{rng.randrange(10)}",
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def synthetic_feed(seed: int, now: datetime) -> DemoFeed:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    tag = f"demo{seed}"
    people = [_person(rng) for _ in range(24)]
    detained = people[:6]
    detainers = [
        {
            "detainer_id": f"{office}-{tag}-{index}",
            "form": rng.choice(["I-247A", "I-247N"]),
            "field_office": office,
            "person": person,
            "lodged_with_ori": OFFICES[office],
            "issued_at": _iso(now - timedelta(days=rng.randrange(1, 30))),
        }
        for index, (office, person) in enumerate(zip(list(OFFICES) * 2, detained, strict=True))
    ]

    def event(kind: str, index: int, booking: str, ori: str, **fields: Any) -> dict[str, Any]:
        return {
            "event_id": f"{tag}-{kind}-{index}",
            "type": kind,
            "occurred_at": _iso(now - timedelta(minutes=rng.randrange(5, 600))),
            "facility_ori": ori,
            "booking_number": booking,
            **fields,
        }

    bookings: list[tuple[str, str, dict[str, Any]]] = []
    booked: list[dict[str, Any]] = []
    for index, person in enumerate(people):
        ori = rng.choice(list(OFFICES.values()))
        booking = f"{tag}-{index:04d}"
        bookings.append((booking, ori, person))
        booked.append(event("booking", index, booking, ori, person=person, charges=[]))
    later: list[dict[str, Any]] = []
    for index, (booking, ori, _) in enumerate(bookings[:4]):
        release_at = now + timedelta(hours=rng.choice([6, 30, 50, 80]))
        later.append(
            event(
                "release_scheduled",
                index,
                booking,
                ori,
                occurred_at=_iso(now),
                scheduled_release_at=_iso(release_at),
                release_reason="bail_posted",
            )
        )
    for index, (booking, ori, _) in enumerate(bookings[4:6] + bookings[10:12]):
        later.append(event("release", index, booking, ori, occurred_at=_iso(now), release_reason="own_recognizance"))
    late_subject = people[12]
    late_detainer = {
        "detainer_id": f"LOS-{tag}-late",
        "form": "I-247A",
        "field_office": "LOS",
        "person": {**late_subject, "fbi_number": None},  # matched on the A-number alone
        "issued_at": _iso(now),
    }
    return DemoFeed(detainers, [booked[:12], booked[12:], later], late_detainer)


def _ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


def play_demo(api: str, *, seed: int | None, pause: float, console: Console, api_key: str | None = None) -> int:
    seed = seed if seed is not None else random.SystemRandom().randrange(10**6)
    feed = synthetic_feed(seed, utc_now())
    with api_client(api, api_key) as client:
        answer(client.get("/readyz"))
        answer(client.get("/v1/detainers", params={"limit": 1}))  # a key problem shows now, before any change
        console.print(f"Demo feed {seed}: lodging {len(feed.detainers)} detainers ...")
        for detainer in feed.detainers:
            answer(client.post("/v1/detainers", json=detainer))
        for number, chunk in enumerate(feed.events, start=1):
            summary = answer(
                client.post(
                    "/v1/custody-events:batch", content=_ndjson(chunk), headers={"content-type": "application/x-ndjson"}
                )
            )
            console.print(f"  feed chunk {number}: {summary['accepted']} events accepted")
            time.sleep(pause)
        console.print("Lodging a detainer on someone already in custody ...")
        answer(client.post("/v1/detainers", json=feed.late_detainer))
        time.sleep(max(pause, 1.0))
        tag = f"demo{seed}"
        table = Table(title=f"Alerts raised by demo feed {seed}")
        for column in ("office", "alert", "booking", "person", "matched by", "release (UTC)"):
            table.add_column(column, overflow="fold")  # a narrow terminal wraps a cell, never cuts it
        shown = 0
        for office in OFFICES:
            alerts = answer(client.get("/v1/alerts", params={"field_office": office, "limit": 100}))["alerts"]
            for alert in alerts:
                if tag not in alert["booking_number"]:
                    continue
                person = alert.get("person") or {}
                release = alert.get("scheduled_release_at")
                table.add_row(
                    office,
                    alert["kind"].replace("_", " "),
                    f"{alert['facility_ori']} {alert['booking_number']}",
                    f"{person.get('last_name', '')}, {person.get('first_name', '')}",
                    alert["match"]["rule"],
                    datetime.fromisoformat(release).astimezone(UTC).strftime("%b %d %H:%M") if release else "",
                )
                shown += 1
        console.print(table)
        console.print(f"{shown} alerts. See them as a duty officer would, live, on the office pages:")
        for office in OFFICES:
            console.print(f"  {api}/offices/{office}", markup=False)
    return 0
