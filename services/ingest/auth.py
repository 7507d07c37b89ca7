"""Who is calling, and what they may see.

Every caller presents an API key (``Authorization: Bearer <key>``). Keys are
configured as SHA-256 digests, never in clear, each with a role:

- ``source``: a jail's booking system; submits custody events, only for the
  facilities listed for it (any facility when the list is empty);
- ``field_office``: one office's duty officers; lodge, lift and read only
  that office's detainers, read only that office's alerts;
- ``operator``: reads everything.

``RW_AUTH=off`` (local development only: `make run` sets it and says so)
treats every caller as an operator.

A browser cannot set that header on a page it navigates to, nor on an
``EventSource``, so the office page and what it uses (the live feed,
acknowledging) also take the key from the ``rw_api_key`` cookie the page's
sign-in sets: ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other
site's page sends it) and ``Secure`` over HTTPS. A request it authenticates
that changes something must also carry ``X-Requested-With: releasewatch``,
which a page of another origin cannot send (no CORS is allowed): a second
guard against cross-site requests. The key never goes in a URL, where logs,
history and referrers would keep it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from contracts.fields import FieldOffice, Ori
from ingest.problems import FieldError, Problem

__all__ = [
    "BROWSER_HEADER",
    "KEY_COOKIE",
    "ApiKeyEntry",
    "ApiKeys",
    "Principal",
    "Role",
    "authenticated",
    "authenticated_in_browser",
    "digest_of",
    "new_api_key",
    "office_to_list",
    "require_role",
]

log = logging.getLogger(__name__)

KEY_COOKIE = "rw_api_key"
"""The cookie the office page's sign-in sets (the key itself: it is checked like the header)."""

BROWSER_HEADER = ("x-requested-with", "releasewatch")
"""What the office page's script sends with a change it makes on the strength of the cookie."""

_SAFE_METHODS = frozenset({"GET", "HEAD"})


class Role(StrEnum):
    SOURCE = "source"
    FIELD_OFFICE = "field_office"
    OPERATOR = "operator"


class ApiKeyEntry(BaseModel):
    """One configured key: who holds it and what it may do (the key itself is only a digest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="Who holds the key, for audit and logs.")
    role: Role
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    field_office: FieldOffice | None = None
    facilities: tuple[Ori, ...] = ()

    @model_validator(mode="after")
    def _office_for_office_keys(self) -> ApiKeyEntry:
        if (self.role is Role.FIELD_OFFICE) != (self.field_office is not None):
            raise ValueError("field_office is required for, and only for, the field_office role")
        if self.facilities and self.role is not Role.SOURCE:
            raise ValueError("facilities apply to the source role only")
        return self


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    field_office: str | None = None
    facilities: frozenset[str] = field(default_factory=frozenset)

    def may_submit_for(self, facility_ori: str) -> bool:
        if self.role is Role.OPERATOR:
            return True
        return self.role is Role.SOURCE and (not self.facilities or facility_ori in self.facilities)

    def office_scope(self) -> str | None:
        """The only office this caller may see, or None for every office."""
        return self.field_office if self.role is Role.FIELD_OFFICE else None


DEVELOPMENT_PRINCIPAL = Principal(name="development (RW_AUTH=off)", role=Role.OPERATOR)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    """A fresh key: 256 random bits, URL-safe."""
    return "rwk_" + secrets.token_urlsafe(32)


_entries: TypeAdapter[list[ApiKeyEntry]] = TypeAdapter(list[ApiKeyEntry])


class ApiKeys:
    def __init__(self, entries: list[ApiKeyEntry], *, required: bool) -> None:
        self.required = required
        self._by_digest = {
            entry.key_sha256: Principal(
                name=entry.name,
                role=entry.role,
                field_office=entry.field_office,
                facilities=frozenset(entry.facilities),
            )
            for entry in entries
        }

    def __len__(self) -> int:
        return len(self._by_digest)

    @classmethod
    def configured(cls, *, auth: str, api_keys: str | None, api_keys_file: Path | None) -> ApiKeys:
        entries: list[ApiKeyEntry] = []
        if api_keys:
            entries += _entries.validate_python(json.loads(api_keys))
        if api_keys_file is not None:
            entries += _entries.validate_json(api_keys_file.read_bytes())
        keys = cls(entries, required=auth != "off")
        if not keys.required:
            log.warning("authentication is OFF: every caller is an operator; never run like this in production")
        elif not entries:
            log.error("authentication is required but no API key is configured: every call will be refused")
        return keys

    def principal_for(self, key: str) -> Principal | None:
        return self._by_digest.get(digest_of(key))


def _unauthenticated(detail: str) -> Problem:
    return Problem("unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="releasewatch"'})


async def authenticated(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer <key>``; 401 problem when absent or unknown."""
    keys: ApiKeys = request.app.state.api_keys
    if not keys.required:
        return DEVELOPMENT_PRINCIPAL
    return _principal_of(keys, _bearer_key(request))


async def authenticated_in_browser(request: Request) -> Principal:
    """The caller, from the header or else the office page's cookie (see the module's docstring)."""
    keys: ApiKeys = request.app.state.api_keys
    if not keys.required:
        return DEVELOPMENT_PRINCIPAL
    if "authorization" in request.headers:
        return _principal_of(keys, _bearer_key(request))
    key = request.cookies.get(KEY_COOKIE, "").strip()
    if not key:
        raise _unauthenticated("Send an API key as `Authorization: Bearer <key>`, or sign in on the office page.")
    principal = _principal_of(keys, key)
    name, value = BROWSER_HEADER
    if request.method not in _SAFE_METHODS and request.headers.get(name) != value:
        raise Problem("forbidden", f"A change made with the office page's cookie needs `{name}: {value}`.")
    return principal


def _bearer_key(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthenticated("Send an API key as `Authorization: Bearer <key>`.")
    return key.strip()


def _principal_of(keys: ApiKeys, key: str) -> Principal:
    principal = keys.principal_for(key)
    if principal is None:
        raise _unauthenticated("This API key is not known.")
    return principal


def require_role(*roles: Role, browser: bool = False) -> Any:
    """A dependency admitting only ``roles`` (operators are always admitted); with ``browser``, the
    office page's cookie is taken as well as the header."""
    admitted = {*roles, Role.OPERATOR}

    def admit(principal: Principal) -> Principal:
        if principal.role not in admitted:
            raise Problem("forbidden", f"The {principal.role.value} role may not do this.")
        return principal

    # Two functions: FastAPI reads each one's annotations by name, so they name module-level callables.
    async def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        return admit(principal)

    async def check_in_browser(principal: Annotated[Principal, Depends(authenticated_in_browser)]) -> Principal:
        return admit(principal)

    return Depends(check_in_browser if browser else check)


def office_to_list(principal: Principal, field_office: str | None) -> str | None:
    """The office a listing is narrowed to: a field office's own, whatever it asked for."""
    forbid_other_office(principal, field_office, pointer="#/query/field_office")
    return principal.office_scope() or field_office


def forbid_other_office(principal: Principal, field_office: str | None, *, pointer: str) -> None:
    """403 when a field office names another office."""
    scope = principal.office_scope()
    if scope is not None and field_office is not None and field_office != scope:
        raise Problem(
            "forbidden",
            f"This key belongs to field office {scope}.",
            errors=[FieldError(pointer, f"must be {scope} for this key")],
        )
