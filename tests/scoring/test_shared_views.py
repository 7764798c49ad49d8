"""Equal scoring views are one object (``scoring.runs._shared_view``): a large run's findings mostly
look alike to the engine. Sharing must never merge views the engine would tell apart."""

from __future__ import annotations

from typing import Any

from govwatch.core.model import Finding
from govwatch.scoring.runs import _shared_view


def _view(url: str = "", **evidence: Any) -> Finding:
    return Finding(kind="privacy_leak", code="privacy.personal_data", indicator="个人信息保护", url=url,
                   message="", evidence=evidence)


def test_equal_views_are_one_object_and_different_ones_are_not() -> None:
    pool: dict[tuple[Any, ...], Finding] = {}
    first = _shared_view(_view(total=2), pool)
    assert _shared_view(_view(total=2), pool) is first
    # what the engine's matching tells apart: another value, a value of another type, a URL, a field
    for other in (_view(total=3), _view(total=True), _view(total=2.5), _view("http://x.gov.cn/", total=2),
                  _view(total=2, where="page"), _view()):
        assert _shared_view(other, pool) is other
    assert _shared_view(_view(total=True), pool) is not _shared_view(_view(total=1), pool)
    listed = _view(sources=["a"])  # a list is not hashable: the view is kept as it is, never shared
    assert _shared_view(listed, pool) is listed and _shared_view(_view(sources=["a"]), pool) is not listed
