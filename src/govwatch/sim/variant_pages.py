"""Pages and endpoints that construction variation adds (``govwatch.sim.variation``).

Channel pages (a navigation entry whose page lists its sub-columns), the 网站地图 page, the external
list script ``js/list.js`` with its JSON API, attachment download endpoints, and the message board's
list pages (under a head naming its fields). Nothing here is served under variation 0.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from govwatch.sim import resources
from govwatch.sim.boards import BOARD_MIN_ROWS, UNTAGGED_BOARD_TAG, board_head_html
from govwatch.sim.column_pages import Column
from govwatch.sim.downloads import disposition, parse_download
from govwatch.sim.html_common import Ctx, a, column_metas, document, nav_entries, planted_html, position, subnav
from govwatch.sim.layout import Ref
from govwatch.sim.response import JSON_UTF8, SimResponse
from govwatch.sim.variation import Channel, ScriptList

if TYPE_CHECKING:
    from govwatch.sim.site import SiteGenerator

SCRIPT_PATH = "js/list.js"
API_PATH = "api/list.do"
CHANNEL_ITEMS = 5  # items a channel page shows per sub-column
_SHANGHAI = timezone(timedelta(hours=8))
_SITEMAP = {"trs": "wzdt/index.html", "jcms": "col/col99/index.html", "legacy": "sitemap.htm"}


def channel_path(family: str, channel: Channel) -> str:
    """Site-relative path of a channel page."""
    if family == "jcms":
        return f"col/col{channel.jcms_id}/index.html"
    if family == "legacy":
        return f"news/{channel.slug}/index.htm"
    return f"{channel.slug}/index.html"


def sitemap_path(family: str) -> str:
    """Site-relative path of the 网站地图 page."""
    return _SITEMAP[family]


def endpoint_path(col: Column) -> str:
    """Site-relative URL (path and query) of the JSON API of a script-filled column."""
    return f"{API_PATH}?columnId={col.jcms_id}"


# -- the external list script ------------------------------------------------------------

_ROWS = {"data": "d.data", "rows": "d.rows", "result.records": "d.result.records", "array": "d"}
_DAY = {
    "pubDate": "return String(v).substring(0, 10);",
    "fbrq": "return String(v);",
    "publishTime": ('var t = new Date(Number(v) + 8 * 3600000);\n'
                    '    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate());'),
}
_HREF = {
    "url": "return it.url;",
    "link": "return it.link;",
    "id": ('var p = d8.split("-");\n'
           '    return box.getAttribute("data-detail").replace("{y}", p[0]).replace("{mm}", p[1])'
           '.replace("{dd}", p[2]).replace("{m}", String(Number(p[1]))).replace("{d}", String(Number(p[2])))'
           '.replace("{id}", it.id);'),
}


def list_script(ctx: Ctx, script: ScriptList) -> str:
    """``js/list.js``: reads the column id from ``#datalist``, fetches the API, writes the items."""
    return (
        "/* 栏目列表加载 */\n(function () {\n"
        '  var box = document.getElementById("datalist");\n  if (!box) { return; }\n'
        f'  var api = "{ctx.href(API_PATH)}?columnId=" + box.getAttribute("data-column") + "&pageNo=1&pageSize=1000";\n'
        '  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")'
        '.replace(/"/g, "&quot;"); }\n'
        '  function pad(n) { return (n < 10 ? "0" : "") + n; }\n'
        f"  function day(v) {{\n    {_DAY[script.date_field]}\n  }}\n"
        f"  function href(it, d8) {{\n    {_HREF[script.url_field]}\n  }}\n"
        "  var xhr = new XMLHttpRequest();\n  xhr.open(\"GET\", api, true);\n"
        "  xhr.onreadystatechange = function () {\n"
        "    if (xhr.readyState !== 4 || xhr.status !== 200) { return; }\n"
        f"    var d = JSON.parse(xhr.responseText);\n    var rows = {_ROWS[script.shape]};\n    var out = [];\n"
        "    for (var i = 0; i < rows.length; i++) {\n"
        f"      var it = rows[i], d8 = day(it.{script.date_field});\n"
        '      out.push("<li><a href=\\"" + esc(href(it, d8)) + "\\" target=\\"_blank\\">" + '
        f'esc(it.{script.title_field}) + "</a><span>" + d8 + "</span></li>");\n'
        "    }\n    box.innerHTML = out.join(\"\");\n  };\n  xhr.send();\n})();\n"
    )


