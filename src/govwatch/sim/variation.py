"""Construction variants of a simulated site (``SimOptions.variation``).

Variation 0 builds every site exactly as the three CMS families of docs/sim-families.md do.
Variation ``N >= 1`` picks, per site and by seed, another way of building the same content
(docs/simulator.md, "Construction variation"), so that a test asserts a class of site
construction, not one instance:

- ``channels``: the navigation links a channel page (互动交流 / 政民互动 / 公众参与, sometimes also
  信息公开) that lists its sub-columns, instead of the columns themselves; the sub-columns lose
  their homepage blocks (reachable only through the channel page);
- ``sitemap_only``: columns linked from nowhere but the 网站地图 page (linked from the header);
- ``script``: the script-filled list loads an external ``js/list.js`` that fetches a JSON API with
  one of several response shapes and field names;
- ``downloads``: attachments are served from a download endpoint (``downfile.jsp?filename=``,
  ``download.do?id=`` with a Content-Disposition header in UTF-8 or raw GBK, or an
  extension-less URL), never from a URL ending in the file's extension;
- ``board``: message detail pages in another layout, with other state words; the board's list
  pages hold ``BOARD_PAGE_SIZE`` messages under a head naming the message and reply fields;
- ``footer``: the identity block in another order and form (one line or several, 网站标识码 as
  text or as an image's alt text, a 10-digit ICP serial, other 公安备案 wording);
- ``later_columns``: when the crawl day lies after the as-of, these columns also hold items dated
  between the two (``ColumnProfile.later``).

Everything here is a pure function of (seed, variation, site id).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from govwatch.sim.column_pages import CATALOGUE, ColumnProfile
from govwatch.sim.rng import Rng, stable_int

# Channel pages: (slug, name, candidate column numbers). The interaction channel is always built
# for N >= 1; the 信息公开 channel on about half of the sites.
INTERACTION_CHANNELS: tuple[str, ...] = ("互动交流", "政民互动", "公众参与")
INTERACTION_COLUMNS: tuple[int, ...] = (7, 8, 9)  # 领导信箱, 调查征集, 在线访谈
OPENNESS_CHANNEL = "信息公开"
OPENNESS_COLUMNS: tuple[int, ...] = (3, 5, 6)  # 政策文件, 人事信息, 规划计划
CONSULT_NAMES: tuple[str, ...] = ("领导信箱", "县长信箱", "市长信箱", "留言选登", "咨询投诉")
SITEMAP_CANDIDATES: tuple[int, ...] = (10, 13, 17)  # 办事指南, 专题专栏 (blank), 机构职能 (undated)
SCRIPT_SHAPES: tuple[str, ...] = ("data", "rows", "result.records", "array")
TITLE_FIELDS: tuple[str, ...] = ("title", "bt")
DATE_FIELDS: tuple[str, ...] = ("pubDate", "fbrq", "publishTime")  # "2026-11-20 10:00:00" | "2026-11-20" | epoch ms
URL_FIELDS: tuple[str, ...] = ("url", "link", "id")  # id: the script builds the article path from id and date
DOWNLOADS: tuple[str, ...] = ("downfile", "download-utf8", "download-gbk", "bare")
BOARD_LAYOUTS: tuple[str, ...] = ("table", "dl", "cards", "qa")
ANSWERED_WORDS: tuple[str, ...] = ("已办结", "已回复", "已答复")
UNANSWERED_WORDS: tuple[str, ...] = ("待答复", "待回复", "办理中", "未答复")
FOOTER_ORDERS: tuple[str, ...] = ("identity-first", "contact-first", "reversed")
FOOTER_LINES: tuple[str, ...] = ("lines", "one-line")
SITE_CODE_FORMS: tuple[str, ...] = ("text", "image-alt")
POLICE_WORDINGS: tuple[str, ...] = ("{abbr}公网安备{code}号", "{abbr}公网安备案号：{code}", "公安机关备案号：{abbr}公网安备{code}号")
DEFAULT_POLICE_WORDING = "{abbr}公网安备 {code}号"
LATER_CANDIDATES: tuple[int, ...] = (6, 15, 16)  # 规划计划 (stale), 图片新闻 (15 days: stale), 工作信息 (fresh)
LATER_ITEMS = 2  # items dated after the as-of, not after the crawl day, per chosen column
BOARD_PAGE_SIZE = 5  # messages per list page of the message board (several pages even on small sites)


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel page: its URL slug (and JCMS column id), name and sub-column numbers."""

    slug: str
    name: str
    jcms_id: int
    columns: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ScriptList:
    """How the script-filled list is built: response shape and field names of its JSON API."""

    shape: str
    title_field: str
    date_field: str
    url_field: str


@dataclass(frozen=True, slots=True)
class FooterForm:
    """How the footer shows the identity items."""

    order: str
    lines: str
    site_code_form: str
    icp_serial10: bool
    police_wording: str


