"""Article-level facts: title, the visible publish date, soft-404 and the page type."""

from __future__ import annotations

import re
from datetime import date

from govwatch.core.model import ListBlock, PageType
from govwatch.extract.dates import find_dates
from govwatch.extract.walk import collapse

__all__ = ["choose_title", "visible_publish_date", "is_soft_404", "classify_page", "excerpt"]

_STRONG_LABEL = re.compile(
    r"(发布时间|发布日期|发文日期|成文日期|生成日期|印发日期|公开日期|发稿时间|信息时间|日期|时间|发布于|来源时间)"
    r"\s*[:：]?\s*(?=[\d０-９〇○零一二])")
_TIER0 = frozenset({"发布时间", "发布日期", "发稿时间", "发布于", "信息时间"})
_TIER2 = frozenset({"发文日期", "生成日期", "成文日期", "印发日期", "公开日期", "来源时间"})
_SITEISH = re.compile(r"(?:网|网站|政府|门户|平台|官网)$")  # a <title> tail that names the site
_DIGIT_SPACE = re.compile(r"(\d)\s+(?=[年月日号])")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|——|-\s|\s-)\s*")
# Said by the title or a heading of an error page (strict: real titles may say 找不到工作…).
_NOT_FOUND = re.compile(
    r"页面不存在|网页不存在|您访问的页面|您所访问的页面|页面未找到|未找到该页面|页面已删除|"
    r"(?:^|[\s:：|\-]|error|错误)404(?:$|[\s:：|\-]|错误|页面|not)|"
    r"Not\s*Found|找不到(?:您|该|此|所)?.{0,4}(?:页面|网页|文章|内容|信息)|(?:信息|文章|内容)(?:已被?删除|不存在)|"
    r"抱歉.{0,10}(?:不存在|找不到|已删除)", re.I)
_MESSAGE = ("留言时间", "来信时间", "咨询时间", "提问时间", "投诉时间")
_REPLY = ("答复", "回复内容", "回复时间", "办理结果", "回复单位", "答复单位")
_GUIDE = ("事项名称", "设定依据", "申请条件", "办理材料", "申请材料", "办理时限", "受理条件", "办理流程",
          "收费标准", "承诺时限", "法定时限", "实施主体", "办理地点", "咨询电话")
_LABEL_WORDS = re.compile("|".join(sorted(map(re.escape, set(_MESSAGE + _REPLY + _GUIDE)), key=len, reverse=True)))
# A message label followed by its value (留言时间：2024-01-02): one on a message's own page, one per
# row on a board list that labels every row, none on a board list whose table heads the columns.
_MESSAGE_VALUE = re.compile("(?:" + "|".join(_MESSAGE) + r")\s*[:：]?\s*[\d０-９]")
BOARD_ROWS = 3  # dated rows that make a page holding message labels a board list, not one message
_HOME_FILES = ("", "index.html", "index.htm", "index.shtml", "index.jsp", "index.php", "index.asp",
               "index.aspx", "default.htm", "default.html", "default.aspx", "default.asp", "default.shtml",
               "main.htm", "main.html")


def _digit_space_fix(text: str) -> str:
    """``2007 年`` -> ``2007年``: a typesetting space between a number and its unit."""
    return _DIGIT_SPACE.sub(r"\1", text)


def _is_line(text: str, seg: str) -> bool:
    """Whether ``seg`` occurs in ``text`` as a whole line (only whitespace around it)."""
    start = 0
    for _ in range(5):
        i = text.find(seg, start)
        if i < 0:
            return False
        before = text[text.rfind("\n", 0, i) + 1: i]
        nl = text.find("\n", i + len(seg))
        after = text[i + len(seg): nl if nl >= 0 else len(text)]
        if not before.strip() and not after.strip():
            return True
        start = i + 1
    return False


