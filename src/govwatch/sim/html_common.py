"""HTML pieces shared by the three families: head and meta tags, header and
navigation, footer (identity block), planted links, article/message/guide bodies.

Markup follows docs/sim-families.md, the contract with ``govwatch.extract``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from govwatch.sim.boards import guide_html, link_href, message_html
from govwatch.sim.column_pages import Column
from govwatch.sim.defects import SOFT_200_SENTENCE, Planted
from govwatch.sim.footers import ShownFooter, SiteIdentity, shown_footer
from govwatch.sim.items import Attachment, Item
from govwatch.sim.layout import Layout
from govwatch.sim.variation import DEFAULT, Channel, Variants

GOV_CN = "https://www.gov.cn/"
MIIT = "https://beian.miit.gov.cn/"
JIUCUO_JS = "https://zfwzgl.www.gov.cn/exposure/jiucuo.js"
JIUCUO_PAGE = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html"
CONAC_IMG = "https://dcs.conac.cn/image/red.png"


@dataclass(frozen=True, slots=True, eq=False)
class Ctx:
    """Where a site lives and what it is called: everything rendering needs besides content.

    Compared and hashed by identity, so per-site chrome (navigation, footer) can be cached.
    """

    site_id: str
    family: str
    identity: SiteIdentity
    columns: tuple[Column, ...]
    layout: Layout
    root: str  # absolute path of the site root: "/" or "/sites/<id>/"
    base_url: str  # origin + root
    domain: str  # host[:port] the site is served on (SiteDomain)
    external_base: str
    refused_base: str
    platform: tuple[tuple[str, str], ...] = ()  # (name, absolute path) of the platform's other sites
    footer_defects: frozenset[str] = frozenset()  # planted footer defects (identity.FOOTER_DEFECTS)
    variants: Variants = DEFAULT  # construction variation (govwatch.sim.variation)
    channel_paths: tuple[tuple[Channel, str], ...] = ()  # (channel, site-relative path of its page)
    sitemap_path: str = ""  # site-relative path of the 网站地图 page ("" when the site has none)

    def channel_href(self, channel: Channel) -> str:
        """Absolute path of a channel page."""
        return self.href(next(path for c, path in self.channel_paths if c == channel))

    @property
    def shown(self) -> ShownFooter:
        """The identifiers the footer shows."""
        return shown_footer(self.identity, self.footer_defects)

    def href(self, rel: str) -> str:
        """Absolute path of a site-relative path."""
        return self.root + rel

    def target(self, link: Planted) -> str:
        """The href of a planted link."""
        if link.target_base == "external":
            return self.external_base + link.target
        if link.target_base == "refused":
            return self.refused_base + link.target
        return self.href(link.target)


def a(href: str, text: str, **attrs: str) -> str:
    """An ``<a>`` element with escaped text and attributes."""
    extra = "".join(f' {k.rstrip("_")}="{escape(v)}"' for k, v in attrs.items())
    return f'<a href="{escape(href)}"{extra}>{escape(text)}</a>'


def conac_url(ctx: Ctx) -> str:
    return f"https://bszs.conac.cn/sitename?method=show&id={ctx.identity.conac_id}"


def police_url(ctx: Ctx) -> str:
    return f"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={ctx.shown.police_code}"


def jiucuo_url(ctx: Ctx) -> str:
    """The 找错 entry: the jiucuo script, or (planted defect) a link carrying another site's code."""
    shown = ctx.shown
    return f"{JIUCUO_PAGE}?site_code={shown.jiucuo_code}" if shown.jiucuo_link else JIUCUO_JS


def unverifiable_urls(ctx: Ctx) -> list[str]:
    """Real internet URLs every page of the site references (never to be fetched in tests)."""
    miit = [MIIT] if ctx.shown.icp else []
    return [GOV_CN, conac_url(ctx), CONAC_IMG, *miit, police_url(ctx), jiucuo_url(ctx)]


_LEGACY_NAMES = {"SiteName": "Sitename", "PubDate": "pubdate"}


