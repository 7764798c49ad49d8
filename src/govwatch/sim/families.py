"""Family-specific markup: list pages, pagination, date lines (docs/sim-families.md)."""

from __future__ import annotations

import math
from datetime import date, datetime
from html import escape

from govwatch.sim.column_pages import TRS_DATE_STYLES, Column
from govwatch.sim.html_common import Ctx, a
from govwatch.sim.items import Headline, Item
from govwatch.sim.variant_pages import script_list_body

JCMS_GROUP_PAGES = 3  # the data island and each dataproxy group hold 3 x perPage records
_CN_DIGITS = "〇一二三四五六七八九"
# Legacy list date forms per column number (default ``[MM-DD]``, no year).
LEGACY_TWO_DIGIT_YEAR = frozenset({2, 4, 12, 15, 19})  # [26-11-05]
LEGACY_CHINESE_NUMERALS = frozenset({3})  # 二〇二六年十一月五日
# The script of a script-filled list: fetch the JSON endpoint, write the items into #jslist.
# (No literal ``href="`` in the source: the markup exists only once the script has run.)
JS_FILL = (
    '<script type="text/javascript">\n'
    'fetch("{endpoint}").then(r=>r.json()).then(d=>{{\n'
    '  var e=function(s){{return String(s).replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(/>/g,"&gt;")'
    '.replace(/"/g,"&quot;");}};\n'
    '  document.getElementById("jslist").innerHTML=d.items.map(function(it){{\n'
    '    return "<li><a href=\\""+e(it.url)+"\\" target=\\"_blank\\" title=\\""+e(it.title)+"\\">"+e(it.title)'
    '+"</a><span>"+e(it.date)+"</span></li>";\n'
    '  }}).join("");\n'
    '}});\n</script>'
)


