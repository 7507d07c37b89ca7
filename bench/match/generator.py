"""Synthetic detainers and bookings with what FEBRL lacks: sex, two surnames, Spanish nicknames,
transliteration, accents, day/month swaps, given/surname swaps, relatives who look alike, and
people booked in another state under that state's id, the first surname in the middle name field.

Every person is made up; the truth (who is whom) is known. The detainer is a
light-noise view of a person (accents written, sometimes an alias, sometimes
without a number the person has); the booking a heavier-noise view, with the
errors booking clerks make (two surnames used in either order or one
dropped, nicknames, transliterations, day and month swapped, numbers keyed
wrong) at the rates below. People with no detainer include hard look-alikes
of subjects: twins (same surnames and date of birth), siblings, a father and
son of one name, namesakes born in another year.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from importlib.resources import files
from itertools import accumulate
from typing import TypeVar

from bench.match.rows import Dataset, Row

__all__ = ["synthetic_dataset"]

SEED = 20261122
DETAINERS = 20_000
# Enough bookings of people with no detainer to tell 0.01 false matches per 1,000 of them from 0.1
# (200,000 in each half): what precision at the field's mix turns on.
OTHER_BOOKINGS = 400_000
LOOK_ALIKES = 0.04  # share of bookings of people with no detainer who are a subject's relative or namesake
STATES = ("CA", "TX", "AZ", "NY", "FL")
NAME_SKEW = 0.6  # Zipf exponent of name frequencies: GARCIA is ~6% of Spanish surnames here, JOSE ~8% of men

# Per booking of a subject: how often each error is made.
RATES = {
    "drop_second_surname": 0.25,
    "reorder_surnames": 0.03,
    "hyphenate_surnames": 0.05,
    "nickname": 0.12,
    "respell": 0.10,
    "typo_given": 0.05,
    "typo_surname": 0.05,
    "swap_day_month": 0.06,
    "typo_birth": 0.04,
    "swap_given_surname": 0.03,
    "drop_middle": 0.40,
    "goes_by_middle": 0.03,
    "sex_unknown": 0.03,
    "no_place_of_birth": 0.30,
    "surname_in_middle": 0.05,  # of two surnames, the first written in the middle name field
    "other_state_id": 0.15,  # booked in another state, with that state's id (when not with their own)
    "initial_given": 0.01,  # the given name written as its initial
    "typo_identifier": 0.02,  # one number the booking carries keyed one keystroke off
}

# Per detainer: how often the office does not have a number the person holds (a detainer is lodged
# from the office's own file, which has the A-number far more often than a state's id).
DETAINER_LACKS = {"a_number": 0.05, "fbi_number": 0.15, "state_id": 0.3}


def _words(text: str) -> list[str]:
    return text.split()


_HISPANIC_SURNAMES = [
    *_words("""GARCIA RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES RIVERA