def document(ctx: Ctx, title: str, metas: list[tuple[str, str]], body: str) -> str:
    """A whole page: head with meta tags, header, navigation, ``body``, footer."""
    ident = ctx.identity
    all_metas = [("SiteName", ident.name), ("SiteDomain", ctx.domain), ("SiteIDCode", ident.site_code)] + metas
    legacy = ctx.family == "legacy"
    meta_html = "".join(
        f'<meta name="{_LEGACY_NAMES.get(n, n) if legacy else n}" content="{escape(v)}">\n' for n, v in all_metas
    )
    if legacy:
        head = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html>\n<head>\n'
                '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n')
    elif ctx.family == "jcms":
        head = '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
    else:
        head = '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    logo = "images/logo.gif" if legacy else "images/logo.png"
    tools = f'<div class="toolbar">{a(ctx.href(ctx.sitemap_path), "网站地图")}</div>\n' if ctx.sitemap_path else ""
    return (
        f"{head}<title>{escape(title)}</title>\n{meta_html}"
        f'<link rel="stylesheet" href="{ctx.href("css/style.css")}">\n</head>\n<body>\n'
        f'<div class="header"><img src="{ctx.href(logo)}" alt="{escape(ident.name)}"><span class="sitename">{escape(ident.name)}</span></div>\n'
        f"{tools}{nav(ctx)}\n<div class=\"main\">\n{body}\n</div>\n{footer(ctx)}\n</body>\n</html>\n"
    )


@lru_cache(maxsize=256)
def nav(ctx: Ctx) -> str:
    """Navigation (on every page): the homepage and the first list page of every navigation column
    (a channel page in place of its first sub-column)."""
    items = [f"<li>{a(ctx.root, '首页')}</li>"] + [f"<li>{a(href, name)}</li>" for href, name in nav_entries(ctx)]
    return '<div class="nav"><ul id="menu">' + "".join(items) + "</ul></div>"


def nav_entries(ctx: Ctx) -> list[tuple[str, str]]:
    """(href, text) of the navigation's links after 首页: navigation columns and channel pages."""
    out: list[tuple[str, str]] = []
    seen: set[Channel] = set()
    for col in ctx.columns:
        channel = ctx.variants.channel_of(col.no)
        if channel is not None and channel not in seen:
            seen.add(channel)
            out.append((ctx.channel_href(channel), channel.name))
        elif col.profile.nav:
            out.append((ctx.href(ctx.layout.list_path(col, 0)), col.name))
    return out


def _chain(ctx: Ctx, col: Column) -> list[Column]:
    """``col`` and its ancestors, root first."""
    by_no = {c.no: c for c in ctx.columns}
    chain = [col]
    for _ in range(4):  # bounded: sub-columns are one level deep
        parent = chain[0].parent
        if parent is None:
            break
        chain.insert(0, by_no[parent])
    return chain


def position(ctx: Ctx, col: Column) -> str:
    """The breadcrumb of a column's list and item pages: 首页 > [parent >] column."""
    chain = _chain(ctx, col)
    links = [a(ctx.root, "首页")]
    channel = ctx.variants.channel_of(chain[0].no)
    if channel is not None:
        links.append(a(ctx.channel_href(channel), channel.name))
    links += [a(ctx.href(ctx.layout.list_path(c, 0)), c.name) for c in chain]
    return '<div class="position">当前位置：' + " &gt; ".join(links) + "</div>"


def subnav(ctx: Ctx, col: Column) -> str:
    """The sub-column menu of a parent column's list pages ("" when it has none)."""
    subs = [c for c in ctx.columns if c.parent == col.no]
    if not subs:
        return ""
    items = "".join(f"<li>{a(ctx.href(ctx.layout.list_path(c, 0)), c.name)}</li>" for c in subs)
    return f'<div class="subnav"><h4>子栏目</h4><ul>{items}</ul></div>'


