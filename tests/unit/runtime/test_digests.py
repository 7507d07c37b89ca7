"""The SHA-256 the hot paths use gives hashlib's digests (the booking index's bucket names depend on them)."""

from __future__ import annotations

import hashlib

import pytest

from runtime.digests import sha256


@pytest.mark.parametrize(
    "data", [b"", b"p:GARCIA|LOPEZ1984-12-31", "a_number=A012345678 é".encode(), bytes(range(256)) * 9]
)
def test_the_digests_are_sha256s(data: bytes) -> None:
    assert sha256(data).digest() == hashlib.sha256(data).digest()
    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


def test_it_is_not_the_openssl_constructor_where_cpython_has_its_own() -> None:
    """Where CPython ships its own SHA-256 the hot paths take it: OpenSSL's costs a context a digest."""
    builtin = [name for name in ("_sha2", "_sha256") if _importable(name)]
    if not builtin:
        pytest.skip("this interpreter has no SHA-256 of its own")
    assert sha256 is not hashlib.sha256
    assert type(sha256(b"")).__module__ in {"_sha2", "_sha256"}


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True
