"""A notifier's periodic chores stop when it stops, however a chore answers the cancel."""

from __future__ import annotations

import asyncio

import pytest

from notifier.app import _every


@pytest.mark.parametrize("answer", ["another error", "nothing"])
async def test_a_chore_whose_cancel_comes_out_as_another_error_or_not_at_all_still_stops(answer: str) -> None:
    started = asyncio.Event()

    async def chore() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            if answer == "another error":
                raise TimeoutError("the read timed out as it was cancelled") from None

    task = asyncio.create_task(_every(0.0, "a chore", chore))
    await started.wait()
    task.cancel()

    done, _ = await asyncio.wait([task], timeout=2)
    assert done == {task}
    assert task.cancelled()


async def test_a_chore_that_fails_is_run_again_next_time() -> None:
    runs = 0
    third_run = asyncio.Event()

    async def chore() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            third_run.set()
        raise ConnectionError("Redis away for a moment")

    task = asyncio.create_task(_every(0.0, "a chore", chore))
    await asyncio.wait_for(third_run.wait(), timeout=5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert runs >= 3
