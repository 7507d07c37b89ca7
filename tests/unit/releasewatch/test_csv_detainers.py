"""A detainer CSV row as the lodge request's JSON, and the API's pointers back to the columns they came from."""

from __future__ import annotations

import pytest

from releasewatch.file_import.detainer_csv import detainer_column_of_pointer, detainer_from_cells


def test_a_row_becomes_the_lodge_request_with_its_person_and_warrant_and_empty_cells_absent() -> None:
    detainer, charge_from_columns = detainer_from_cells(
        {
            "detainer_id": "LOS-1",
            "form": "I-247A",
            "field_office": "LOS",
            "lodged_with_ori": " ",
            "issued_at": "2026-11-01T10:00:00-07:00",
            "last_name": "GARCIA",
            "state_id": "A1",
            "state_id_state": "CA",
            "aliases": '[{"last_name": "G"}]',
            "judicial_warrant_court": "A court",
            "judicial_warrant_reference": "2:26",
        }
    )

    assert detainer == {
        "detainer_id": "LOS-1",
        "form": "I-247A",
        "field_office": "LOS",
        "issued_at": "2026-11-01T10:00:00-07:00",
        "person": {"last_name": "GARCIA", "state_id": {"number": "A1", "state": "CA"}, "aliases": [{"last_name": "G"}]},
        "judicial_warrant": {"court": "A court", "reference": "2:26"},
    }
    assert charge_from_columns is False


def test_an_aliases_cell_that_is_not_a_json_array_is_sent_as_written_for_the_api_to_warn_on() -> None:
    detainer, _ = detainer_from_cells({"detainer_id": "LOS-1", "last_name": "G", "aliases": '{"last_name": "G"}'})

    assert detainer["person"]["aliases"] == '{"last_name": "G"}'


@pytest.mark.parametrize(
    ("pointer", "column"),
    [
        ("#", "row"),
        ("#/detainer_id", "detainer_id"),
        ("#/person", "person"),
        ("#/person/date_of_birth", "date_of_birth"),
        ("#/person/state_id/state", "state_id_state"),
        ("#/person/aliases/0/last_name", "aliases#/0/last_name"),
        ("#/judicial_warrant", "judicial_warrant"),
        ("#/judicial_warrant/reference", "judicial_warrant_reference"),
        ("#/nothing_here", "#/nothing_here"),
    ],
)
def test_a_pointer_into_the_detainer_names_its_column(pointer: str, column: str) -> None:
    assert detainer_column_of_pointer(pointer) == column
