"""Planted content, personal-data, identity and security defects (issue 5), with their negatives.

A :class:`SitePlants` decides once per site what stands where; the pages render what it holds
(extra article HTML, ``<title>`` and PubDate overrides, attachments, homepage variants, a
missing ColumnType) and the manifest lists ``planted`` and ``negatives`` from the same objects:
there is no second, hand-written list.

Where (``SLOTS``): a handful of articles near the top of article columns, the homepage and one
list page; never the soft-200 decoy or the future-dated item, one slot per page, so a negative
page holds no planted defect. No page is added.

- Every site: wording errors (under construction variation also one near-miss per class of
  ``govwatch.sim.near_miss``), typos, banned terms (title, link text), personal data (page
  table, link text, xlsx/docx/csv/pdf attachments), dark links (eight hiding techniques),
  an injected script and iframe, and the negatives page.
- Lead sites (the first site of each family in the portfolio): footer defects
  (``LEAD_FOOTER_DEFECTS``), a list page without ColumnType, an article whose PubDate differs
  from its visible date, cloaking (the homepage differs for a ``Baiduspider`` User-Agent), and
  tampering of the homepage, served only while the tamper flag is on (``SimOptions.tampered``
  or ``SimServer.set_tampered``).

Entries served only under a condition carry ``needs``: ``"baiduspider"`` (User-Agent contains
Baiduspider) or ``"tampered"`` (the tamper flag). They are always listed: the manifest does not
depend on runtime state. Off-site targets lie on the simulator's external base (loopback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from govwatch.sim import resources
from govwatch.sim.boards import UNTAGGED_BOARD_TAG, untagged_board_page
from govwatch.sim.column_pages import Column
from govwatch.sim.families import JCMS_GROUP_PAGES
from govwatch.sim.footers import varied_footer_defects
from govwatch.sim.html_common import GOV_CN, Ctx, a
from govwatch.sim.items import Attachment
from govwatch.sim.layout import Ref
from govwatch.sim.leaks import Person, decoys, masked_id, masked_mobile, person
from govwatch.sim.near_miss import site_near_misses
from govwatch.sim.options import SimOptions, SiteSpec

SPIDER_TOKEN = "Baiduspider"
LEAD_FOOTER_DEFECTS: dict[str, frozenset[str]] = {
    "trs": frozenset({"site_code", "police_record"}),
    "jcms": frozenset({"jiucuo", "icp"}),
    "legacy": frozenset({"site_code", "icp"}),
}
# slot -> (column number, preferred item index); LEAD_ONLY slots exist on lead sites only.
SLOTS: dict[str, tuple[int, int]] = {
    "wording": (1, 3), "typo": (2, 1), "banned": (12, 0), "privacy": (5, 0), "mobile_link": (4, 1),
    "dark_css": (12, 1), "dark_misc": (4, 0), "injected": (2, 2), "negatives": (11, 0), "pubdate": (1, 2),
}
LEAD_ONLY = frozenset({"pubdate"})
COLUMN_TYPE_PAGE = (2, 0)  # (column number, list page) without ColumnType on lead sites (a name-typed column)
NO_SOURCE = (12, 2)  # (column number, preferred item) of the article with an empty ContentSource (variation >= 1)
PUBDATE_SHIFT = timedelta(days=2)  # the planted PubDate lies this much before the visible date

# (sentence, found, expected, how): near-misses of wording.yaml phrases, as the check reports them.
WORDING: tuple[tuple[str, str, str, str], ...] = (
    ("会议传达学习了国务院总理李墙在全国安全生产电视电话会议上的重要讲话精神。", "国务院总理李墙", "国务院总理李强", "homophone"),
    ("全体干部要增强“四个意识”、坚定“四个自信”、做到“两个护维”。", "两个护维", "两个维护", "transposition"),
    ("奋力谱写中国式现代化新篇章，为实现中华民族伟大复新贡献力量。", "中华民族伟大复新", "中华民族伟大复兴", "substitution"),
    ("根据国家发展和改格委员会有关通知要求，做好重要民生商品价格监测工作。", "国家发展和改格委员会", "国家发展和改革委员会", "homophone"),
)
TYPO_SENTENCE = "各单位要切实把安全生产工做抓紧抓实，既使在节假日期间也要严格落实值班值守制度。"
TYPOS: tuple[tuple[str, str], ...] = (("工做", "工作"), ("既使", "即使"))  # typos.yaml pairs in the sentence
BANNED_TITLE_TERM = "澳门赌场"  # banned.yaml terms
BANNED_LINK = ("六合彩", "六合彩资料大全")  # (term, link text)
# (technique, banned term used as anchor text, slot); "home" is the homepage.
DARK_LINKS: tuple[tuple[str, str, str], ...] = (
    ("display_none", "网上赌场", "home"),
    ("visibility_hidden", "百家乐", "dark_css"),
    ("offscreen", "真人娱乐城", "dark_css"),
    ("font_size_0", "成人视频", "dark_css"),
    ("style_class", "太阳城娱乐", "dark_css"),
    ("same_colour", "在线赌博", "dark_misc"),
    ("marquee", "时时彩开奖", "dark_misc"),
    ("document_write", "博彩", "dark_misc"),  # written by script: not in the page's static text
)
SCRIPT_WRITTEN = frozenset({"document_write"})
SPAM_TITLE = "百家乐-真人娱乐城-澳门赌场官网"
SPAM_TITLE_TERMS = ("百家乐", "真人娱乐城", "澳门赌场")
SPAM_LINKS: tuple[tuple[str, str], ...] = (("在线赌博", "在线赌博平台"), ("网上赌场", "网上赌场注册"))
TAMPER_TEXT = ("太阳城娱乐", "热烈祝贺太阳城娱乐平台全新上线，新用户注册即送彩金。")
TAMPER_LINK = ("澳门赌场", "澳门赌场在线")
NEGATIVE_SENTENCES: tuple[tuple[str, str, str], ...] = (  # (sentence, kind it must not raise, what)
    ("会议传达学习了国务院总理李强的重要讲话精神，深入学习贯彻习近平新时代中国特色社会主义思想，坚决做到“两个维护”，"
     "为实现中华民族伟大复兴贡献力量。", "wording_error", "canonical phrases written correctly"),
    ("市生态环境局、市住房和城乡建设局会同国家发展和改革委员会有关司局开展联合执法检查。", "wording_error",
     "local body names (市生态环境局) and a correct organisation name"),
    ("公安机关持续开展打击跨境赌博专项行动，严厉打击电信网络诈骗违法犯罪。", "banned_content", "anti-gambling text (打击跨境赌博)"),
    ("各单位要切实把安全生产工作抓紧抓实，即使在节假日期间也要严格落实值班值守制度。", "typo", "the correct forms 工作 and 即使"),
)


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted defect: a finding of ``kind`` expected at ``ref`` with ``match`` in its evidence.

    ``values``: the full personal values a privacy plant shows (truth for tests; findings must
    mask them). ``needs``: the condition under which it is served (None: always).
    """

    kind: str
    ref: Ref
    match: dict[str, Any]
    needs: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Negative:
    """Something at ``ref`` that looks like a defect of ``kind`` but is not one (never reported).
    ``target``: the hidden link's absolute URL, for dark-link negatives."""

    kind: str
    ref: Ref
    what: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class PlantedFile:
    """A planted attachment: its link and what its bytes hold."""

    attachment: Attachment
    rows: tuple[tuple[str, ...], ...] = ()
    text: str = ""

    def body(self) -> bytes:
        rows = [list(r) for r in self.rows]
        ext = self.attachment.ext
        if ext == "xlsx":
            return resources.xlsx_bytes(self.text, rows)
        if ext == "docx":
            return resources.docx_bytes(self.text, rows)
        if ext == "csv":
            return ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode("gb18030")
        return resources.pdf_bytes(self.text)


