"""The store's Lua scripts, every ``*.lua`` file of this package, in one registry."""

from __future__ import annotations

from runtime.scripts import ScriptRegistry

__all__ = ["SCRIPTS"]

SCRIPTS = ScriptRegistry(__package__ or "store")