def chinese_date(day: date) -> str:
    """``二〇二四年三月五日`` form of a date."""
    def small(n: int) -> str:
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    year = "".join(_CN_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{small(day.month)}月{small(day.day)}日"


def jcms_groups(total: int, per_page: int) -> list[tuple[int, int]]:
    """(startrecord, endrecord) of every dataproxy group after the first (1-based, inclusive)."""
    size = JCMS_GROUP_PAGES * per_page
    return [(1 + g * size, min(total, (g + 1) * size)) for g in range(1, math.ceil(total / size))]


def jcms_group_query(ctx: Ctx, col: Column, start: int, end: int) -> str:
    """Query string of a dataproxy group, in the order of the contract."""
    return (f"startrecord={start}&endrecord={end}&perpage={col.per_page}&columnid={col.jcms_id}"
            f"&unitid={col.unit_id}&webid=1&path={ctx.root}")


class Family:
    """Hooks one CMS family fills in."""

    name = ""

    def endpoint_ref(self, ctx: Ctx, col: Column) -> str:
        """How a script-filled list page names its JSON endpoint (relative, root-relative or absolute)."""
        return ctx.href(ctx.layout.endpoint_path(col))

    def js_body(self, ctx: Ctx, col: Column) -> str:
        """A script-filled list: an empty container and the inline script that fills it (construction
        variation: an external script, ``govwatch.sim.variant_pages``)."""
        if ctx.variants.script is not None:
            return script_list_body(ctx, col, ctx.variants.script)
        return (f'<div class="list-hd"><h2>{escape(col.name)}</h2></div>\n<ul class="list" id="jslist"></ul>\n'
                + JS_FILL.format(endpoint=self.endpoint_ref(ctx, col)))

    def list_body(self, ctx: Ctx, col: Column, k: int, items: list[tuple[str, Headline]]) -> str:
        """Main part of list page ``k``; ``items`` are (href, item) of that page."""
        raise NotImplementedError

    def info_line(self, col: Column, item: Item) -> str:
        """The visible date line of an item page."""
        raise NotImplementedError

    def home_date(self, when: datetime) -> str:
        """Date text of a homepage block entry."""
        return f"{when.month:02d}-{when.day:02d}"


def _empty(col: Column) -> str:
    return f'<div class="list-hd"><h2>{escape(col.name)}</h2></div>\n<div class="list-empty">暂无信息</div>'


class Trs(Family):
    """TRS WCM: ``<ul class="list">`` with relative hrefs, createPageHTML script."""

    name = "trs"

    def endpoint_ref(self, ctx: Ctx, col: Column) -> str:
        return "./list.json"  # relative to the column folder

    def list_body(self, ctx: Ctx, col: Column, k: int, items: list[tuple[str, Headline]]) -> str:
        if col.blank:
            return _empty(col)
        if col.js:
            return self.js_body(ctx, col)
        style = TRS_DATE_STYLES[(col.no - 1) % len(TRS_DATE_STYLES)]
        folder = ctx.href(col.path + "/")
        lis = []
        for href, item in items:
            rel = "./" + href[len(folder):] if href.startswith(folder) else href
            shown = "" if col.undated else f"<span>{item.when.strftime(style)}</span>"
            lis.append(f'<li>{a(rel, item.title, target="_blank")}{shown}</li>')
        count = col.list_pages
        return (f'<div class="list-hd"><h2>{escape(col.name)}</h2></div>\n<ul class="list">\n' + "\n".join(lis)
                + '\n</ul>\n<div class="page"><script type="text/javascript">\n'
                f"  var currentPage = {k}; var countPage = {count};\n"
                f'  createPageHTML({count}, {k}, "index", "html");\n</script></div>')

    def info_line(self, col: Column, item: Item) -> str:
        return (f'<div class="info">发布时间：{item.when:%Y-%m-%d %H:%M}　来源：{escape(item.source)}</div>')


class Jcms(Family):
    """Hanweb JCMS: records in an XML data island, later groups from dataproxy.jsp."""

    name = "jcms"

    def list_body(self, ctx: Ctx, col: Column, k: int, items: list[tuple[str, Headline]]) -> str:
        if col.blank:
            return _empty(col)
        if col.js:
            return self.js_body(ctx, col)
        nextgroup = (f'<a href="{ctx.href("module/web/jpage/dataproxy.jsp")}?columnid={col.jcms_id}'
                     f'&unitid={col.unit_id}&webid=1&path={ctx.root}"></a>')
        records = "\n".join(self.record(href, item, not col.undated) for href, item in items)
        return (f'<div class="list-hd"><h2>{escape(col.name)}</h2></div>\n'
                f'<div id="unit{col.unit_id}"><script type="text/xml">\n<datastore>\n'
                f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n<recordset>\n{records}\n</recordset>\n"
                f"</datastore></script></div>\n"
                f"<script>var totalRecord = {col.items}; var perPage = {col.per_page};</script>\n"
                f'<script type="text/javascript" src="{ctx.href("module/web/jpage/jpage.js")}"></script>')

    @staticmethod
    def record(href: str, item: Headline, dated: bool = True) -> str:
        """One ``<record>`` of a data island or dataproxy response."""
        title = escape(item.title)
        shown = f"<span>{item.when:%Y-%m-%d}</span>" if dated else ""
        return (f'<record><![CDATA[<li><a href="{escape(href)}" title="{title}" target="_blank">{title}</a>'
                f"{shown}</li>]]></record>")

    def info_line(self, col: Column, item: Item) -> str:
        return (f'<div class="info"><span>发布日期：{item.when:%Y-%m-%d}</span>　'
                f"<span>来源：{escape(item.source)}</span></div>")

    def home_date(self, when: datetime) -> str:
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


class Legacy(Family):
    """Old ASP site: table list, ``[MM-DD]`` dates, plain ``<a>`` pagination."""

    name = "legacy"

    def endpoint_ref(self, ctx: Ctx, col: Column) -> str:
        return ctx.base_url + ctx.layout.endpoint_path(col)  # absolute URL

    @staticmethod
    def list_date(col: Column, when: datetime) -> str:
        """Date cell text of a list row: ``[MM-DD]`` (no year), ``[YY-MM-DD]`` or Chinese numerals."""
        if col.undated:
            return ""
        if col.no in LEGACY_CHINESE_NUMERALS:
            return chinese_date(when.date())
        if col.no in LEGACY_TWO_DIGIT_YEAR:
            return f"[{when:%y-%m-%d}]"
        return f"[{when:%m-%d}]"

    def list_body(self, ctx: Ctx, col: Column, k: int, items: list[tuple[str, Headline]]) -> str:
        if col.blank:
            return _empty(col)
        if col.js:
            return self.js_body(ctx, col)
        rows = [f'<tr><td class="t">{a(href, item.title)}</td><td class="d">{self.list_date(col, item.when)}</td></tr>'
                for href, item in items]
        return (f'<table width="100%" class="coltitle"><tr><td><b>{escape(col.name)}</b></td></tr></table>\n'
                '<table class="newslist" width="100%">\n' + "\n".join(rows) + "\n</table>\n" + self._pager(col, k))

    @staticmethod
    def _pager(col: Column, k: int) -> str:
        last = col.list_pages
        page = k + 1
        parts = [f"共{col.items}条　第{page}/{last}页　"]
        if page > 1:
            parts += [a("list_1.htm", "首页"), a(f"list_{page - 1}.htm", "上一页")]
        for p in range(max(1, page - 4), min(last, page + 4) + 1):
            parts.append(f"<b>{p}</b>" if p == page else a(f"list_{p}.htm", str(p)))
        if page < last:
            parts += [a(f"list_{page + 1}.htm", "下一页"), a(f"list_{last}.htm", "尾页")]
        return '<div class="pages">' + " ".join(parts) + "</div>"

    def info_line(self, col: Column, item: Item) -> str:
        day = item.when.date()
        shown = chinese_date(day) if col.type in ("policy", "plan") else f"{day.year}年{day.month}月{day.day}日"
        return f'<div class="info">发布日期：{shown}　来源：{escape(item.source)}</div>'


FAMILIES: dict[str, Family] = {"trs": Trs(), "jcms": Jcms(), "legacy": Legacy()}
