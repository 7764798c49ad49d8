"""Link targets kept compactly (rundata.LinkTargets) give back exactly the values put in."""

from __future__ import annotations

from govwatch.rundata import LinkTarget, LinkTargets


def test_link_targets_read_back() -> None:
    targets = LinkTargets()
    rows = [("https://a/1", "page", 3), ("https://a/2.pdf", "attachment", 1), ("https://b/", "external", 2 ** 40)]
    for row in rows:
        targets.append(*row)
    assert list(targets) == [LinkTarget(*row) for row in rows]
    assert len(targets) == 3 and targets[1] == LinkTarget(*rows[1]) and targets[-1] == LinkTarget(*rows[2])
    assert targets[:2] == [LinkTarget(*rows[0]), LinkTarget(*rows[1])]
