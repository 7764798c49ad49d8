"""identity._First keeps a group's count and its first entries in place order as it fills: the
same as sorting the whole group and cutting it."""

from __future__ import annotations

import random

from govwatch.checks.identity import _First


def test_first_entries_equal_the_sorted_group_cut() -> None:
    rng = random.Random(3)
    for size in (1, 3, 10):
        for count in (0, 1, size, size + 1, 200):
            places = [(rng.choice([0, 1, 2, 5, 1 << 30]), f"https://x/{rng.randrange(10 ** 6)}") for _ in range(count)]
            group = _First(size)
            for place in places:
                group.add(place, place[1])
            assert group.count == count
            assert group.entries() == [url for _depth, url in sorted(places)[:size]]