def detail_template(ctx: Ctx, col: Column) -> str:
    """The article URL template ``list.js`` fills from an item's id and date (``url_field`` id)."""
    if ctx.family == "jcms":
        return ctx.href(f"art/{{y}}/{{m}}/{{d}}/art_{col.jcms_id}_{{id}}.html")
    if ctx.family == "legacy":
        return ctx.href(f"news/{col.path}/{{y}}/{{mm}}{{dd}}/{{id}}.htm")
    return ctx.href(f"{col.path}/{{y}}{{mm}}/t{{y}}{{mm}}{{dd}}_{{id}}.html")


def script_list_body(ctx: Ctx, col: Column, script: ScriptList) -> str:
    """A script-filled list page: an empty container and an external ``<script src>``."""
    detail = f' data-detail="{escape(detail_template(ctx, col))}"' if script.url_field == "id" else ""
    return (f'<div class="list-hd"><h2>{escape(col.name)}</h2></div>\n'
            f'<ul class="list" id="datalist" data-column="{col.jcms_id}"{detail}></ul>\n'
            f'<script type="text/javascript" src="{ctx.href(SCRIPT_PATH)}"></script>')


def _date_value(when: datetime, field: str) -> Any:
    if field == "pubDate":
        return f"{when:%Y-%m-%d %H:%M:%S}"
    if field == "fbrq":
        return f"{when:%Y-%m-%d}"
    return int(when.replace(tzinfo=_SHANGHAI).timestamp() * 1000)  # publishTime: epoch milliseconds


def api_payload(gen: SiteGenerator, col: Column, script: ScriptList) -> Any:
    """The API's answer: every item of the column, newest first, in the site's response shape."""
    rows = []
    for index in range(col.items):
        item = gen.factory.headline(col, index)
        row: dict[str, Any] = {script.title_field: item.title, script.date_field: _date_value(item.when, script.date_field)}
        if script.url_field == "id":
            row["id"] = str(col.docid(index))
        else:
            row[script.url_field] = gen.ctx.href(gen.layout.item_path(col, index, item.when))
        rows.append(row)
    if script.shape == "data":
        return {"code": 200, "msg": "success", "total": col.items, "data": rows}
    if script.shape == "rows":
        return {"total": col.items, "rows": rows}
    if script.shape == "result.records":
        return {"success": True, "result": {"records": rows, "total": col.items, "current": 1, "size": 1000}}
    return rows


# -- channel pages and the site map ------------------------------------------------------

def channel_page(gen: SiteGenerator, channel: Channel) -> str:
    """A channel page: breadcrumb, then one block per sub-column (name, 更多, newest items)."""
    ctx = gen.ctx
    href = ctx.channel_href(channel)
    blocks = []
    for no in channel.columns:
        col = gen.column(no)
        more = ctx.href(ctx.layout.list_path(col, 0))
        lis = []
        if not col.js:
            for index in range(min(CHANNEL_ITEMS, col.items)):
                item = gen.factory.headline(col, index)
                lis.append(f'<li>{a(ctx.href(ctx.layout.item_path(col, index, item.when)), item.title)}'
                           f'<span class="date">{item.when:%Y-%m-%d}</span></li>')
        blocks.append(f'<div class="channel-col"><div class="channel-hd"><h3>{a(more, col.name)}</h3>'
                      f'{a(more, "更多", class_="more")}</div>\n<ul>' + "".join(lis) + "</ul></div>")
    body = (f'<div class="position">当前位置：{a(ctx.root, "首页")} &gt; {a(href, channel.name)}</div>\n'
            f'<div class="channel"><h2>{escape(channel.name)}</h2>\n' + "\n".join(blocks) + "\n</div>")
    return document(ctx, f"{channel.name}_{gen.identity.name}", [], body)


