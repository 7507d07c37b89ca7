"""A CSV row becomes the custody event's wire JSON; the API's pointers lead back to the row's columns."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from contracts import custody_event_adapter
from releasewatch.file_import.csv_file import (
    CSV_COLUMNS,
    CsvFormat,
    RowNotConvertible,
    column_of_pointer,
    event_from_cells,
)
from releasewatch.file_import.rows import FieldError, RejectedRow, UnusableFile
from tests import samples

SAMPLE_CSV = Path(__file__).resolve().parents[3] / "docs" / "examples" / "custody-events.csv"


def booking_cells(**overrides: str) -> dict[str, str]:
    cells = dict.fromkeys(CSV_COLUMNS, "")
    cells.update(
        event_id="evt-0001",
        type="booking",
        occurred_at="2026-11-20T08:15:00-08:00",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        last_name="GARCIA LOPEZ",
        first_name="JOSE",
        middle_name="LUIS",
        date_of_birth="1990-04-17",
        sex="M",
        place_of_birth="MX",
        fbi_number="123456AB9",
        a_number="A012345678",
        state_id="A1234567",
        state_id_state="CA",
        aliases='[{"last_name": "GARCIA", "first_name": "PEPE", "date_of_birth": "1990-04-17"}]',
        charge_statute="PC 459",
        charge_description="Burglary, second degree",
        charge_severity="felony",
        charge_ncic_code="2299",
    )
    cells.update(overrides)
    return cells


def read(text: str) -> list:
    return list(CsvFormat().read_rows(io.BytesIO(text.encode())))


def test_a_booking_row_becomes_the_same_event_as_the_wire_sample() -> None:
    event, charge_from_columns = event_from_cells(booking_cells())

    assert event == samples.booking()
    assert charge_from_columns


def test_empty_and_blank_cells_are_absent_fields_not_empty_strings() -> None:
    event, _ = event_from_cells(booking_cells(middle_name="", place_of_birth="  ", state_id="", state_id_state=""))

    assert "middle_name" not in event["person"]
    assert "place_of_birth" not in event["person"]
    assert "state_id" not in event["person"]


def test_a_row_without_person_columns_has_no_person_and_without_charge_columns_no_charges() -> None:
    cells = dict.fromkeys(CSV_COLUMNS, "")
    cells.update({key: value for key, value in samples.release_scheduled().items() if isinstance(value, str)})

    event, _ = event_from_cells(cells)

    assert event == samples.release_scheduled()
    custody_event_adapter.validate_json(json.dumps(event))


def test_several_charges_go_in_the_charges_column_as_a_json_array() -> None:
    charges = [samples.charge(), samples.charge(statute="PC 484", ncic_code="2399")]
    cells = booking_cells(
        charge_statute="", charge_description="", charge_severity="", charge_ncic_code="", charges=json.dumps(charges)
    )

    event, charge_from_columns = event_from_cells(cells)

    assert event["charges"] == charges
    assert not charge_from_columns


def test_charges_both_in_the_json_column_and_the_charge_columns_cannot_be_sent() -> None:
    with pytest.raises(RowNotConvertible) as refused:
        event_from_cells(booking_cells(charges="[]"))

    assert [error.field for error in refused.value.errors] == ["charges"]


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("charges", "[{statute: 1}", "is not JSON"),
        ("charges", '{"statute": "PC 459"}', "must be a JSON array"),
    ],
)
def test_a_json_column_that_does_not_hold_a_json_array_rejects_the_row_naming_the_column(
    column: str, cell: str, message: str
) -> None:
    cells = booking_cells(**{column: cell})
    if column == "charges":
        cells.update(charge_statute="", charge_description="", charge_severity="", charge_ncic_code="")

    with pytest.raises(RowNotConvertible) as refused:
        event_from_cells(cells)

    (error,) = refused.value.errors
    assert error.field == column
    assert error.message.startswith(message)
    assert "PEPE" not in error.message  # the cell's text is never echoed


def test_values_are_sent_as_written_so_the_api_judges_them() -> None:
    event, _ = event_from_cells(booking_cells(date_of_birth="17/04/1990", type="arrest", sex="male"))

    assert (event["type"], event["person"]["date_of_birth"], event["person"]["sex"]) == ("arrest", "17/04/1990", "male")


@pytest.mark.parametrize(
    ("pointer", "charge_from_columns", "column"),
    [
        ("#/occurred_at", True, "occurred_at"),
        ("#/type", True, "type"),
        ("#/to_facility_ori", True, "to_facility_ori"),
        ("#/person", True, "person"),
        ("#/person/date_of_birth", True, "date_of_birth"),
        ("#/person/state_id", True, "state_id"),
        ("#/person/state_id/number", True, "state_id"),
        ("#/person/state_id/state", True, "state_id_state"),
        ("#/person/aliases/0/date_of_birth", True, "aliases#/0/date_of_birth"),
        ("#/charges/0/severity", True, "charge_severity"),
        ("#/charges/0/ncic_code", True, "charge_ncic_code"),
        ("#/charges/1/severity", False, "charges#/1/severity"),
        ("#/charges", False, "charges"),
        ("#", True, "row"),
        ("#/unheard_of", True, "#/unheard_of"),
    ],
)
def test_the_apis_pointer_is_reported_as_the_column_it_came_from(
    pointer: str, charge_from_columns: bool, column: str
) -> None:
    assert column_of_pointer(pointer, charge_from_columns=charge_from_columns) == column


def test_rows_are_numbered_by_the_line_they_start_on_even_after_a_quoted_line_break() -> None:
    rows = read(
        'event_id,type,charges\r\nevt-1,release_cancelled,\r\nevt-2,booking_updated,"[\n{}\n]"\r\n\r\nevt-3,release,\r\n'
    )

    assert [(row.line, row.event_id) for row in rows] == [(2, "evt-1"), (3, "evt-2"), (7, "evt-3")]
    assert json.loads(rows[1].event_json) == {"event_id": "evt-2", "type": "booking_updated", "charges": [{}]}


def test_header_names_are_matched_whatever_their_case_and_a_spreadsheets_bom_is_ignored() -> None:
    (row,) = read("\ufeffEvent_ID, Type \nevt-1,release_cancelled\n")

    assert json.loads(row.event_json) == {"event_id": "evt-1", "type": "release_cancelled"}


def test_a_row_with_more_or_fewer_cells_than_the_header_is_rejected_unsent() -> None:
    rows = read("event_id,type,facility_ori\nevt-1,release,CA0194200,extra\nevt-2,release\n")

    assert [row.event_json for row in rows] == [None, None]
    assert [row.unreadable for row in rows] == [
        (FieldError("row", "has 4 cells; the header has 3"),),
        (FieldError("row", "has 2 cells; the header has 3"),),
    ]
    assert [row.event_id for row in rows] == ["evt-1", "evt-2"]


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("event_id,type,dob\n", "unknown column(s) 'dob'"),
        ("event_id,type,event_id\n", "column(s) named twice: event_id"),
    ],
)
def test_a_header_naming_an_unknown_or_repeated_column_makes_the_file_unusable(header: str, complaint: str) -> None:
    with pytest.raises(UnusableFile, match=re.escape(complaint)):
        read(header + "evt-1,booking,x\n")


def test_a_row_that_is_not_utf8_is_rejected_alone_naming_its_line_and_the_others_go_on() -> None:
    latin1 = b'event_id,last_name\nevt-1,GARCIA\nevt-2,M\xfcller\nevt-3,"LOPEZ\nPEREZ"\nevt-4,KIM\n'

    rows = list(CsvFormat().read_rows(io.BytesIO(latin1)))

    assert [(row.line, row.event_json is not None) for row in rows] == [(2, True), (3, False), (4, True), (6, True)]
    (reason,) = rows[1].unreadable
    assert reason.field == "row"
    assert reason.message.startswith("line 3 is not UTF-8 (byte 8 of the line)")
    assert "ller" not in reason.message  # never the value


def test_a_header_that_is_not_utf8_makes_the_file_unusable_naming_it() -> None:
    with pytest.raises(UnusableFile, match="the header: line 1 is not UTF-8"):
        list(CsvFormat().read_rows(io.BytesIO(b"event_id,l\xe4st_name\nevt-1,GARCIA\n")))


def test_the_rejects_file_keeps_the_rows_as_written_and_can_be_read_back_as_events(tmp_path: Path) -> None:
    csv_format = CsvFormat()
    rows = list(csv_format.read_rows(io.BytesIO(b"event_id,type,release_reason\nevt-1,release,escaped\n")))
    rejects = tmp_path / "rejects.csv"

    csv_format.write_rejects(rejects, [RejectedRow(rows[0], (FieldError("release_reason", "is not a reason"),))])

    assert rejects.read_text().splitlines() == [
        "rejected_line,rejected_reason,event_id,type,release_reason",
        "2,release_reason: is not a reason,evt-1,release,escaped",
    ]
    with rejects.open("rb") as sent_again:
        (again,) = CsvFormat().read_rows(sent_again)
    assert json.loads(again.event_json) == {"event_id": "evt-1", "type": "release", "release_reason": "escaped"}


def test_a_short_rows_line_and_reason_stay_in_their_own_columns_in_the_rejects_file(tmp_path: Path) -> None:
    csv_format = CsvFormat()
    (short,) = csv_format.read_rows(io.BytesIO(b"event_id,type,release_reason\nevt-1,release\n"))
    rejects = tmp_path / "rejects.csv"

    csv_format.write_rejects(rejects, [RejectedRow(short, short.unreadable)])

    with rejects.open(newline="") as written:
        (row,) = csv.DictReader(written)
    assert row["rejected_line"] == "2"
    assert row["rejected_reason"] == "row: has 2 cells; the header has 3"
    assert (row["event_id"], row["type"]) == ("evt-1", "release")


def test_the_documented_sample_holds_every_column_and_every_event_type() -> None:
    csv_format = CsvFormat()
    with SAMPLE_CSV.open("rb") as sample:
        rows = list(csv_format.read_rows(sample))

    assert set(csv_format.header) >= set(CSV_COLUMNS) - {"aliases"}
    assert all(row.event_json is not None for row in rows)
    events = [custody_event_adapter.validate_json(row.event_json) for row in rows if row.event_json]
    assert {event.type for event in events} == set(samples.EVENT_BUILDERS)
