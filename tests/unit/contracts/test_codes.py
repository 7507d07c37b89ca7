"""The code lists the contracts validate against, checked against their sources."""

from __future__ import annotations

import pycountry

from contracts.codes import ISO_3166_1_ALPHA_2, US_STATE_CODES


def test_country_codes_are_exactly_the_iso_3166_1_alpha_2_codes_of_pycountry() -> None:
    official = {country.alpha_2 for country in pycountry.countries}

    assert set(ISO_3166_1_ALPHA_2) == official, {
        "missing": sorted(official - ISO_3166_1_ALPHA_2),
        "not official": sorted(ISO_3166_1_ALPHA_2 - official),
    }


def test_state_codes_are_the_50_states_dc_and_the_inhabited_territories() -> None:
    subdivisions = {
        subdivision.code.removeprefix("US-") for subdivision in pycountry.subdivisions.get(country_code="US")
    }
    territories = {"AS", "GU", "MP", "PR", "VI"}
    states = subdivisions - territories - {"DC", "UM"}

    assert len(states) == 50
    assert set(US_STATE_CODES) == states | territories | {"DC"}
