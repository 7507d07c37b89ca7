"""The one compare-and-set loop: records refused because someone wrote first are read and decided again."""

from __future__ import annotations

import pytest

from runtime.compare_and_set import COMPARE_AND_SET_ROUNDS, ConcurrentChangeError, compare_and_set


async def test_each_round_gets_only_the_records_the_last_one_could_not_write() -> None:
    rounds: list[list[str]] = []
    refused_once = {"b"}

    async def write(keys: list[str]) -> list[str]:
        rounds.append(keys)
        lost = [key for key in keys if key in refused_once]
        refused_once.clear()
        return lost

    await compare_and_set(["a", "b", "c", "a"], write, what="record(s)")

    assert rounds == [["a", "b", "c"], ["b"]]


async def test_nothing_to_write_takes_no_round() -> None:
    async def write(keys: list[str]) -> list[str]:
        raise AssertionError("no round expected")

    await compare_and_set([], write, what="record(s)")


async def test_records_that_keep_changing_give_up_after_the_named_number_of_rounds() -> None:
    rounds = 0

    async def always_refused(keys: list[str]) -> list[str]:
        nonlocal rounds
        rounds += 1
        return keys

    with pytest.raises(ConcurrentChangeError, match=r"2 booking\(s\) kept changing concurrently"):
        await compare_and_set(["x", "y"], always_refused, what="booking(s)")
    assert rounds == COMPARE_AND_SET_ROUNDS


async def test_written_in_the_last_round_is_written() -> None:
    rounds = 0

    async def refused_until_the_last(keys: list[str]) -> list[str]:
        nonlocal rounds
        rounds += 1
        return [] if rounds == COMPARE_AND_SET_ROUNDS else keys

    await compare_and_set(["x"], refused_until_the_last, what="record(s)")
    assert rounds == COMPARE_AND_SET_ROUNDS
