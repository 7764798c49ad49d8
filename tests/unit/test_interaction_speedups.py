"""The shortcuts of the interaction readers (issue 22) give the answers of what they replace.

- ``match_label`` finds a table's index by the table's identity: tables built for one call (a
  check's one-key dict), dropped and built again with other words, never get another table's index.
- ``_lines`` drops a part of whitespace only before collapsing it: ``collapse`` empties exactly the
  strings ``str.isspace`` calls whitespace, over every code point.
- ``field_key`` is kept per label: the kept answer is the computed one.
- ``_innermost`` finds the elements holding no block in one pass: the elements a query of each
  one's own subtree found, on random pages of nested blocks.
- ``read_fields_and_links`` reads a page once: the fields and links ``read_fields`` and
  ``page_links`` give, each parsing the page, on the same random pages (page chrome, scripts,
  templates and noscript blocks among them).
"""

from __future__ import annotations

import random
import sys

from selectolax.lexbor import LexborHTMLParser

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import (
    _BLOCK_TAGS,
    _BLOCKS,
    _innermost,
    collapse,
    page_links,
    read_fields,
    read_fields_and_links,
)
from govwatch.analysis.interaction.messages import field_key


def test_tables_built_per_call_get_their_own_index() -> None:
    for n in range(300):  # more than the kept indexes: the cache is cleared and refilled on the way
        word = f"标签{n:03d}"
        table = {f"key{n % 7}": [word]}  # a new dict each time, often at a freed one's address
        assert match_label(word, table) == f"key{n % 7}"
        assert match_label(f"标签{n + 1:03d}", table) is None
        del table


def test_a_vocabulary_table_matches_the_same_on_every_call() -> None:
    table = words()["message_fields"]
    labels = [s for synonyms in table.values() for s in synonyms]
    first = [match_label(label, table) for label in labels]
    assert first == [match_label(label, dict(table)) for label in labels]  # an equal copy: same answers
    assert all(key is not None for key in first)


def test_collapse_empties_exactly_whitespace() -> None:
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        assert (collapse(c * 3) == "") == c.isspace(), hex(code)


def test_field_key_kept_per_label_is_the_computed_one() -> None:
    labels = [s for synonyms in words()["message_fields"].values() for s in synonyms]
    labels += ["县住房和城乡建设局回复", "市长答复", "已回复", "未答复", "回复", "无关标签"]
    kept = [field_key(label) for label in labels]
    field_key.cache_clear()
    assert kept == [field_key(label) for label in labels]
    assert field_key("县住房和城乡建设局回复") == "reply"
    assert field_key("已回复") is None


_TAGS = ["p", "li", "div", "span", "td", "table", "tr", "dl", "dt", "dd", "h3", "b", "a", "section", "ul",
         "noscript", "template", "script", "style", "footer", "nav"]
_CLASSES = ["", "", "", "content", "footer", "menu", "bottom-bar", "nav", "copyright"]
_TEXTS = ["留言时间：2024-03-01", "办理状态：已办结", "答复内容：", "回复", "办理地点：市政务服务中心", "联系电话：12345",
          "下载表格", "在线办理", "申请材料", "身份证原件1份", "受理条件 符合条件的申请人", "尊敬的网友：", "打印"]


def _random_element(rng: random.Random, depth: int) -> str:
    tag = rng.choice(_TAGS)
    cls = rng.choice(_CLASSES)
    attrs = (f' class="{cls}"' if cls else "") + (f' href="/d/{rng.randint(1, 9)}.html"' if tag == "a" else "")
    inner = "".join(rng.choice(_TEXTS) if depth >= 5 or rng.random() < 0.4 else _random_element(rng, depth + 1)
                    for _ in range(rng.randint(0, 4)))
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _random_pages(count: int) -> list[str]:
    rng = random.Random(22)
    return [f"<html><body>{''.join(_random_element(rng, 0) for _ in range(rng.randint(1, 6)))}</body></html>"
            for _ in range(count)]


def test_innermost_blocks_are_those_a_query_of_each_subtree_finds() -> None:
    found = 0
    for html in _random_pages(400):
        root = LexborHTMLParser(html).body
        assert root is not None
        queried = [node.mem_id for node in root.css("p, li, div, span, td")
                   if not len(node.css(_BLOCKS)) > (node.tag in _BLOCK_TAGS)]  # css() matches the node itself too
        assert [node.mem_id for node in _innermost(root, "p, li, div, span, td")] == queried
        found += len(queried)
    assert found > 1000  # the pages held many blocks, inner and outer


def test_fields_and_links_of_one_parse_are_those_of_two() -> None:
    fields_read = links_read = 0
    for html in _random_pages(400):
        fields, links = read_fields_and_links(html, "http://example.gov.cn/a/b.html")
        alone = read_fields(html, "http://example.gov.cn/a/b.html")
        assert fields.items == alone.items
        assert links == page_links(html, "http://example.gov.cn/a/b.html")
        fields_read, links_read = fields_read + len(fields.items), links_read + len(links)
    assert fields_read > 100 and links_read > 50  # the pages held both