def is_lead(options: SimOptions, spec: SiteSpec) -> bool:
    """Whether ``spec`` is the first site of its family in the portfolio."""
    return next(s for s in options.portfolio if s.family == spec.family).id == spec.id


def footer_defects(options: SimOptions, spec: SiteSpec) -> frozenset[str]:
    """The footer defects a site carries (lead sites only; construction variation may add one)."""
    defects = LEAD_FOOTER_DEFECTS[spec.family] if is_lead(options, spec) else frozenset()
    return varied_footer_defects(defects, options.seed, options.variation, spec.id)


def dark_html(technique: str, href: str, text: str) -> str:
    """A link hidden the way ``technique`` says."""
    link = a(href, text)
    if technique == "display_none":
        return f'<div style="display:none">{link}</div>'
    if technique == "visibility_hidden":
        return f'<div style="visibility:hidden">{link}</div>'
    if technique == "offscreen":
        return f'<div style="position:absolute;left:-9999px;top:-9999px">{link}</div>'
    if technique == "font_size_0":
        return f'<div style="font-size:0;line-height:0">{link}</div>'
    if technique == "style_class":
        return f'<style type="text/css">.gwlnk{{display:none}}</style><div class="gwlnk">{link}</div>'
    if technique == "same_colour":
        return f'<div style="background-color:#ffffff">{a(href, text, style="color:#ffffff")}</div>'
    if technique == "marquee":
        return f'<marquee height="1" width="1" scrollamount="3000" scrolldelay="20000">{link}</marquee>'
    if technique == "document_write":
        return f"<script type=\"text/javascript\">document.write('<div style=\"display:none\">{link}</div>');</script>"
    raise ValueError(technique)


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f'<table class="list-table"><tr>{head}</tr>{body}</table>'