@lru_cache(maxsize=256)
def footer(ctx: Ctx) -> str:
    """The identity block (页面底部功能区) and related links."""
    if ctx.variants.footer is not None:
        return varied_footer(ctx)
    ident = ctx.identity
    shown = ctx.shown
    platform = ""
    if ctx.platform:
        platform = '<div class="platform">部门网站：' + "　".join(a(p, n) for n, p in ctx.platform) + "</div>\n"
    if shown.jiucuo_link:
        jiucuo = f'<p>{a(jiucuo_url(ctx), "我为政府网站找错", target="_blank")}</p>'
    else:
        jiucuo = f'<script id="_jiucuo_" sitecode="{shown.jiucuo_code}" src="{JIUCUO_JS}"></script>'
    icp = f"　{a(MIIT, shown.icp, target='_blank')}" if shown.icp else ""
    return (
        f'<div class="footer">\n{platform}'
        f'<div class="links">相关链接：{a(GOV_CN, "中国政府网", target="_blank")}</div>\n'
        f'<p><span id="_ideConac"><a href="{escape(conac_url(ctx))}" target="_blank">'
        f'<img src="{CONAC_IMG}" alt="党政机关"></a></span></p>\n'
        f"<p>主办单位：{escape(ident.sponsor)}　联系电话：{ident.phone}　地址：{escape(ident.address)}</p>\n"
        f"<p><span>网站标识码：{shown.site_code}</span>{icp}　"
        f"{a(police_url(ctx), shown.police_record, target='_blank')}</p>\n"
        f"<p>网站维护：{escape(ident.sponsor)}信息中心　值班联系人：{ident.maintainer}</p>\n{jiucuo}\n</div>"
    )


def varied_footer(ctx: Ctx) -> str:
    """The identity block in the site's construction variant: another order, one line or several,
    网站标识码 as text or as an image's alt text (``Variants.footer``)."""
    form = ctx.variants.footer
    assert form is not None
    ident, shown = ctx.identity, ctx.shown
    logo = ctx.href("images/logo.gif" if ctx.family == "legacy" else "images/logo.png")
    code = (f'<img src="{logo}" alt="网站标识码：{shown.site_code}" class="bsm">' if form.site_code_form == "image-alt"
            else f"<span>网站标识码：{shown.site_code}</span>")
    identity = [code] + ([a(MIIT, shown.icp, target="_blank")] if shown.icp else [])
    identity.append(a(police_url(ctx), shown.police_record, target="_blank"))
    contact = [f"主办单位：{escape(ident.sponsor)}", f"联系电话：{ident.phone}", f"地址：{escape(ident.address)}",
               f"网站维护：{escape(ident.sponsor)}信息中心"]
    items = {"identity-first": identity + contact, "contact-first": contact + identity,
             "reversed": list(reversed(identity + contact))}[form.order]
    body = ("<p>" + "　|　".join(items) + "</p>" if form.lines == "one-line"
            else "\n".join(f"<p>{item}</p>" for item in items))
    if shown.jiucuo_link:
        jiucuo = f'<p>{a(jiucuo_url(ctx), "我为政府网站找错", target="_blank")}</p>'
    else:
        jiucuo = f'<script id="_jiucuo_" sitecode="{shown.jiucuo_code}" src="{JIUCUO_JS}"></script>'
    platform = ""
    if ctx.platform:
        platform = '<div class="platform">部门网站：' + "　".join(a(p, n) for n, p in ctx.platform) + "</div>\n"
    return (f'<div class="footer">\n{platform}{jiucuo}\n'
            f'<p><span id="_ideConac"><a href="{escape(conac_url(ctx))}" target="_blank">'
            f'<img src="{CONAC_IMG}" alt="党政机关"></a></span></p>\n{body}\n'
            f'<div class="links">相关链接：{a(GOV_CN, "中国政府网", target="_blank")}</div>\n</div>')


def planted_html(ctx: Ctx, links: list[Planted]) -> str:
    """Render planted links the way such links appear on real pages."""
    if not links:
        return ""
    out = []
    for link in links:
        href = ctx.target(link)
        if link.resource == "image":
            out.append(f'<img src="{escape(href)}" alt="{escape(link.text)}">')
        elif link.resource == "external":
            out.append(a(href, link.text, target="_blank"))
        else:
            out.append(a(href, link.text))
    return '<div class="related"><h4>相关链接</h4>' + "\n".join(out) + "</div>"