def choose_title(meta: dict[str, str], headings: list[tuple[str, str, bool]], title_tag: str,
                 site_name: str | None, body_text: str = "") -> str:
    """ArticleTitle meta, else the main heading, else the ``<title>``.

    The main heading is a visible h1–h3 that the ``<title>`` contains, else a ``<title>``
    segment (split at ``_``, ``|``, `` - ``) shown as a line of its own, else the first h1.
    """
    t = collapse(meta.get("ArticleTitle") or "")
    if t:
        return t
    visible = [(tag, text) for tag, text, hidden in headings if text and not hidden and len(text) >= 2]
    site = collapse(site_name or "")
    segments = [seg for seg in _TITLE_SPLIT.split(title_tag) if seg]
    last = segments[-1] if len(segments) >= 2 else None  # often the site name
    # A heading the <title> contains is the page's own heading (not the logo's h1).
    fitting = [text for _tag, text in visible if len(text) >= 4 and text in title_tag and text != site]
    lines = [seg for seg in segments if len(seg) >= 4 and seg != site and _is_line(body_text, seg)]
    if last is not None and _SITEISH.search(last):
        fitting = [t for t in fitting if t != last]
        lines = [t for t in lines if t != last]
    for group in ([t for t in fitting if t != last], [t for t in lines if t != last], fitting, lines):
        if group:
            return _digit_space_fix(max(group, key=len))
    for tag, text in visible:
        if tag == "h1" and len(text) >= 6 and text != site and len(text) <= 120:
            return text
    if len(segments) >= 2:
        return _digit_space_fix(max(segments[:-1], key=len))
    return _digit_space_fix(title_tag)


def _labels(text: str, lo: int):
    """Matches of the date-label pattern, found by locating 日期/时间/发布于 with ``str.find``."""
    hits: list[int] = []
    for word in ("日期", "时间", "发布于"):
        i = text.find(word, lo)
        while i >= 0:
            hits.append(i)
            i = text.find(word, i + 2)
    hits.sort()
    last_end = -1
    for i in hits:
        start = max(lo, i - 2)
        if start < last_end:
            continue
        m = _STRONG_LABEL.match(text, start) or _STRONG_LABEL.match(text, i)
        if m is None and start + 1 < i:
            m = _STRONG_LABEL.match(text, start + 1)
        if m is not None:
            last_end = m.end()
            yield m


def visible_publish_date(text: str, title: str) -> tuple[date | None, str]:
    """The publish date shown near the article title, with the text it was read from.

    Ranked: a 发布时间/发布日期 label (anywhere after the title's neighbourhood), an
    unlabelled date right after the title, other document-date labels (发文日期, 生成日期,
    成文日期 …), then plain 日期/时间 labels; nearest to the title first within a rank.
    """
    if not text:
        return None, ""
    pos = -1
    for probe in (title, title[:20], title[:10]):
        if probe and len(probe) >= 4:
            pos = text.find(probe)
            if pos >= 0:
                break
    lo = max(0, pos - 1200) if pos >= 0 else 0
    anchor = pos if pos >= 0 else 0
    best: tuple[int, int, date, str] | None = None
    for m in _labels(text, lo):
        label = m.group(1)
        rank = 0 if label in _TIER0 else (2 if label in _TIER2 else 3)
        dist = abs(m.start() - anchor) + (0 if m.start() >= anchor else 400)
        if rank == 3 and dist > 1500:
            continue
        if best is not None and (rank, dist) >= best[:2]:
            if m.start() > anchor + 1500 and best[0] <= rank:
                break
            continue
        found = find_dates(text[m.end(): m.end() + 40], partial=False)
        if not found or found[0].start > 2 or found[0].date is None:
            continue
        shown = collapse(text[m.start(): m.end() + found[0].end])
        best = (rank, dist, found[0].date, shown)
    if pos >= 0:
        # An unlabelled full date right after the title ("title\n来源：X\n2024-03-03 15:54:07")
        # ranks with the 发布时间 labels; nearest wins.
        start = pos + len(title)
        after = " ".join(text[start: start + 400].split())[:120]
        for dm in find_dates(after, partial=False):
            between = after[: dm.start]
            if dm.date is not None and len("".join(between.split())) <= 30 and "日期" not in between \
                    and "时间" not in between:
                cand = (0, len(title) + dm.start, dm.date, dm.text.strip())
                if best is None or cand[:2] < best[:2]:
                    best = cand
            break
    if best is not None:
        return best[2], best[3]
    return None, ""