GOMEZ DIAZ CRUZ MORALES REYES GUTIERREZ ORTIZ RAMOS CHAVEZ JIMENEZ RUIZ ALVAREZ MENDOZA CASTILLO VASQUEZ ROMERO
HERRERA MEDINA AGUILAR VARGAS GUZMAN MENDEZ MUNOZ SALAZAR GARZA SOTO VAZQUEZ ALVARADO DELGADO PENA CONTRERAS
SANDOVAL GUERRERO RIOS ESTRADA ORTEGA NUNEZ MALDONADO DOMINGUEZ VEGA ESPINOZA ROJAS MARQUEZ PADILLA MEJIA JUAREZ
FIGUEROA AVILA MOLINA CAMPOS AYALA CARRILLO CABRERA LARA ROBLES CERVANTES SOLIS SALINAS FUENTES VELASQUEZ AGUIRRE
OCHOA CARDENAS CALDERON RIVAS SERRANO ROSALES CASTRO IBARRA NAVARRO ACOSTA VILLANUEVA TREJO PACHECO ZAMORA BARRERA
VALENCIA QUINTERO BELTRAN ARELLANO ZUNIGA GALLEGOS ESCOBAR VELAZQUEZ BAUTISTA TAPIA MORENO LUNA SILVA ROSARIO
ANGULO BARAJAS CORONA DURAN OROZCO VILLALOBOS HUERTA LEYVA OLIVARES"""),
    "DE LA CRUZ",
    "DE LEON",
    "DEL RIO",
    "DE LOS SANTOS",
    "DE LA ROSA",
]
_OTHER_SURNAMES = _words("""SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON ANDERSON TAYLOR THOMAS MOORE JACKSON
MARTIN LEE THOMPSON WHITE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT HILL GREEN ADAMS NELSON
BAKER HALL CAMPBELL MITCHELL CARTER ROBERTS PHILLIPS EVANS TURNER PARKER COLLINS EDWARDS STEWART MORRIS MURPHY COOK
ROGERS MORGAN COOPER PETERSON REED BAILEY BELL KELLY HOWARD WARD COX RICHARDSON WOOD WATSON BROOKS BENNETT GRAY
NGUYEN TRAN PHAM KIM PARK CHEN WANG ALI KHAN MOHAMMED IVANOV YUSUF OBRIEN""")
_MALE = _words("""JOSE JUAN LUIS CARLOS JESUS MIGUEL FRANCISCO ANTONIO JORGE PEDRO MANUEL RICARDO FERNANDO JAVIER
ALEJANDRO RAFAEL ROBERTO EDUARDO SERGIO MARIO RAUL DANIEL OSCAR VICTOR HECTOR ARMANDO ENRIQUE GUILLERMO IGNACIO
ALFONSO RAMON SALVADOR GERARDO ARTURO ALBERTO ERNESTO JULIO ANDRES DAVID FELIPE SANTIAGO VICENTE RODOLFO GONZALO
JAMES JOHN ROBERT MICHAEL WILLIAM RICHARD JOSEPH THOMAS CHARLES CHRISTOPHER MATTHEW ANTHONY DONALD MARK PAUL
STEVEN ANDREW KENNETH KEVIN BRIAN GEORGE EDWARD""")
_FEMALE = _words("""MARIA GUADALUPE ROSA ANA JUANA MARTHA LAURA PATRICIA ELIZABETH VERONICA CARMEN ALEJANDRA LETICIA
GABRIELA SILVIA TERESA DOLORES ROSARIO CONCEPCION ISABEL FRANCISCA JOSEFA MERCEDES CONSUELO GRACIELA ADRIANA CLAUDIA
YESENIA ARELY MARY JENNIFER LINDA BARBARA SUSAN JESSICA SARAH KAREN NANCY LISA BETTY MARGARET SANDRA ASHLEY
KIMBERLY EMILY DONNA MICHELLE""")
_COUNTRIES = ["MX"] * 50 + ["GT"] * 12 + ["HN"] * 10 + ["SV"] * 8 + ["US"] * 8 + ["CU", "DO", "CO", "VN", "CN", "IN"]
_ACCENTED = {
    "JOSE": "JOSÉ", "JESUS": "JESÚS", "RAMON": "RAMÓN", "MARTINEZ": "MARTÍNEZ", "HERNANDEZ": "HERNÁNDEZ",
    "LOPEZ": "LÓPEZ", "GONZALEZ": "GONZÁLEZ", "PEREZ": "PÉREZ", "SANCHEZ": "SÁNCHEZ", "RAMIREZ": "RAMÍREZ",
    "GOMEZ": "GÓMEZ", "DIAZ": "DÍAZ", "JIMENEZ": "JIMÉNEZ", "ALVAREZ": "ÁLVAREZ", "MUNOZ": "MUÑOZ",
    "NUNEZ": "NÚÑEZ", "PENA": "PEÑA", "MARQUEZ": "MÁRQUEZ", "MEJIA": "MEJÍA", "JUAREZ": "JUÁREZ",
    "RODRIGUEZ": "RODRÍGUEZ", "VAZQUEZ": "VÁZQUEZ", "DOMINGUEZ": "DOMÍNGUEZ", "CARDENAS": "CÁRDENAS",
    "CALDERON": "CALDERÓN", "MARIA": "MARÍA", "RAUL": "RAÚL", "HECTOR": "HÉCTOR", "OSCAR": "ÓSCAR",
    "VICTOR": "VÍCTOR", "ANDRES": "ANDRÉS", "CONCEPCION": "CONCEPCIÓN", "VERONICA": "VERÓNICA", "NGUYEN": "NGUYỄN",
    "BELTRAN": "BELTRÁN", "DURAN": "DURÁN", "ZUNIGA": "ZÚÑIGA", "VELAZQUEZ": "VELÁZQUEZ", "VELASQUEZ": "VELÁSQUEZ",
}  # fmt: skip
_TRANSLITERATIONS = {
    "MOHAMMED": ["MUHAMMAD", "MOHAMED", "MOHAMMAD"],
    "IVANOV": ["IVANOFF"],
    "YUSUF": ["YOUSEF", "YOUSSEF"],
    "NGUYEN": ["NGUEN", "NGUYN"],
    "CHEN": ["CHAN"],
}


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    """Cumulative Zipf weights (``random.choices`` draws the same with them, without re-adding each time)."""
    return list(accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


def _short_forms() -> dict[str, list[str]]:
    forms: dict[str, list[str]] = {}
    data = files("notifier.matching") / "data"
    for name in ("given_names_en.json", "given_names_es.json"):
        for formal, shorts in json.loads((data / name).read_text(encoding="utf-8"))["short_forms"].items():
            forms.setdefault(formal, []).extend(shorts)
    return forms


_Number = TypeVar("_Number", str, tuple[str, str])


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.issued: set[object] = set()  # every number issued so far
        self.short_forms = _short_forms()
        self.hispanic_weights = _zipf_weights(len(_HISPANIC_SURNAMES), NAME_SKEW)
        self.other_weights = _zipf_weights(len(_OTHER_SURNAMES), NAME_SKEW)
        self.male_weights = _zipf_weights(len(_MALE), NAME_SKEW)
        self.female_weights = _zipf_weights(len(_FEMALE), NAME_SKEW)

    def surname(self, hispanic: bool) -> str:
        if hispanic:
            return self.rng.choices(_HISPANIC_SURNAMES, cum_weights=self.hispanic_weights)[0]
        return self.rng.choices(_OTHER_SURNAMES, cum_weights=self.other_weights)[0]

    def given(self, sex: str) -> str:
        names, weights = (_MALE, self.male_weights) if sex == "M" else (_FEMALE, self.female_weights)
        return self.rng.choices(names, cum_weights=weights)[0]

    def birth(self) -> date:
        return date(1950, 1, 1) + timedelta(days=self.rng.randrange(56 * 365))

    def identifiers(self, index: int) -> dict[str, object]:
        """The numbers a person holds, each issued to them alone (two people share one only when a
        clerk keys it wrong, which ``_Errors`` does on purpose)."""
        rng = self.rng
        return {
            "a_number": self._unique(lambda: f"A{rng.randrange(10_000_000, 999_999_999):09d}")
            if rng.random() < 0.8
            else None,
            "fbi_number": self._unique(
                lambda: (
                    f"{rng.randrange(100_000, 999_999)}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}"
                    f"{rng.randrange(10)}"
                )
            )
            if rng.random() < 0.6
            else None,
            "state_id": self._unique(lambda: (rng.choice(STATES), f"{rng.randrange(10**6, 10**8)}"))
            if rng.random() < 0.5
            else None,
        }

    def _unique(self, draw: Callable[[], _Number]) -> _Number:
        number = draw()
        while number in self.issued:
            number = draw()
        self.issued.add(number)
        return number

    def person(self, index: int, prefix: str) -> Row:
        rng = self.rng
        sex = rng.choice("MF")
        hispanic = rng.random() < 0.75
        surnames = [self.surname(hispanic)]
        if hispanic:
            surnames.append(self.surname(True))
        middle = self.given(sex) if rng.random() < 0.45 else None
        if middle is not None and middle == (first := self.given(sex)):
            middle = None
        else:
            first = self.given(sex) if middle is None else first
        return Row(
            record_id=f"{prefix}{index}",
            person_id=f"{prefix}{index}",
            first_name=first,
            middle_name=middle,
            last_name=" ".join(surnames),
            date_of_birth=self.birth(),
            sex=sex,
            place_of_birth=rng.choice(_COUNTRIES) if hispanic else rng.choice(["US", "US", "VN", "CN", "IN", "PK"]),
            **self.identifiers(index),  # type: ignore[arg-type]
        )


# --- errors ------------------------------------------------------------------------------


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    position = rng.randrange(1, len(word))
    kind = rng.choice(["substitute", "delete", "insert", "transpose"])
    letter = rng.choice(string.ascii_uppercase)
    if kind == "substitute":
        return word[:position] + letter + word[position + 1 :]
    if kind == "delete":
        return word[:position] + word[position + 1 :]
    if kind == "insert":
        return word[:position] + letter + word[position:]
    if position == len(word) - 1:
        position -= 1
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def _respell(rng: random.Random, word: str) -> str:
    if word in _TRANSLITERATIONS:
        return rng.choice(_TRANSLITERATIONS[word])
    options = []
    if word.startswith("J"):
        options.append("X" + word[1:])  # JIMENEZ, XIMENEZ
    if word.startswith(("GE", "GI")):
        options.append("J" + word[1:])
    if word.startswith("H") and len(word) > 1 and word[1] in "AEIOU":
        options.append(word[1:])
    if "Z" in word:
        options.append(word.replace("Z", "S"))
    if "S" in word[1:]:
        options.append(word[0] + word[1:].replace("S", "Z", 1))
    if "V" in word:
        options.append(word.replace("V", "B"))
    if "B" in word:
        options.append(word.replace("B", "V", 1))
    if word.endswith("Y"):
        options.append(word[:-1] + "I")
    return rng.choice(options) if options else word


def _accented(rng: random.Random, text: str | None, chance: float) -> str | None:
    if text is None:
        return None
    return " ".join(_ACCENTED.get(word, word) if rng.random() < chance else word for word in text.split())


def _swap_day_month(day: date) -> date:
    return date(day.year, day.day, day.month) if day.day <= 12 else day


def _birth_typo(rng: random.Random, day: date) -> date:
    for _ in range(10):
        try:
            if rng.random() < 0.5:
                digits = list(f"{day.year:04d}")
                position = rng.choice([2, 3])
                digits[position] = str(rng.randrange(10))
                typed = day.replace(year=int("".join(digits)))
            else:
                typed = day.replace(day=min(28, max(1, day.day + rng.choice([-10, -1, 1, 10]))))
        except ValueError:
            continue
        if date(1900, 1, 1) <= typed <= date(2008, 12, 31):  # a form refuses a birth date in the future
            return typed
    return day


class _Errors:
    def __init__(self, rng: random.Random, short_forms: dict[str, list[str]]) -> None:
        self.rng = rng
        self.short_forms = short_forms

    def happens(self, error: str) -> bool:
        return self.rng.random() < RATES[error]

    def booking_of(self, person: Row, record_id: str) -> Row:
        rng = self.rng
        surnames = (person.last_name or "").split(" ") if person.last_name else []
        if person.last_name and person.last_name.startswith("DE"):
            surnames = [person.last_name]  # DE LA CRUZ stays one surname here
        first, middle = person.first_name or "", person.middle_name
        if len(surnames) == 2 and self.happens("drop_second_surname"):
            surnames = surnames[:1]
        elif len(surnames) == 2 and self.happens("reorder_surnames"):
            surnames = surnames[::-1]
        if self.happens("typo_surname"):
            surnames[0] = _typo(rng, surnames[0])
        elif self.happens("respell"):
            index = rng.randrange(len(surnames))
            surnames[index] = _respell(rng, surnames[index])
        if middle and self.happens("goes_by_middle"):
            first, middle = middle, None
        elif self.happens("nickname") and self.short_forms.get(first):
            first = rng.choice(self.short_forms[first])
        elif self.happens("typo_given"):
            first = _typo(rng, first)
        elif self.happens("initial_given"):
            first = first[:1]
        elif self.happens("respell"):
            first = _respell(rng, first)
        if middle and self.happens("drop_middle"):
            middle = None
        if len(surnames) == 2 and self.happens("surname_in_middle"):
            middle, surnames = surnames[0], surnames[1:]  # first / middle / last fields: JOSE / GARCIA / LOPEZ
        last = ("-" if len(surnames) == 2 and self.happens("hyphenate_surnames") else " ").join(surnames)
        birth = person.date_of_birth
        if birth is not None and self.happens("swap_day_month"):
            birth = _swap_day_month(birth)
        elif birth is not None and self.happens("typo_birth"):
            birth = _birth_typo(rng, birth)
        if self.happens("swap_given_surname"):
            first, last = last, first
        booked = replace(
            person,
            record_id=record_id,
            first_name=_accented(rng, first, 0.1),
            middle_name=middle,
            last_name=_accented(rng, last, 0.1),
            date_of_birth=birth,
            sex=None if self.happens("sex_unknown") else person.sex,
            place_of_birth=None if self.happens("no_place_of_birth") else person.place_of_birth,
            a_number=person.a_number if rng.random() < 0.35 else None,
            fbi_number=person.fbi_number if rng.random() < 0.5 else None,
            state_id=self._state_id(person),
        )
        return self._number_keyed_wrong(booked) if self.happens("typo_identifier") else booked

    def _number_keyed_wrong(self, booked: Row) -> Row:
        """One of the numbers the booking carries with one digit keyed wrong."""
        rng = self.rng
        carried = [name for name in ("a_number", "fbi_number") if getattr(booked, name)]
        if not carried:
            return booked
        name = rng.choice(carried)
        number: str = getattr(booked, name)
        digits = [index for index, character in enumerate(number) if character.isdigit()]
        position = rng.choice(digits)
        wrong = rng.choice([digit for digit in string.digits if digit != number[position]])
        return replace(booked, **{name: number[:position] + wrong + number[position + 1 :]})

    def _state_id(self, person: Row) -> tuple[str, str] | None:
        """The person's own state id, another state's, or none."""
        rng = self.rng
        if rng.random() < 0.4:
            return person.state_id
        if not self.happens("other_state_id"):
            return None
        own_state = person.state_id[0] if person.state_id else None
        state = rng.choice([state for state in STATES if state != own_state])
        return state, f"{rng.randrange(10**6, 10**8)}"

    def detainer_of(self, person: Row, record_id: str) -> Row:
        rng = self.rng
        aliases = ()
        if rng.random() < 0.1 and person.last_name:
            surnames = person.last_name.split(" ")
            aliases = ((person.first_name, None, surnames[0], None),)  # known by the first surname alone
        lacks = {name: None for name, chance in DETAINER_LACKS.items() if rng.random() < chance}
        return replace(
            person,
            record_id=record_id,
            first_name=_accented(rng, person.first_name, 0.5),
            last_name=_accented(rng, person.last_name, 0.5),
            aliases=aliases,
            **lacks,  # type: ignore[arg-type]
        )


def _look_alike(rng: random.Random, people: _People, subject: Row, index: int) -> Row:
    """Someone with no detainer who resembles a subject: a twin, sibling, father or namesake."""
    kind = rng.random()
    person = people.person(index, "other-")
    if kind < 0.3:  # a twin: same surnames and date of birth, another given name
        first = subject.first_name
        while first == subject.first_name:
            first = people.given(person.sex or "M")
        return replace(person, last_name=subject.last_name, date_of_birth=subject.date_of_birth, first_name=first)
    if kind < 0.6 and subject.date_of_birth is not None:  # a sibling a few years apart
        birth = subject.date_of_birth + timedelta(days=rng.choice([-1, 1]) * rng.randrange(400, 4000))
        return replace(person, last_name=subject.last_name, date_of_birth=birth)
    if kind < 0.8 and subject.date_of_birth is not None:  # father and son of one name (JR)
        birth = subject.date_of_birth - timedelta(days=rng.randrange(18 * 365, 35 * 365))
        return replace(
            person, first_name=subject.first_name, last_name=subject.last_name, sex=subject.sex, date_of_birth=birth
        )
    if subject.date_of_birth is not None:  # the same name born in another year, same day
        year = subject.date_of_birth.year + rng.choice([-1, 1]) * rng.randrange(1, 6)
        birth = subject.date_of_birth.replace(year=year, day=min(subject.date_of_birth.day, 28))
        return replace(
            person,
            first_name=subject.first_name,
            middle_name=subject.middle_name,
            last_name=subject.last_name,
            sex=subject.sex,
            date_of_birth=birth,
        )
    return person


def synthetic_dataset(detainers: int = DETAINERS, other_bookings: int = OTHER_BOOKINGS, seed: int = SEED) -> Dataset:
    rng = random.Random(seed)
    people = _People(rng)
    errors = _Errors(rng, people.short_forms)
    subjects = [people.person(index, "subject-") for index in range(detainers)]
    detainer_rows = [errors.detainer_of(subject, f"D-{subject.person_id}") for subject in subjects]
    bookings = [errors.booking_of(subject, f"B-{subject.person_id}") for subject in subjects]
    for index in range(other_bookings):
        if rng.random() < LOOK_ALIKES:
            other = _look_alike(rng, people, rng.choice(subjects), index)
        else:
            other = people.person(index, "other-")
        bookings.append(errors.booking_of(other, f"B-{other.person_id}"))
    return Dataset("synthetic (Spanish and English names)", detainer_rows, bookings)
