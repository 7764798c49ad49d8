"""Label/value pairs of a detail page, whatever the layout.

Message and guide detail pages show their fields as table rows (``<th>留言时间</th><td>…</td>``
or two ``td``), definition lists (``<dt>``/``<dd>``), headed sections (``<h3>答复内容</h3>`` and
the blocks up to the next heading) or inline lines (``<p>留言时间：2024-03-01</p>``), and labelled blocks: a line that is only a label
(``<div class="tit">回复内容</div>``, ``<p><b>答复内容：</b></p>``, a one-cell table row) followed by
lines up to the next label, whatever elements hold them. Every layout is read; the first
occurrence of a label wins, so a table beats a repeated inline line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.core.urls import normalize_url

MAX_LABEL = 14  # characters: longer cells are values, not labels
_NUMBERING = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)+")
_SPACE = re.compile(r"[\s\u3000\xa0]+")
INLINE_LABEL = re.compile(r"([\u4e00-\u9fa5]{2,10})\s*[:：]")
_LEADING_LABEL = re.compile(r"^([\u4e00-\u9fa5]{2,10})\s*[:：]")
_MARKER = re.compile(r"^([\u4e00-\u9fa5])\s*[:：]")  # a one-character marker opening a line (问：, 答：)
_SPACED_LABEL = re.compile(r"(?:^|(?<=\s))([\u4e00-\u9fa5]{2,10})(?=\s)")  # a word between spaces
_LABEL_VALUE = re.compile(r"[:：]\s*\S")  # a cell reading ``label：value`` is no label cell
# Page tools and neighbours after a message (打印、分享到、上一篇 …): they end a labelled block, so an
# empty reply block is not filled with them.
_PAGE_TOOLS = re.compile(r"^[【\[]?\s*(?:打印|关闭窗口|关闭本页|返回顶部|返回列表|返回\s*[】\]]|分享到|收藏本页|上一篇|"
                         r"下一篇|上一条|下一条|相关链接|相关信件|相关留言|相关推荐|扫一扫|当前位置|您的位置|您现在的位置|"
                         r"字体[：:大]|责任编辑|浏览次数|点击数|我要评价|满意度评价)")
_HEADINGS = "h1, h2, h3, h4, h5, h6"
_DROP = ("script", "style", "noscript", "template")
# Page chrome whose "联系电话：…" lines are the site's, not the page's (footer, header, navigation).
CHROME = ("footer, header, nav, [class*=footer], [id*=footer], [class*=bottom], [id*=bottom], "
           "[class*=copyright], [id*=copyright], [class~=nav], [id~=nav], [class*=menu], [id*=menu]")
_BLOCK_TAGS = frozenset({"p", "li", "div", "table", "dl", "h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = ", ".join(sorted(_BLOCK_TAGS))
_LINE_ELEMENTS = _BLOCKS + ", span, td, th, dt, dd"  # elements that may hold one label
# Elements that end a line of text (for labelled blocks); inline elements (span, b, a …) do not.
_LINE_TAGS = _BLOCK_TAGS | {"tr", "td", "th", "dt", "dd", "ul", "ol", "section", "article", "header", "br", "hr",
                            "blockquote", "pre", "form", "center"}


@dataclass(frozen=True, slots=True)
class Field:
    """One label and its value as shown; ``layout``: table | dl | heading | inline | block."""

    label: str
    value: str
    layout: str
    links: tuple[tuple[str, str], ...] = ()  # (text, absolute URL) of links inside the value


@dataclass(slots=True)
class Fields:
    """The pairs of one page, in page order, with lookup by label."""

    items: list[Field] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, label: str, value: str, layout: str, links: tuple[tuple[str, str], ...] = ()) -> None:
        label = clean_label(label)
        if not label or len(label) > MAX_LABEL or label in self.seen:
            return
        self.seen.add(label)
        self.items.append(Field(label, collapse(value), layout, links))

    def layouts(self) -> list[str]:
        """Layouts seen, most frequent first."""
        counts: dict[str, int] = {}
        for f in self.items:
            counts[f.layout] = counts.get(f.layout, 0) + 1
        return sorted(counts, key=lambda k: -counts[k])


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def clean_label(text: str) -> str:
    """A label without whitespace, brackets, numbering or a trailing colon."""
    label = _SPACE.sub("", text).strip("【】[]<>《》")
    label = _NUMBERING.sub("", label)
    return label.rstrip(":：").strip()


# normalize_url kept for the last links read: a page's links are read again by the blocks around
# them and by page_links (a guide page), and normalizing is most of reading a link.
_absolute = lru_cache(maxsize=1024)(normalize_url)


def _links(node: LexborNode, base: str) -> tuple[tuple[str, str], ...]:
    out = []
    for a in node.css("a"):
        href = a.attributes.get("href")
        url = _absolute(href, base) if href else None
        if url:
            out.append((collapse(a.text(separator="")), url))
    return tuple(out)


def _text(node: LexborNode) -> str:
    return node.text(separator=" ")


def _tables(root: LexborNode, out: Fields, base: str) -> None:
    for row in root.css("tr"):
        cells = [c for c in row.iter() if c.tag in ("th", "td")]
        if len(cells) >= 2 and len(cells) % 2 == 0:
            for label, value in zip(cells[0::2], cells[1::2], strict=False):
                if len(clean_label(_text(label))) <= MAX_LABEL and not _LABEL_VALUE.search(_text(label)):
                    out.add(_text(label), _text(value), "table", _links(value, base))


def _definition_lists(root: LexborNode, out: Fields, base: str) -> None:
    for dl in root.css("dl"):
        label: str | None = None
        for child in dl.iter():
            if child.tag == "dt":
                label = _text(child)
            elif child.tag == "dd" and label is not None:
                out.add(label, _text(child), "dl", _links(child, base))
                label = None


def _headed_sections(root: LexborNode, out: Fields, base: str) -> None:
    for heading in root.css(_HEADINGS):
        label = _text(heading)
        if len(clean_label(label)) > MAX_LABEL:
            continue
        parts: list[str] = []
        links: list[tuple[str, str]] = []
        node = heading.next
        while node is not None:
            if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or (node.tag != "-text" and node.css_first(_HEADINGS)):
                break
            if node.tag == "-text":
                parts.append(node.text() or "")
            else:
                if _PAGE_TOOLS.match(collapse(_text(node))):
                    break
                parts.append(_text(node))
                links.extend(_links(node, base))
            node = node.next
        value = collapse(" ".join(parts))
        if value:
            out.add(label, value, "heading", tuple(links))


def _line_labels(text: str, known: Callable[[str], bool] | None) -> list[tuple[int, int, str]]:
    """(start, end, label) of the labels of one line, in order: every ``label：`` (``:``), and with
    ``known``, a known one-character marker opening the line (``答：``) and known labels between
    spaces when the line holds two labels or more (``留言人 张三 留言时间 2026-10-01 状态 已答复``)."""
    marks = [(m.start(), m.end(), m.group(1)) for m in INLINE_LABEL.finditer(text)]
    if known is None:
        return marks
    marks = [_known_tail(start, end, label, known) for start, end, label in marks]
    lead = _MARKER.match(text)
    if lead is not None and known(lead.group(1)):
        marks.insert(0, (lead.start(), lead.end(), lead.group(1)))
    spaced = [(m.start(1), m.end(1), m.group(1)) for m in _SPACED_LABEL.finditer(text)
              if known(m.group(1)) and not any(s <= m.start(1) < e for s, e, _ in marks)]
    if spaced and len(marks) + len(spaced) >= 2:
        marks = sorted(marks + spaced)
    return marks


def _known_tail(start: int, end: int, label: str, known: Callable[[str], bool]) -> tuple[int, int, str]:
    """An inline label glued to the value before it (``回复单位：市住建局回复时间：…`` read without a
    separator gives ``住建局回复时间``): its longest known tail is the label, the rest stays in the value."""
    if known(clean_label(label)):
        return start, end, label
    for cut in range(1, len(label) - 1):
        if known(label[cut:]):
            return start + cut, end, label[cut:]
    return start, end, label


def _innermost(root: LexborNode, selector: str) -> list[LexborNode]:
    """The elements of ``root`` matching ``selector`` that hold no block element (:data:`_BLOCKS`),
    in page order. Every ancestor of a block is marked once, walking up from each block until an
    ancestor already marked: one pass over the page, where a query of each element's own subtree
    went over the page once per nesting level."""
    holding: set[int] = set()  # mem_id of the elements with a block inside
    for block in root.css(_BLOCKS):
        parent = block.parent
        while parent is not None and parent.mem_id not in holding:
            holding.add(parent.mem_id)
            parent = parent.parent
    return [node for node in root.css(selector) if node.mem_id not in holding]


def _inline(root: LexborNode, out: Fields, base: str, known: Callable[[str], bool] | None) -> None:
    """Lines holding labels and their values, several on one line (``留言时间：… 办理状态：…``)."""
    for block in _innermost(root, "p, li, div, span, td"):  # the innermost blocks only
        text = collapse(block.text(separator=""))
        marks = _line_labels(text, known)
        for n, (_start, end, label) in enumerate(marks):
            stop = marks[n + 1][0] if n + 1 < len(marks) else len(text)
            value = text[end:stop].strip()
            if value:
                out.add(label, value, "inline", _links(block, base) if len(marks) == 1 else ())


def _lines(root: LexborNode) -> list[str]:
    """The text of ``root`` cut into lines at block elements, in page order, without empty lines."""
    parts: list[str] = []
    stack: list[LexborNode | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the end of a line element
            parts.append("\n")
            continue
        if node.tag == "-text":
            parts.append(node.text() or "")
            continue
        if node.tag in _LINE_TAGS:
            parts.append("\n")
            stack.append(None)
        stack.extend(reversed(list(node.iter(include_text=True))))
    # a part of whitespace only collapses to nothing (str.isspace and the pattern's \s agree)
    return [collapse(p) for p in "".join(parts).split("\n") if p and not p.isspace()]


def _labelled_blocks(root: LexborNode, out: Fields, known: Callable[[str], bool] | None) -> None:
    """A line that is only a label, then the lines up to the next label. With ``known`` (whether a
    cleaned label names a field), only known labels open or end a block, so a salutation on its own
    line (``尊敬的网友：``) stays part of the reply; without it, a short line ending in a colon is a label."""
    def label_only(line: str) -> str | None:
        label = clean_label(line)
        if not label or len(label) > MAX_LABEL:
            return None
        marked = line.endswith((":", "：")) or (line.startswith(("【", "[")) and line.endswith(("】", "]")))
        if known is not None:  # a two-character label (回复, 问题) only marked: a bare one may be a button
            return label if known(label) and (len(label) >= 4 or marked) else None
        return label if line.rstrip().endswith((":", "：")) and _LEADING_LABEL.match(line) else None

    def ends_block(n: int) -> bool:
        line = lines[n]
        if labels[n] is not None or _PAGE_TOOLS.match(line):
            return True
        lead = _LEADING_LABEL.match(line)
        return lead is not None and (known is None or known(clean_label(lead.group(1))))

    lines = _lines(root)
    labels = [label_only(line) for line in lines]  # each line's label, read once
    for n, label in enumerate(labels):
        if label is None:
            continue
        value: list[str] = []
        for following in range(n + 1, len(lines)):
            if ends_block(following):
                break
            value.append(lines[following])
        if value:
            out.add(label, " ".join(value), "block")


def _keys_of(line: str, key_of: Callable[[str], str | None]) -> set[str]:
    """The fields the labels of one line name (``None`` left out)."""
    def known(label: str) -> bool:
        return key_of(clean_label(label)) is not None

    keys = {key_of(clean_label(label)) for _s, _e, label in _line_labels(line, known)}
    whole = key_of(clean_label(line)) if len(clean_label(line)) <= MAX_LABEL else None  # a label-only line
    return {k for k in keys | {whole} if k is not None}


def unlabelled_text(html: str, key_of: Callable[[str], str | None], block_keys: frozenset[str]) -> str:
    """The unlabelled text of the block whose labels name only ``block_keys`` (a reply block showing
    回复单位 and 回复时间 with the reply itself unlabelled): the lines of the widest element around the
    first such label whose lines label no other field, without the labelled lines and page tools; when
    that block holds no other line, the lines after it up to the next label or page tool."""
    tree = LexborHTMLParser(html)
    for tag in _DROP:
        for node in tree.css(tag):
            node.decompose()
    for node in tree.css(CHROME):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    start = next((el for el in root.css(_LINE_ELEMENTS)
                  if len(el.css(_LINE_ELEMENTS)) == 1  # the innermost (css() matches the node itself too)
                  and _keys_of(collapse(el.text(separator="")), key_of) & block_keys), None)
    if start is None:
        return ""

    def free(lines: list[str]) -> list[str]:
        return [ln for ln in lines if not _keys_of(ln, key_of) and not _PAGE_TOOLS.match(ln)]

    block = start
    parent = block.parent
    while parent is not None and parent.mem_id != root.mem_id:
        if any(_keys_of(ln, key_of) - block_keys for ln in _lines(parent)):
            break  # the parent holds the message's other fields too
        block, parent = parent, parent.parent
    own = free(_lines(block))
    if own:
        return " ".join(own)
    after: list[str] = []
    sibling: LexborNode | None = block.next
    while sibling is not None:
        for line in _lines(sibling) if sibling.is_element_node else [collapse(sibling.text() or "")]:
            if _keys_of(line, key_of) or _PAGE_TOOLS.match(line):
                return " ".join(after)
            if line:
                after.append(line)
        sibling = sibling.next
    return " ".join(after)


def read_fields(html: str, base: str, known: Callable[[str], bool] | None = None) -> Fields:
    """Every label/value pair of a page (``base``: the page URL, for links inside values), outside
    the page's footer, header and navigation; ``known`` says which labels name a field, for
    labelled blocks (see :func:`_labelled_blocks`)."""
    return _read(html, base, known, None)


def read_fields_and_links(html: str, base: str) -> tuple[Fields, list[tuple[str, str]]]:
    """:func:`read_fields` and :func:`page_links` (``content_only``) of one page from one parse."""
    links: list[tuple[str, str]] = []
    return _read(html, base, None, links), links


def _read(html: str, base: str, known: Callable[[str], bool] | None, links: list[tuple[str, str]] | None) -> Fields:
    """The fields of a page, and into ``links`` (when given) its links outside the page chrome, as
    :func:`page_links` reads them: taken after the chrome is dropped, before scripts and styles are
    (the tree read for fields is the same whichever goes first: both are dropped by tag and
    attribute alone)."""
    tree = LexborHTMLParser(html)
    for node in tree.css(CHROME):
        node.decompose()
    if links is not None and (content := tree.body or tree.root) is not None:
        links.extend(_links(content, base))
    for tag in _DROP:
        for node in tree.css(tag):
            node.decompose()
    root = tree.body or tree.root
    out = Fields()
    if root is None:
        return out
    for reader in (_tables, _definition_lists, _headed_sections):
        reader(root, out, base)
    _inline(root, out, base, known)
    _labelled_blocks(root, out, known)
    return out


def page_links(html: str, base: str, *, content_only: bool = True) -> list[tuple[str, str]]:
    """(text, absolute URL) of every ``<a href>`` of a page, in page order; ``content_only``
    leaves out the footer, header and navigation."""
    tree = LexborHTMLParser(html)
    if content_only:
        for node in tree.css(CHROME):
            node.decompose()
    root = tree.body or tree.root
    return list(_links(root, base)) if root is not None else []
