"""Names as the matcher reads them: folded, split into surnames and given names, nicknames, phonetic codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.matching import MatchRecord, fold, phonetic_code
from notifier.matching.nicknames import formal_names
from notifier.matching.normalise import given_tokens, name_tokens, respell, surname_tokens, token_canon


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Jiménez", "JIMENEZ"),
        ("NÚÑEZ", "NUNEZ"),
        ("Muñoz-Peña", "MUNOZ PENA"),
        ("O'Brien", "OBRIEN"),
        ("D’Angelo", "DANGELO"),
        ("St. John", "ST JOHN"),
        ("Nguyễn", "NGUYEN"),
        ("Владимир", "VLADIMIR"),
    ],
)
def test_a_name_folds_accents_case_punctuation_and_other_scripts(written: str, folded: str) -> None:
    assert fold(written) == folded


@pytest.mark.parametrize(
    ("last_name", "surnames"),
    [
        ("GARCIA LOPEZ", ("GARCIA", "LOPEZ")),
        ("GARCIA-LOPEZ", ("GARCIA", "LOPEZ")),
        ("García y López", ("GARCIA", "LOPEZ")),
        ("DE LA CRUZ", ("CRUZ",)),
        ("del Río Pérez", ("RIO", "PEREZ")),
        ("VAN DER BERG", ("BERG",)),
    ],
)
def test_each_surname_is_kept_apart_without_its_particles(last_name: str, surnames: tuple[str, ...]) -> None:
    assert surname_tokens(last_name) == surnames


def test_a_name_made_only_of_particles_is_kept_as_written() -> None:
    assert name_tokens("DE LA") == ("DE", "LA")


def test_given_names_are_the_first_then_the_middle_names() -> None:
    assert given_tokens("María de los Ángeles", "Guadalupe") == ("MARIA", "ANGELES", "GUADALUPE")


def test_a_middle_name_beside_one_surname_is_also_read_as_the_first_surname() -> None:
    record = MatchRecord.of(first_name="José", middle_name="García", last_name="López", date_of_birth=None)

    assert [(form.given, form.surnames) for form in record.forms] == [
        (("JOSE", "GARCIA"), ("LOPEZ",)),
        (("JOSE",), ("GARCIA", "LOPEZ")),
    ]
    assert [record.form_kind(index) for index in range(2)] == [None, "middle_as_surname"]


def test_with_two_surnames_the_middle_name_is_only_a_middle_name() -> None:
    record = MatchRecord.of(first_name="José", middle_name="Luis", last_name="García López", date_of_birth=None)

    assert len(record.forms) == 1


@pytest.mark.parametrize(
    ("nickname", "formal"),
    [
        ("PEPE", "JOSE"),
        ("PACO", "FRANCISCO"),
        ("PANCHO", "FRANCISCO"),
        ("LUPE", "GUADALUPE"),
        ("CHUY", "JESUS"),
        ("NACHO", "IGNACIO"),
        ("LOLA", "DOLORES"),
        ("CHARO", "ROSARIO"),
        ("BILL", "WILLIAM"),
        ("PEGGY", "MARGARET"),
    ],
)
def test_spanish_and_english_short_forms_stand_for_their_formal_name(nickname: str, formal: str) -> None:
    assert formal in formal_names(nickname)
    assert token_canon(nickname) & token_canon(formal)


def test_two_nicknames_of_one_name_share_it() -> None:
    assert "WILLIAM" in token_canon("BILL") & token_canon("BILLY")


def test_a_name_with_no_nickname_stands_for_itself_only() -> None:
    assert token_canon("XOCHITL") == {"XOCHITL"}


@pytest.mark.parametrize("spelling", ["JIMENEZ", "XIMENEZ", "GIMENEZ"])
def test_jimenez_ximenez_and_gimenez_sound_the_same(spelling: str) -> None:
    assert phonetic_code(spelling) == phonetic_code("JIMENEZ")


@pytest.mark.parametrize(
    ("one", "other"),
    [("VASQUEZ", "VAZQUEZ"), ("VALDEZ", "BALDEZ"), ("HERNANDEZ", "ERNANDEZ"), ("THOMAS", "TOMAS"), ("ARELY", "ARELI")],
)
def test_spellings_a_booking_clerk_would_hear_alike_have_one_phonetic_code(one: str, other: str) -> None:
    assert phonetic_code(one) == phonetic_code(other)


@pytest.mark.parametrize(("one", "other"), [("GARCIA", "GARZA"), ("JOSE", "JESUS"), ("LOPEZ", "LOPERA")])
def test_different_names_keep_different_phonetic_codes(one: str, other: str) -> None:
    assert phonetic_code(one) != phonetic_code(other)


NAMES = st.text(
    alphabet=st.characters(categories=["L", "Mn"], max_codepoint=0x4FF) | st.sampled_from(" -'."), max_size=40
)


@settings(deadline=None)  # the first call loads the transliteration tables
@given(NAMES)
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(deadline=None)  # the first call loads the transliteration tables
@given(NAMES)
def test_a_folded_name_has_only_capital_letters_and_single_spaces(text: str) -> None:
    folded = fold(text)
    assert set(folded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ ")
    assert "  " not in folded
    assert folded == folded.strip()


@settings(deadline=None)  # the first call loads the transliteration tables
@given(NAMES)
def test_splitting_a_name_again_changes_nothing(text: str) -> None:
    assert name_tokens(" ".join(name_tokens(text))) == name_tokens(text)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20))
def test_respelling_is_stable_for_the_phonetic_code(token: str) -> None:
    assert phonetic_code(token) == phonetic_code(token)
    assert respell(token)  # never empties a name