@dataclass(frozen=True, slots=True)
class Variants:
    """The construction variants of one site; the defaults are variation 0 (today's construction)."""

    variation: int = 0
    channels: tuple[Channel, ...] = ()
    consult_name: str | None = None  # another name of the 领导信箱 column
    sitemap_only: tuple[int, ...] = ()
    script: ScriptList | None = None
    downloads: str | None = None
    board_layout: str | None = None
    state_words: tuple[str, str] = ("已办结", "办理中")  # (answered, unanswered)
    footer: FooterForm | None = None
    sitemap: bool = False  # a 网站地图 page exists, linked from the header
    later_columns: tuple[int, ...] = ()  # columns with items dated after the as-of (if the crawl is later)
    _channel_of: dict[int, Channel] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def channel_of(self, no: int) -> Channel | None:
        """The channel page column ``no`` sits under, or None."""
        return self._channel_of.get(no)

    @property
    def police_wording(self) -> str:
        return self.footer.police_wording if self.footer else DEFAULT_POLICE_WORDING

    def truth(self) -> dict[str, Any]:
        """The manifest's ``variation`` entry (channel and sitemap URLs are added by the manifest)."""
        return {
            "index": self.variation,
            "channels": [{"name": c.name, "columns": [f"c{n}" for n in c.columns]} for c in self.channels],
            "consult_name": self.consult_name,
            "sitemap_only": [f"c{n}" for n in self.sitemap_only],
            "script": None if self.script is None else {
                "src": "js/list.js", "shape": self.script.shape, "title_field": self.script.title_field,
                "date_field": self.script.date_field, "url_field": self.script.url_field},
            "downloads": self.downloads,
            "board_layout": self.board_layout,
            "state_words": {"answered": self.state_words[0], "unanswered": self.state_words[1]},
            "footer": None if self.footer is None else {
                "order": self.footer.order, "lines": self.footer.lines, "site_code_form": self.footer.site_code_form,
                "icp_serial10": self.footer.icp_serial10, "police_wording": self.footer.police_wording},
            "later_columns": [f"c{n}" for n in self.later_columns],
        }


DEFAULT = Variants()


@lru_cache(maxsize=256)
def choose(seed: int, variation: int, site_id: str) -> Variants:
    """The variants of site ``site_id`` (``DEFAULT`` for variation 0)."""
    if variation <= 0:
        return DEFAULT
    r = Rng(stable_int(seed, variation, site_id, "variation"))
    channels = [Channel("hdjl", r.choice(INTERACTION_CHANNELS), 95, INTERACTION_COLUMNS)]
    if r.random() < 0.5:
        channels.append(Channel("xxgk", OPENNESS_CHANNEL, 96, OPENNESS_COLUMNS))
    sitemap_only = tuple(sorted(n for n in SITEMAP_CANDIDATES if r.random() < 0.6)) or (r.choice(SITEMAP_CANDIDATES),)
    script = ScriptList(r.choice(SCRIPT_SHAPES), r.choice(TITLE_FIELDS), r.choice(DATE_FIELDS), r.choice(URL_FIELDS))
    footer = FooterForm(r.choice(FOOTER_ORDERS), r.choice(FOOTER_LINES), r.choice(SITE_CODE_FORMS),
                        r.random() < 0.7, r.choice(POLICE_WORDINGS))
    later = Rng(stable_int(seed, variation, site_id, "later"))  # own stream: the draws above stay as they were
    later_columns = tuple(n for n in LATER_CANDIDATES if later.random() < 0.6) or (15,)
    return Variants(
        variation=variation, channels=tuple(channels), consult_name=r.choice(CONSULT_NAMES),
        sitemap_only=sitemap_only, script=script, downloads=r.choice(DOWNLOADS),
        board_layout=r.choice(BOARD_LAYOUTS), state_words=(r.choice(ANSWERED_WORDS), r.choice(UNANSWERED_WORDS)),
        footer=footer, sitemap=True, later_columns=later_columns,
        _channel_of={n: c for c in channels for n in c.columns},
    )


def catalogue(variants: Variants) -> tuple[ColumnProfile, ...]:
    """The column catalogue as ``variants`` builds it: sub-columns of a channel page and columns of
    the site map only leave the navigation and the homepage; the 领导信箱 column may have another name."""
    if variants is DEFAULT:
        return CATALOGUE
    out = []
    for profile in CATALOGUE:
        if variants.channel_of(profile.no) is not None:
            profile = replace(profile, nav=False, on_homepage=False, via="channel")
        elif profile.no in variants.sitemap_only:
            profile = replace(profile, nav=False, on_homepage=False, via="sitemap")
        if profile.type == "consult":
            profile = replace(profile, name=variants.consult_name or profile.name, page_size=BOARD_PAGE_SIZE)
        if profile.no in variants.later_columns:
            profile = replace(profile, later=LATER_ITEMS)
        out.append(profile)
    return tuple(out)