def column_metas(col: Column, column_type: bool = True) -> list[tuple[str, str]]:
    """Meta tags of a column (list) page; ColumnType is the type label (e.g. 工作动态).
    ``column_type`` False leaves ColumnType out (a planted defect)."""
    metas = [("ColumnName", col.name), ("ColumnDescription", f"{col.name}栏目"), ("ColumnKeywords", col.name)]
    return metas + ([("ColumnType", col.profile.meta_type)] if column_type else [])


def item_metas(col: Column, item: Item, pub_date: str | None = None) -> list[tuple[str, str]]:
    """Meta tags of an item page; ``pub_date`` overrides the PubDate content (a planted defect)."""
    return [("ArticleTitle", item.title), ("PubDate", pub_date or item.when.strftime("%Y-%m-%d %H:%M")),
            ("ContentSource", item.source), ("Keywords", col.name), ("Description", item.title)]


def item_body(ctx: Ctx, col: Column, item: Item, info: str, soft200: bool, extra: str = "",
              files: list[Attachment] | None = None) -> str:
    """The main part of an item page: title, date line, content, images, attachments.

    ``extra`` (planted HTML) closes the content; ``files`` are planted attachments after the item's own.
    """
    parts = [position(ctx, col), f'<h1 class="title">{escape(item.title)}</h1>'] + ([info] if info else [])
    if col.type == "consult":
        parts.append(message_html(ctx.family, item.title, item.details, ctx.variants))
    elif col.type == "service":
        parts.append(guide_html(ctx.family, item.details, [(k.text, link_href(ctx, item, k)) for k in item.links]))
    else:
        if item.details:
            parts.append(_table("details", list(item.details.items())))
        paragraphs = item.paragraphs + ([SOFT_200_SENTENCE] if soft200 else [])
        parts.append('<div class="content">' + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + extra)
        for n in range(1, item.images + 1):
            src = ctx.href(ctx.layout.image_path(col, item.index, n))
            parts.append(f'<p><img src="{escape(src)}" alt="{escape(item.title)}"></p>')
        parts.append("</div>")
    attachments = item.attachments + (files or [])
    if attachments:
        links = [a(ctx.href(ctx.layout.attachment_path(col, item.index, att.n, att.ext)), att.label)
                 for att in attachments]
        parts.append('<div class="attachments">' + "<br>".join(links) + "</div>")
    return "\n".join(parts)


def _table(cls: str, rows: list[tuple[str, str]], first: tuple[str, str] | None = None) -> str:
    rows = ([first] if first else []) + rows
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{cells}</table>'


def headline(href: str, title: str, date_text: str) -> str:
    """The homepage 头条: the newest 政务动态 item again, in large type."""
    return (f'<div class="headline"><h2>{a(href, title, title=title)}</h2>'
            f'<span class="date">{date_text}</span></div>')


def home_block(ctx: Ctx, col: Column, entries: list[tuple[str, str, str]]) -> str:
    """A homepage column block; ``entries`` are (href, full title, date text)."""
    lis = []
    for href, title, date_text in entries:
        short = title if len(title) <= 18 else title[:18] + "…"
        lis.append(f'<li>{a(href, short, title=title)}<span class="date">{date_text}</span></li>')
    more = a(ctx.href(ctx.layout.list_path(col, 0)), "更多", class_="more")
    return (f'<div class="block" data-column="{col.id}">\n<div class="block-hd"><h3>{escape(col.name)}</h3>{more}</div>\n'
            f'<ul class="block-list">\n' + "\n".join(lis) + "\n</ul>\n</div>")


def soft404_page(ctx: Ctx) -> str:
    """A 200 page that only says the page does not exist."""
    charset = "gb2312" if ctx.family == "legacy" else "utf-8"
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>页面不存在</title></head><body><h1>页面不存在</h1>"
            f"<p>您访问的页面不存在或已被删除。</p>{a(ctx.root, '返回首页')}</body></html>\n")


def error_page(ctx: Ctx, status: int, reason: str) -> str:
    """Body of an error status response."""
    charset = "gb2312" if ctx.family == "legacy" else "utf-8"
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n")
