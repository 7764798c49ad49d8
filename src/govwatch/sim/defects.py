"""Planted defects: decided once per site, read by both the pages and the manifest.

A :class:`DefectPlan` holds every planted link (broken links and decoys, on the
homepage and on other pages) and the fault table the server consults for the
internal targets. Pages render ``plan.links_on(ref)``; the manifest lists
``plan.links``: there is no second, hand-written list.

Target layout: internal targets are family-shaped paths of a column that does
not exist (TRS ``zt/YYYYMM/tYYYYMMDD_990000NN.html``, JCMS
``art/Y/M/D/art_999_990000NN.html``, legacy ``news/zt/YYYY/MMDD/990000NN.htm``;
images and attachments likewise), answered from ``faults``; external ones are
``<external>/err|ok/<site>/<scope>_<n>.html`` and ``<refused>/<site>/<scope>_<n>.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from govwatch.sim.column_pages import Column
from govwatch.sim.layout import Layout, Ref

# fault -> (resource, expect); expect None marks a decoy (must not be reported).
BROKEN: tuple[tuple[str, str, str], ...] = (
    ("404", "page", "confirmed"),
    ("404", "image", "confirmed"),
    ("404", "attachment", "confirmed"),
    ("410", "page", "confirmed"),
    ("500", "page", "suspected"),
    ("slow", "page", "suspected"),
    ("reset", "page", "suspected"),
    ("ext500", "external", "suspected"),
    ("refused", "external", "suspected"),
    ("soft404", "page", "soft404"),
)
DECOYS: tuple[tuple[str, str], ...] = (
    ("head405", "page"),
    ("head403", "page"),
    ("retry429", "page"),
    ("reset_once", "page"),
    ("error503_once", "page"),
    ("slow_ok", "page"),
    ("soft200", "page"),
    ("ext200", "external"),
)
# Decoys that are HTML pages of their own (answering 200 in the end) and so count as site pages.
DECOY_PAGE_FAULTS = frozenset({"head405", "head403", "retry429", "reset_once", "error503_once", "slow_ok"})
SOFT_200_SENTENCE = "温馨提示：如遇页面不存在或无法打开的情况，请刷新页面后重试，或拨打页面底部的联系电话反映。"

_TEXTS = {
    ("404", "page"): "2019年度工作总结", ("404", "image"): "宣传海报", ("404", "attachment"): "附件：申请登记表.pdf",
    ("410", "page"): "机构改革前职能介绍", ("500", "page"): "网上信访查询", ("slow", "page"): "政务服务事项查询",
    ("reset", "page"): "依申请公开系统", ("ext500", "external"): "省政务服务网", ("refused", "external"): "市公共资源交易网",
    ("soft404", "page"): "历史专题回顾", ("head405", "page"): "政府信息公开年报", ("head403", "page"): "重点领域信息公开",
    ("retry429", "page"): "政府工作报告", ("reset_once", "page"): "领导分工", ("error503_once", "page"): "机构概况",
    ("slow_ok", "page"): "统计公报", ("soft200", "page"): "", ("ext200", "external"): "省人民政府网站",
}


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted link. ``target`` is site-relative unless ``target_base`` says otherwise.

    target_base: ``site`` (path under the site root), ``external`` (path on the
    external loopback host) or ``refused`` (path on the refusing port).
    """

    fault: str
    resource: str
    scope: str  # homepage | other
    expect: str | None  # confirmed | suspected | soft404; None for decoys
    source: Ref
    target: str
    target_base: str
    text: str

    @property
    def is_decoy(self) -> bool:
        return self.expect is None


class DefectPlan:
    """All planted links of one site and the fault table of its internal targets."""

    def __init__(self, site_id: str, layout: Layout, columns: list[Column]) -> None:
        self.links: list[Planted] = []
        self.faults: dict[str, str] = {}  # site-relative path -> fault
        by_no = {c.no: c for c in columns}
        sources = self._other_sources(columns)
        dynamic = by_no[1]
        self.soft200_item = (1, min(1, dynamic.items - 1))
        soft200_path = layout.item_path(dynamic, self.soft200_item[1])
        day0 = date(2019, 5, 12)
        n = 0
        entries = [(f, r, e) for f, r, e in BROKEN] + [(f, r, None) for f, r in DECOYS]
        for scope in ("homepage", "other"):
            for fault, resource, expect in entries:
                n += 1
                day = day0 + timedelta(days=n)
                text = _TEXTS[(fault, resource)]
                if scope == "homepage":
                    source = Ref("home")
                elif fault == "soft200":
                    source = Ref("list", 1, 0)
                else:
                    source = sources[n % len(sources)]
                if fault == "soft200":
                    target, base, text = soft200_path, "site", "(first-page article)"
                elif fault in ("ext500", "ext200"):
                    folder = "err" if fault == "ext500" else "ok"
                    target, base = f"{folder}/{site_id}/{scope}_{n}.html", "external"
                elif fault == "refused":
                    target, base = f"{site_id}/{scope}_{n}.html", "refused"
                else:
                    ext = "pdf" if resource == "attachment" else "html"
                    target, base = layout.ghost(resource, n, day, ext), "site"
                    self.faults[target] = fault
                self.links.append(Planted(fault, resource, scope, expect, source, target, base, text))
        self._by_source: dict[Ref, list[Planted]] = {}
        for link in self.links:
            if link.fault != "soft200":  # that link is the ordinary list/homepage entry itself
                self._by_source.setdefault(link.source, []).append(link)

    @staticmethod
    def _other_sources(columns: list[Column]) -> list[Ref]:
        """Article pages near the top of article columns: where 'other' links stand.

        Not in a script-filled column: its articles are linked only from the JSON endpoint.
        """
        refs = []
        for col in columns:
            if col.type in ("dynamic", "notice", "policy", "interpretation", "data") and col.items and not col.js:
                refs.append(Ref("item", col.no, min(col.no % 3, col.items - 1)))
        return refs

    def links_on(self, ref: Ref) -> list[Planted]:
        """Planted links that stand on the page named by ``ref`` (in plan order)."""
        return self._by_source.get(ref, [])

    def decoy_pages(self) -> list[str]:
        """Site-relative paths of planted pages that finally answer 200 with HTML."""
        return [p for p, f in self.faults.items() if f in DECOY_PAGE_FAULTS]

    def is_soft200(self, col_no: int, index: int) -> bool:
        """Whether the article (col_no, index) is the soft-200 decoy."""
        return (col_no, index) == self.soft200_item
