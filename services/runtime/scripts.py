"""Lua scripts: kept as files, found by name in one registry, and called one at a time or many at once.

A ``ScriptRegistry`` holds the scripts of one package (every ``*.lua`` file in it), each read once per process.
``registry.on(client, name)`` gives a ``Script`` for one client: redis-py loads it into Redis on first use and
calls it by digest after that.

Many calls of one script go as fast as the deployment allows (``Script.many``): on a single Redis in one
pipeline of EVALSHA (one round trip; the script is loaded only when Redis answers that it does not have it,
and the calls it refused are sent again, so a pipeline never pays a SCRIPT EXISTS first); redis-py refuses
EVALSHA in a cluster pipeline, so on a cluster the calls run concurrently instead, each routed to the node
owning its keys' slot. Other commands may go in the same round trip (``Script.many_beside``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from redis.asyncio import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from runtime.redis import Command, RedisClient, pipelined

__all__ = ["Script", "ScriptCall", "ScriptRegistry"]

ScriptCall = tuple[Sequence[str], Sequence[str | int | float | bytes]]  # (keys, args)

_CLUSTER_CONCURRENCY = 64  # script calls in flight at once on a cluster
_SUFFIX = ".lua"


class ScriptRegistry:
    """The Lua scripts of ``package``, by name (the file name without ``.lua``)."""

    def __init__(self, package: str) -> None:
        self._package = package
        self._sources: dict[str, str] = {}

    def names(self) -> list[str]:
        """Every script of the package, sorted."""
        return sorted(
            entry.name.removesuffix(_SUFFIX) for entry in files(self._package).iterdir() if entry.name.endswith(_SUFFIX)
        )

    def source(self, name: str) -> str:
        """The script's text (read once); a name without a file is a ``LookupError``."""
        if name not in self._sources:
            script = files(self._package) / f"{name}{_SUFFIX}"
            if not script.is_file():
                raise LookupError(f"no script {name!r} in {self._package}")
            self._sources[name] = script.read_text()
        return self._sources[name]

    def on(self, client: RedisClient, name: str) -> Script:
        """The script ``name``, to call on ``client``."""
        return Script(name, client.register_script(self.source(name)), client)


class Script:
    """One registered script on one client."""

    def __init__(self, name: str, registered: AsyncScript, client: RedisClient) -> None:
        self.name = name
        self._registered = registered
        self._client = client

    async def __call__(self, keys: Sequence[str], args: Sequence[str | int | float | bytes]) -> Any:
        return await self._registered(keys=keys, args=args)

    async def many(self, calls: Sequence[ScriptCall]) -> list[Any]:
        """The replies for each (keys, args), in order."""
        _, replies = await self.many_beside((), calls)
        return replies

    async def many_beside(
        self, commands: Sequence[Command], calls: Sequence[ScriptCall]
    ) -> tuple[list[Any], list[Any]]:
        """The replies to ``commands`` (any but a script call) and to each call of the script, in order: all of them
        in one round trip on a single Redis (where the script has to be loaded, the calls refused go again)."""
        if not commands and not calls:
            return [], []
        if isinstance(self._client, RedisCluster):
            gate = asyncio.Semaphore(_CLUSTER_CONCURRENCY)

            async def call(keys: Sequence[str], args: Sequence[str | int | float | bytes]) -> Any:
                async with gate:
                    return await self._registered(keys=keys, args=args)

            cluster = self._client
            replies = await asyncio.gather(
                *(cluster.execute_command(*command) for command in commands),
                *(call(keys, args) for keys, args in calls),
            )
            return list(replies[: len(commands)]), list(replies[len(commands) :])
        sha = self._registered.sha
        evalsha = [("EVALSHA", sha, len(keys), *keys, *args) for keys, args in calls]
        replies = await pipelined(self._client, [*commands, *evalsha], raise_on_error=False)
        beside, replies = replies[: len(commands)], replies[len(commands) :]
        refused = [index for index, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if refused:  # not loaded yet, or Redis lost its scripts (a restart, SCRIPT FLUSH): none of those ran
            await self._client.script_load(self._registered.script)
            again = await pipelined(self._client, [evalsha[i] for i in refused], raise_on_error=False)
            for index, reply in zip(refused, again, strict=True):
                replies[index] = reply
        for reply in (*beside, *replies):
            if isinstance(reply, Exception):
                raise reply
        return beside, replies
