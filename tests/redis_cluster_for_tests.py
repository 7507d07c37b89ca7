"""A throwaway three-node Redis Cluster, built from the same redis-server binary.

Proves the key design holds on a cluster: no command crosses hash tags, and
scripts and pipelines are routed per slot. ``REDIS_CLUSTER_URL`` points the
tests at an existing cluster instead (it is flushed).
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from releasewatch.redis_server import RedisServerProcess

__all__ = ["redis_cluster_for_tests"]

SLOTS = 16384
BUS_PORT_OFFSET = 10000  # a cluster node also listens on its port + 10000


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    for _ in range(200):
        port = random.randint(20000, 50000)
        if _bindable(port) and _bindable(port + BUS_PORT_OFFSET):
            return port
    raise RuntimeError("no free pair of ports for a cluster node")


def _wait_for_cluster_ok(ports: list[int], *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = []
        for port in ports:
            with redis.Redis(port=port) as node:
                states.append(node.cluster("INFO").get("cluster_state"))
        if all(state == "ok" for state in states):
            return
        time.sleep(0.1)
    raise TimeoutError("the test cluster did not reach cluster_state:ok")


@contextlib.contextmanager
def redis_cluster_for_tests(binary: Path, nodes: int = 3) -> Iterator[str]:
    url = os.environ.get("REDIS_CLUSTER_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="rw-test-cluster-") as directory:
        servers = [
            RedisServerProcess(
                binary=binary,
                directory=Path(directory) / str(index),
                port=free_cluster_port(),
                extra_args=("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
            )
            for index in range(nodes)
        ]
        try:
            for server in servers:
                server.start()
            share = SLOTS // nodes
            for index, server in enumerate(servers):
                first = index * share
                last = SLOTS - 1 if index == nodes - 1 else first + share - 1
                with redis.Redis(port=server.port) as node:
                    node.execute_command("CLUSTER", "ADDSLOTS", *range(first, last + 1))
                    for other in servers[1:]:
                        node.execute_command("CLUSTER", "MEET", "127.0.0.1", other.port)
            _wait_for_cluster_ok([server.port for server in servers])
            yield servers[0].url
        finally:
            for server in servers:
                server.stop()