class SitePlants:
    """Every issue-5 plant of one site and the page pieces that show them.

    ``reserved``: (column, item) pages no plant may take (the soft-200 decoy, future-dated items).
    """

    def __init__(self, options: SimOptions, spec: SiteSpec, ctx: Ctx, columns: list[Column],
                 reserved: frozenset[tuple[int, int]]) -> None:
        self.options, self.spec, self.ctx, self.columns, self.reserved = options, spec, ctx, columns, reserved
        self.planted: list[Plant] = []
        self.negatives: list[Negative] = []
        self.lead = is_lead(options, spec)
        self._extra: dict[Ref, list[str]] = {}
        self._titles: dict[Ref, str] = {}
        self._files: dict[Ref, list[PlantedFile]] = {}
        self._pub_dates: dict[Ref, str] = {}
        self._home: dict[str, list[str]] = {"normal": [], "spider": [], "tampered": []}
        self.no_column_type: frozenset[tuple[int, int]] = frozenset()
        self.no_source: frozenset[tuple[int, int]] = frozenset()  # articles with an empty ContentSource
        self.board_untagged: frozenset[tuple[int, int]] = frozenset()  # board list pages missing a tag
        self.slots = self._place()
        self._content()
        self._privacy()
        self._identity()
        self._security()
        self._negative_page()
        if options.variation:
            self._varied()

    # -- what pages ask ----------------------------------------------------------
    def extra_html(self, ref: Ref) -> str:
        """Planted HTML closing an article's content ("" when none)."""
        return "\n".join(self._extra.get(ref, []))

    def title(self, ref: Ref) -> str | None:
        """A planted ``<title>`` prefix of an article, or None."""
        return self._titles.get(ref)

    def files(self, ref: Ref) -> list[PlantedFile]:
        """Planted attachments of an article."""
        return self._files.get(ref, [])

    def file(self, ref: Ref, n: int, ext: str) -> PlantedFile | None:
        """Planted attachment ``n`` (extension ``ext``) of an article, or None."""
        return next((f for f in self.files(ref) if f.attachment.n == n and f.attachment.ext == ext), None)

    def iter_file_refs(self) -> list[tuple[Ref, PlantedFile]]:
        """(article, attachment) of every planted attachment."""
        return [(ref, f) for ref, files in self._files.items() for f in files]

    def pub_date(self, ref: Ref) -> str | None:
        """A planted PubDate content of an article, or None."""
        return self._pub_dates.get(ref)

    def home_html(self, variant: str) -> str:
        """Planted homepage HTML of a variant: normal | spider | tampered."""
        parts = self._home["normal"] + (self._home[variant] if variant != "normal" else [])
        return "\n".join(parts)

    def home_variant(self, user_agent: str, tampered: bool) -> str:
        """Which homepage a request gets."""
        if self.lead and SPIDER_TOKEN in user_agent:
            return "spider"
        return "tampered" if tampered and self.lead else "normal"

    # -- placement -------------------------------------------------------------
    def _place(self) -> dict[str, Ref]:
        by_no = {c.no: c for c in self.columns}
        taken = set(self.reserved)
        out: dict[str, Ref] = {}
        for name, (no, pref) in SLOTS.items():
            col = by_no.get(no)
            if (name in LEAD_ONLY and not self.lead) or col is None or col.blank or col.js or not col.items:
                continue
            index = next((i for i in [pref, *range(min(col.items, 64))] if i < col.items and (no, i) not in taken),
                         None)
            if index is not None:
                taken.add((no, index))
                out[name] = Ref("item", no, index)
        return out

    def _add(self, slot: str, html: str) -> Ref | None:
        ref = self.slots.get(slot)
        if ref is not None:
            self._extra.setdefault(ref, []).append(html)
        return ref

    def _external(self, path: str) -> str:
        return self.ctx.external_base + path

    # -- content ---------------------------------------------------------------
    def _content(self) -> None:
        near = site_near_misses(self.options.seed, self.options.variation, self.spec.id)  # none for variation 0
        ref = self._add("wording", "".join(_p(s) for s, *_ in WORDING) + "".join(_p(n.sentence) for n in near))
        if ref is not None:
            wrong = [(found, expected, how) for _s, found, expected, how in WORDING]
            wrong += [(n.form, n.expected, n.how) for n in near]
            for found, expected, how in wrong:
                self.planted.append(Plant("wording_error", ref, {"found": found, "expected": expected, "how": how}))
        ref = self._add("typo", _p(TYPO_SENTENCE))
        if ref is not None:
            self.planted += [Plant("typo", ref, {"found": w, "expected": r}) for w, r in TYPOS]
        term, text = BANNED_LINK
        ref = self._add("banned", f'<p>友情链接：{a(self._external(f"ad/{self.spec.id}/lhc.html"), text)}</p>')
        if ref is not None:
            self._titles[ref] = BANNED_TITLE_TERM
            self.planted.append(Plant("banned_content", ref, {"term": BANNED_TITLE_TERM, "where": "title"}))
            self.planted.append(Plant("banned_content", ref, {"term": term, "where": "link"}))

    # -- personal data ---------------------------------------------------------
    def _person(self, purpose: str) -> Person:
        return person(self.ctx.identity.site_code[:6], self.options.seed, self.spec.id, purpose)

    def _privacy(self) -> None:
        p = self._person("page")
        rows = [("姓名", "身份证号", "联系电话", "银行卡号"), (p.name, p.id_number, p.mobile, p.card)]
        ref = self._add("privacy", _p("经研究，现将补贴发放对象名单公示如下：") + _table(rows))
        if ref is not None:
            self.planted.append(Plant("privacy_leak", ref, {"counts": {"bank_card": 1, "id_card": 1, "mobile": 1}},
                                      values=(p.id_number, p.mobile, p.card)))
            self._attachments(ref)
        p = self._person("link")
        col_ref = self.slots.get("mobile_link")
        if col_ref is not None:
            col = next(c for c in self.columns if c.no == col_ref.col)
            link = a(self.ctx.href(self.ctx.layout.list_path(col, 0)), f"值班手机 {p.mobile}")
            self._add("mobile_link", f"<p>如有疑问，请联系：{link}</p>")
            self.planted.append(Plant("privacy_leak", col_ref, {"counts": {"mobile": 1}}, values=(p.mobile,)))

    def _attachments(self, ref: Ref) -> None:
        header = ("姓名", "身份证号", "联系电话")
        p2, p3, p4, p5 = (self._person(k) for k in ("xlsx", "docx", "csv", "pdf"))
        files = [
            (PlantedFile(Attachment(5, "xlsx", "附件5：拟录用人员名单.xlsx"),
                         (header, (p2.name, p2.id_number, p2.mobile))), {"id_card": 1, "mobile": 1},
             (p2.id_number, p2.mobile)),
            (PlantedFile(Attachment(6, "docx", "附件6：补贴发放明细.docx"), (("姓名", "身份证号"), (p3.name, p3.id_number)),
                         f"发放对象：{p3.name}，银行卡号：{p3.card}"), {"bank_card": 1, "id_card": 1},
             (p3.id_number, p3.card)),
            (PlantedFile(Attachment(7, "csv", "附件7：申请人信息.csv"), (header, (p4.name, p4.id_number, p4.mobile))),
             {"id_card": 1, "mobile": 1}, (p4.id_number, p4.mobile)),
            (PlantedFile(Attachment(8, "pdf", "附件8：公示名单.pdf"),
                         text=f"Applicant list. ID number {p5.id_number} mobile {p5.mobile}"),
             {"id_card": 1, "mobile": 1}, (p5.id_number, p5.mobile)),
        ]
        self._files[ref] = [f for f, _, _ in files]
        for f, counts, values in files:
            where = Ref("attachment", ref.col, ref.index, f.attachment.n, f.attachment.ext)
            self.planted.append(Plant("privacy_leak", where, {"counts": counts}, values=values))

    # -- identity --------------------------------------------------------------
    def _identity(self) -> None:
        home = Ref("home")
        if not self.lead:
            self.negatives += [Negative("footer_item_missing", home, "complete footer"),
                               Negative("footer_item_invalid", home, "valid footer identifiers")]
            return
        shown = self.ctx.shown
        matches = {
            "site_code": ("footer_item_invalid", {"item": "site_code", "problem": "invalid",
                                                  "observed": shown.site_code}),
            "icp": ("footer_item_missing", {"item": "icp", "problem": "missing"}),
            "police_record": ("footer_item_invalid", {"item": "police_record", "problem": "legacy"}),
            "jiucuo": ("footer_item_invalid", {"item": "jiucuo", "problem": "mismatch", "observed": shown.jiucuo_code,
                                               "expected": self.ctx.identity.site_code}),
            "jiucuo_placeholder": ("footer_item_invalid", {"item": "jiucuo", "problem": "invalid",
                                                           "observed": shown.jiucuo_code}),
        }
        for defect in sorted(self.ctx.footer_defects):
            kind, match = matches[defect]
            self.planted.append(Plant(kind, home, match))
        no, k = COLUMN_TYPE_PAGE
        col = next((c for c in self.columns if c.no == no and not c.blank and not c.js and c.list_pages > k), None)
        if col is not None:
            self.no_column_type = frozenset({(no, k)})
            self.planted.append(Plant("meta_tag_missing", Ref("list", no, k),
                                      {"page_type": "list", "missing": ["ColumnType"]}))
        ref = self.slots.get("pubdate")
        if ref is not None:
            when = next(c for c in self.columns if c.no == ref.col).item_when(ref.index)
            observed = (when - PUBDATE_SHIFT).strftime("%Y-%m-%d %H:%M")
            self._pub_dates[ref] = observed
            self.planted.append(Plant("meta_tag_invalid", ref, {"tag": "PubDate", "problem": "mismatch",
                                                                "observed": observed,
                                                                "expected": when.date().isoformat()}))

    # -- security signs ----------------------------------------------------------
    def _security(self) -> None:
        site = self.spec.id
        for technique, term, slot in DARK_LINKS:
            target = self._external(f"dark/{site}/{technique}.html")
            html = dark_html(technique, target, term)
            if slot == "home":
                ref: Ref | None = Ref("home")
                self._home["normal"].append(html)
            else:
                ref = self._add(slot, html)
            if ref is None:
                continue
            self.planted.append(Plant("dark_link", ref, {"technique": technique, "target": target, "text": term}))
            if technique not in SCRIPT_WRITTEN:
                self.planted.append(Plant("banned_content", ref, {"term": term, "where": "link"}))
        script, frame = self._external(f"js/{site}/count.js"), self._external(f"ad/{site}/frame.html")
        ref = self._add("injected", f'<script type="text/javascript" src="{escape(script)}"></script>'
                                    f'<iframe src="{escape(frame)}" width="0" height="0" frameborder="0"></iframe>')
        if ref is not None:
            self.planted += [Plant("tampering", ref, {"signal": "injected_script", "target": script}),
                             Plant("tampering", ref, {"signal": "injected_iframe", "target": frame})]
        home = Ref("home")
        if self.lead:
            links = [a(self._external(f"seo/{site}/{n}.html"), text) for n, (_t, text) in enumerate(SPAM_LINKS, 1)]
            self._home["spider"].append('<div class="hot">' + "　".join(links) + "</div>")
            self.planted.append(Plant("cloaking", home, {"user_agent": SPIDER_TOKEN, "title": SPAM_TITLE},
                                      needs="baiduspider"))
            self.planted += [Plant("banned_content", home, {"term": t, "where": "title"}, needs="baiduspider")
                             for t in SPAM_TITLE_TERMS]
            self.planted += [Plant("banned_content", home, {"term": t, "where": "link"}, needs="baiduspider")
                             for t, _text in SPAM_LINKS]
            target = self._external(f"hack/{site}/index.html")
            term, text = TAMPER_TEXT
            self._home["tampered"].append(f'<div class="notice-ad">{_p(text)}{a(target, TAMPER_LINK[1])}</div>')
            self.planted.append(Plant("tampering", home, {"signal": "baseline_change", "target": target,
                                                          "text": text}, needs="tampered"))
            self.planted += [Plant("banned_content", home, {"term": term, "where": "text"}, needs="tampered"),
                             Plant("banned_content", home, {"term": TAMPER_LINK[0], "where": "link"},
                                   needs="tampered")]

    # -- construction variation ---------------------------------------------------
    def _varied(self) -> None:
        """Variation >= 1, every site: one article whose ContentSource tag is empty (``NO_SOURCE``), and
        one list page of the message board without ``UNTAGGED_BOARD_TAG`` (``boards.untagged_board_page``)."""
        board = next((c for c in self.columns if c.type == "consult"), None)
        k = untagged_board_page(board, JCMS_GROUP_PAGES if self.spec.family == "jcms" else 1) if board else None
        if board is not None and k is not None:
            self.board_untagged = frozenset({(board.no, k)})
            self.planted.append(Plant("meta_tag_missing", Ref("list", board.no, k),
                                      {"page_type": "list", "missing": [UNTAGGED_BOARD_TAG]}))
        no, pref = NO_SOURCE
        col = next((c for c in self.columns if c.no == no and not c.blank and not c.js), None)
        taken = self.reserved | {(r.col, r.index) for r in self.slots.values()}
        index = next((i for i in [pref, *range(col.items)] if i < col.items and (no, i) not in taken),
                     None) if col is not None else None
        if index is not None:
            self.no_source = frozenset({(no, index)})
            self.planted.append(Plant("meta_tag_missing", Ref("item", no, index),
                                      {"page_type": "article", "missing": ["ContentSource"]}))

    # -- the negatives page --------------------------------------------------------
    def _negative_page(self) -> None:
        ref = self.slots.get("negatives")
        if ref is None:
            return
        region = self.ctx.identity.site_code[:6]
        fake = decoys(region, self.options.seed, self.spec.id)
        skip = '<a href="#content" style="position:absolute;left:-9999px">跳到正文</a>'
        official = f'<div style="font-size:0">{a(GOV_CN, "中国政府网")}</div>'
        html = [skip, *(_p(s) for s, _k, _w in NEGATIVE_SENTENCES), _p("登记信息如下（已按规定脱敏）："),
                _table([("项目", "内容"), *((label, value) for label, value, _ in fake)]), official]
        self._add("negatives", "\n".join(html))
        self.negatives += [Negative(kind, ref, what) for _s, kind, what in NEGATIVE_SENTENCES]
        self.negatives += [Negative("privacy_leak", ref, what) for _l, _v, what in fake]
        self.negatives += [Negative("dark_link", ref, "hidden link to an official host (font-size:0)", GOV_CN),
                           Negative("dark_link", ref, "on-site skip link hidden off-screen",
                                    self.ctx.base_url + self.ctx.layout.item_path(self._col(ref), ref.index))]
        p = self._person("masked")
        masked = PlantedFile(Attachment(5, "xlsx", "附件5：公示名单（已脱敏）.xlsx"),
                             (("姓名", "身份证号", "联系电话"), (p.name[0] + "*", masked_id(p.id_number),
                                                          masked_mobile(p.mobile))))
        self._files[ref] = [masked]
        self.negatives.append(Negative("privacy_leak", Ref("attachment", ref.col, ref.index, 5, "xlsx"),
                                       "masked-only attachment"))

    def _col(self, ref: Ref) -> Column:
        return next(c for c in self.columns if c.no == ref.col)