def is_soft_404(title_tag: str, headings: list[tuple[str, str, bool]], body_text: str,
                is_article: bool = False) -> bool:
    """A page that says it does not exist: in its ``<title>`` or a visible heading, or (for
    pages that are not articles) as nearly all of its text."""
    for t in [title_tag] + [h for _tag, h, hidden in headings if not hidden]:
        if t and len(t) <= 40 and _NOT_FOUND.search(t):
            return True
    if is_article or len(body_text) >= 200:
        return False
    return bool(_NOT_FOUND.search(body_text))


def _is_site_root(url: str, site_root: str | None) -> bool:
    if not site_root:
        return False
    root = site_root if site_root.endswith("/") else site_root.rsplit("/", 1)[0] + "/"
    if not url.startswith(root):
        return False
    rest = url[len(root):]
    return rest.lower() in _HOME_FILES


def _dated_rows(lists: list[ListBlock]) -> int:
    """Dated items of the page's longest dated list block."""
    return max((sum(1 for i in b.items if i.date is not None) for b in lists), default=0)


def _board_list(lists: list[ListBlock], body_text: str, paginated: bool) -> bool:
    """A message board's list page, though it shows message and reply labels: a list of at least
    :data:`BOARD_ROWS` dated rows that is paginated, or whose message labels head the table (no label
    followed by a value) or label every row (a value after each of them) — one message's page labels
    its own time once."""
    if _dated_rows(lists) < BOARD_ROWS:
        return False
    values = len(_MESSAGE_VALUE.findall(body_text, 0, 20000))
    return paginated or values == 0 or values >= BOARD_ROWS


def classify_page(*, url: str, site_root: str | None, meta: dict[str, str], lists: list[ListBlock],
                  body_text: str, title: str, publish_date: date | None, paginated: bool = False) -> PageType:
    """home | list | article | message | guide | other (see module docs of extract). ``paginated``:
    the page continues on further pages (a list)."""
    if _is_site_root(url, site_root):
        return "home"
    said = set(_LABEL_WORDS.findall(body_text, 0, 20000))  # one pass instead of one per word
    if not said.isdisjoint(_MESSAGE) and not said.isdisjoint(_REPLY):
        if _board_list(lists, body_text, paginated):
            return "list"
        return "message"
    if len(said.intersection(_GUIDE)) >= 3:
        return "guide"
    if meta.get("ArticleTitle") or meta.get("PubDate"):
        return "article"
    headed = [b for b in lists if b.heading and b.source == "static"]
    dated_blocks = [b for b in headed if sum(1 for i in b.items if i.date is not None) >= 2]
    if len(dated_blocks) >= 3 and publish_date is None and not meta.get("ColumnName"):
        return "home"
    if meta.get("ColumnName"):
        return "list"
    if any(sum(1 for i in b.items if i.date is not None) >= 3 for b in lists) and publish_date is None:
        return "list"
    if publish_date is not None and title and len(body_text) > 80:
        return "article"
    if len(headed) >= 3:
        return "home"
    return "other"


def excerpt(body_text: str, start_at: str = "", limit: int = 300) -> str:
    """About ``limit`` characters of visible text, from ``start_at`` when it occurs."""
    pos = body_text.find(start_at) if start_at and len(start_at) >= 4 else -1
    chunk = body_text[pos if pos >= 0 else 0:][: limit * 3]
    return collapse(chunk)[:limit]
