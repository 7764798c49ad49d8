"""政策解读 and the documents they explain: who links whom, with planted gaps (docs/sources.md, seed 002 附件2 解读关联).

Interpretation item ``i`` of the 政策解读 column explains item ``i mod P`` of the 政策文件 column
(``P`` its item count): its title names that document in 《》 and its page ends with a
「原文链接」 to it; the document's page lists 「相关解读」 links back to each interpretation of
it. Pairing by index keeps every page computable on its own (no list of all items).

Planted (the manifest's ``linkage`` entry, :func:`linkage_truth`):

- interpretation ``i`` with ``i % 7 == 3`` does not link its document
  (``interpretation_to_policy``);
- document ``j`` with ``j % 5 == 2`` does not link back to its interpretations, though they link
  it (``policy_to_interpretation``).

An interpretation that does not link its document is titled as a 图解 naming none (the check can
then tell no document it names); the others name theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from govwatch.sim.column_pages import Column

if TYPE_CHECKING:
    from govwatch.sim.html_common import Ctx
    from govwatch.sim.site import SiteGenerator

POLICY_NO = 3  # 政策文件
INTERPRETATION_NO = 4  # 政策解读


def links_its_document(index: int) -> bool:
    """Whether interpretation ``index`` links the document it explains (planted: it does not)."""
    return index % 7 != 3


def links_back(index: int) -> bool:
    """Whether document ``index`` links its interpretations (planted: it does not)."""
    return index % 5 != 2


def explained(index: int, policy: Column) -> int | None:
    """The document item that interpretation item ``index`` explains (None: no documents)."""
    return index % policy.items if policy.items else None


def interpretations(index: int, policy: Column, interpretation: Column) -> range:
    """The interpretation items that explain document item ``index``."""
    return range(index, interpretation.items, policy.items) if policy.items else range(0)


def document_name(policy_title: str) -> str | None:
    """The document a 政策文件 title publishes: the text in its first 《》."""
    start, end = policy_title.find("《"), policy_title.find("》")
    return policy_title[start + 1:end] if 0 <= start < end else None


def related_html(ctx: Ctx, col: Column, index: int, title_of: Callable[[Column, int], str]) -> str:
    """The 「原文链接」 block of an interpretation page, the 「相关解读」 block of a document page,
    or nothing (other columns, planted gaps)."""
    if col.no not in (POLICY_NO, INTERPRETATION_NO):
        return ""
    policy = next(c for c in ctx.columns if c.no == POLICY_NO)
    interpretation = next(c for c in ctx.columns if c.no == INTERPRETATION_NO)
    if col.no == INTERPRETATION_NO:
        target = explained(index, policy)
        if target is None or not links_its_document(index):
            return ""
        title = title_of(policy, target)
        href = ctx.href(ctx.layout.item_path(policy, target))
        return _block("原文链接", [(href, f"《{document_name(title) or title}》")])
    if not links_back(index):
        return ""
    links = [(ctx.href(ctx.layout.item_path(interpretation, i)), title_of(interpretation, i))
             for i in interpretations(index, policy, interpretation)]
    return _block("相关解读", links) if links else ""


def _block(label: str, links: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links)
    return f'<div class="relation"><p>{label}：</p><ul>{items}</ul></div>'


def linkage_truth(gen: SiteGenerator, norm: Callable[[str], str]) -> list[dict[str, Any]]:
    """Every expected ``interpretation_unlinked`` finding of a site: the page, the direction, the
    document an unlinked interpretation explains (its title names none: a 图解), and for a document
    without back links the first interpretation (in list order) that links it."""
    policy, interpretation = gen.column(POLICY_NO), gen.column(INTERPRETATION_NO)

    def url(col: Column, index: int) -> str:
        return norm(gen.url(gen.layout.item_path(col, index)))

    out: list[dict[str, Any]] = []
    for i in range(interpretation.items):
        target = explained(i, policy)
        if target is not None and not links_its_document(i):
            out.append({"url": url(interpretation, i), "direction": "interpretation_to_policy",
                        "explains": url(policy, target)})
    for j in range(policy.items):
        linking = [i for i in interpretations(j, policy, interpretation) if links_its_document(i)]
        if linking and not links_back(j):
            out.append({"url": url(policy, j), "direction": "policy_to_interpretation",
                        "interpretation": url(interpretation, linking[0])})
    return out