def board_list_page(gen: SiteGenerator, col: Column, k: int) -> str:
    """List page ``k`` of the message board: the family's list under a head naming the message and
    reply fields (on pages of at least ``BOARD_MIN_ROWS`` messages), without the tag planted missing
    on one of them (``SitePlants.board_untagged``)."""
    ctx = gen.ctx
    heads = [(i, gen.factory.headline(col, i)) for i in gen.list_items(col, k)]
    items = [(ctx.href(ctx.layout.item_path(col, i, h.when)), h) for i, h in heads]
    body = position(ctx, col) + "\n" + subnav(ctx, col) + "\n" + (board_head_html() if len(items) >= BOARD_MIN_ROWS else "")
    body += gen.family.list_body(ctx, col, k, items)
    body += planted_html(ctx, gen.plan.links_on(Ref("list", col.no, k)))
    metas = column_metas(col, (col.no, k) not in gen.plants.no_column_type)
    if (col.no, k) in gen.plants.board_untagged:
        metas = [(name, value) for name, value in metas if name != UNTAGGED_BOARD_TAG]
    return document(ctx, f"{col.name}_{gen.identity.name}", metas, body)


def sitemap_page(gen: SiteGenerator) -> str:
    """The 网站地图: the navigation's entries, then the columns linked from nowhere else."""
    ctx = gen.ctx
    entries = [f"<li>{a(href, name)}</li>" for href, name in nav_entries(ctx)]
    entries += [f"<li>{a(ctx.href(ctx.layout.list_path(gen.column(no), 0)), gen.column(no).name)}</li>"
                for no in gen.variants.sitemap_only]
    body = (f'<div class="position">当前位置：{a(ctx.root, "首页")} &gt; 网站地图</div>\n'
            '<div class="sitemap"><h2>网站地图</h2><ul>' + "".join(entries) + "</ul></div>")
    return document(ctx, f"网站地图_{gen.identity.name}", [], body)


# -- routing -------------------------------------------------------------------------------

def respond(gen: SiteGenerator, path: str, query: str) -> SimResponse | None:
    """The answer to a path that only construction variation serves, or None."""
    ctx = gen.ctx
    for channel, page in ctx.channel_paths:
        if path == page:
            return gen.html(channel_page(gen, channel))
    if ctx.sitemap_path and path == ctx.sitemap_path:
        return gen.html(sitemap_page(gen))
    ref = ctx.layout.parse(path)
    if ref is not None and ref.kind == "list" and gen.column(ref.col).type == "consult":
        return gen.html(board_list_page(gen, gen.column(ref.col), ref.index))
    script = gen.variants.script
    if script is not None:
        if path == SCRIPT_PATH:
            return SimResponse(body=list_script(ctx, script).encode("utf-8"), content_type=resources.CONTENT_TYPES["js"])
        if path == API_PATH:
            return _api(gen, script, query)
    if gen.variants.downloads is not None:
        return _download(gen, gen.variants.downloads, path, query)
    return None


def _api(gen: SiteGenerator, script: ScriptList, query: str) -> SimResponse:
    wanted = parse_qs(query).get("columnId", [""])[0]
    col = next((c for c in gen.columns if c.js and str(c.jcms_id) == wanted), None)
    if col is None:
        body = json.dumps({"code": 404, "msg": "栏目不存在"}, ensure_ascii=False)
        return SimResponse(status=404, body=body.encode("utf-8"), content_type=JSON_UTF8)
    body = json.dumps(api_payload(gen, col, script), ensure_ascii=False, separators=(",", ":"))
    return SimResponse(body=body.encode("utf-8"), content_type=JSON_UTF8)


def _download(gen: SiteGenerator, mode: str, path: str, query: str) -> SimResponse | None:
    """A download endpoint's answer (404 when there is no such attachment): application/octet-stream
    named by the URL or the Content-Disposition header, or (``bare``) the file's own type only."""
    named = parse_download(mode, path, query)
    if named is None:
        return None
    docid, n, ext = named
    col = next((c for c in gen.columns if c.no == docid // 1_000_000), None)
    index = col.index_of(docid) if col is not None else None
    if col is None or index is None:
        return gen.error(404)
    found = gen.attachment_ext(col, index, n)
    if found is None or (ext is not None and ext != found):
        return gen.error(404)
    answer = gen.file(Ref("attachment", col.no, index, n, found))
    if mode != "bare":  # a bare URL keeps the file's own type: nothing else could tell a CSV
        answer.content_type = "application/octet-stream"
    header = disposition(mode, docid, n, found)
    if header is not None:
        if mode == "download-gbk":
            answer.raw_headers["Content-Disposition"] = header.encode("latin-1")
        else:
            answer.headers["Content-Disposition"] = header
    return answer
