"""Names and dates as the matcher compares them: folded, tokenised, each surname kept apart.

Everything here is a pure function of its input, and idempotent: a folded
name folds to itself, a token's phonetic code is the code of its folded form.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from anyascii import anyascii
from jellyfish import metaphone

from notifier.matching.nicknames import formal_names

__all__ = [
    "PARTICLES",
    "fold",
    "given_tokens",
    "name_tokens",
    "phonetic_code",
    "respell",
    "surname_tokens",
    "token_canon",
]

# Words that join or introduce surnames (and some given names: MARIA DE LOS ANGELES).
# Dropped before comparing: DE LA CRUZ and CRUZ are the same surname on two forms.
PARTICLES = frozenset(
    {
        "DE", "DEL", "LA", "LAS", "LOS", "Y", "E", "I",  # Spanish, Catalan (GARCIA Y LOPEZ, PUIG I FONT)
        "DA", "DAS", "DO", "DOS",  # Portuguese
        "DI", "DU", "LE", "DEGLI", "DELLA",  # Italian, French
        "VAN", "VON", "DER", "DEN", "TER", "TEN", "ZU",  # Dutch, German
        "AL", "EL", "BIN", "BEN", "IBN",  # Arabic transliterations
    }
)  # fmt: skip

_NOT_LETTER = re.compile(r"[^A-Z ]+")
_APOSTROPHES = re.compile(r"['\u2019`\u00b4]")
_SPACES = re.compile(r" +")


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Upper-case ASCII letters and single spaces: accents folded, other scripts transliterated,
    apostrophes joined (O'BRIEN is OBRIEN), hyphens and periods made spaces."""
    ascii_text = anyascii(_APOSTROPHES.sub("", text)).upper()
    return _SPACES.sub(" ", _NOT_LETTER.sub(" ", _APOSTROPHES.sub("", ascii_text))).strip()


def name_tokens(text: str | None) -> tuple[str, ...]:
    """The folded words of a name, particles dropped (unless the name is nothing but particles)."""
    return _name_tokens(text) if text else ()


@lru_cache(maxsize=65_536)  # names repeat: each person's are read again and again
def _name_tokens(text: str) -> tuple[str, ...]:
    # One string object per distinct word: names repeat across a million records.
    words = tuple(sys.intern(word) for word in fold(text).split())
    kept = tuple(word for word in words if word not in PARTICLES)
    return kept or words


def surname_tokens(last_name: str | None) -> tuple[str, ...]:
    """Each surname on its own: GARCIA LOPEZ, GARCIA-LOPEZ and GARCIA Y LOPEZ are (GARCIA, LOPEZ)."""
    return name_tokens(last_name)


def given_tokens(first_name: str | None, middle_name: str | None) -> tuple[str, ...]:
    """Given names in order: the first name's words, then the middle name's."""
    return name_tokens(first_name) + name_tokens(middle_name)


_RESPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^X(?=[AEIOU])"), "J"),  # XIMENEZ, XAVIER: the old spelling of JIMENEZ, JAVIER
    (re.compile(r"G(?=[EI])"), "J"),  # GIMENEZ, JIMENEZ
    (re.compile(r"^H(?=[AEIOU])"), ""),  # the Spanish H is silent: HERNANDEZ, ERNANDEZ
    (re.compile(r"TH"), "T"),  # THOMAS, TOMAS
    (re.compile(r"Z"), "S"),  # VAZQUEZ, VASQUEZ
    (re.compile(r"V"), "B"),  # BASQUEZ, VASQUEZ; BALDEZ, VALDEZ
    (re.compile(r"Y$"), "I"),  # ARELY, ARELI
)


@lru_cache(maxsize=262_144)
def respell(token: str) -> str:
    """A folded token spelled the way a Spanish or English speaker would say it, so spellings that
    sound alike to a booking clerk (Jiménez, Ximénez, Giménez) look alike to the phonetic code."""
    for pattern, replacement in _RESPELLINGS:
        token = pattern.sub(replacement, token)
    return token


@lru_cache(maxsize=262_144)
def phonetic_code(token: str) -> str:
    """Metaphone of the respelled token; the token itself when metaphone has nothing to say."""
    respelled = respell(token)
    return sys.intern(metaphone(respelled) or respelled)


@lru_cache(maxsize=65_536)
def token_canon(token: str) -> frozenset[str]:
    """The token and the formal names it is a nickname or short form of (PEPE: PEPE, JOSE)."""
    return frozenset({token, *formal_names(token)})
