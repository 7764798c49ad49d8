"""Hidden off-host links and embeds of one page: hiding reasons, the page's style sheet, script-written markup."""

from __future__ import annotations

import pytest

from govwatch.extract.css import colour, parse_css, parse_selector, px
from govwatch.extract.js_literals import written_markup
from govwatch.extract.security_signs import page_security_signs

URL = "http://www.example.gov.cn/a.html"


def _signs(body: str, head: str = "") -> tuple[list[tuple[str, str]], list[tuple[str, str, bool]]]:
    html = f"<html><head>{head}</head><body><p>本站新闻</p>{body}</body></html>"
    hidden, embeds = page_security_signs(html, URL)
    return [(h.url, h.reason) for h in hidden], [(e.url, e.hidden, e.script) for e in embeds]


@pytest.mark.parametrize(("box", "reason"), [
    ('<div style="display:none">{a}</div>', "display_none"),
    ('<span style="visibility:hidden">{a}</span>', "visibility_hidden"),
    ('<p style="text-indent:-9999px">{a}</p>', "offscreen"),
    ('<div style="margin:-800px 0 0 0">{a}</div>', "offscreen"),
    ('<div style="position:absolute;left:-1000px">{a}</div>', "offscreen"),
    ('<div style="width:1px;height:1px;overflow:hidden">{a}</div>', "zero_size"),
    ('<div style="position:absolute;clip:rect(0 0 0 0)">{a}</div>', "zero_size"),
    ('<div style="font-size:50%"><span style="font-size:0.05em">{a}</span></div>', "zero_font"),
    ('<table bgcolor="#ffffff"><tr><td><font color="#fff">{a}</font></td></tr></table>', "same_colour"),
    ('<div style="background-color:rgb(0,0,0)"><span style="color:black">{a}</span></div>', "same_colour"),
    ('<p style="opacity:0">{a}</p>', "transparent"),
    ('<marquee height="1" scrollamount="99">{a}</marquee>', "marquee"),
    ('<div style="display:none"><span style="font-size:0">{a}</span></div>', "display_none"),  # first reason wins
])
def test_each_hiding_technique_gives_its_reason(box: str, reason: str) -> None:
    hidden, _ = _signs(box.format(a='<a href="http://spam.example.com/">推荐</a>'))
    assert hidden == [("http://spam.example.com/", reason)]


def test_visible_and_readable_links_are_not_hidden() -> None:
    hidden, _ = _signs('<div style="background:#fff url(x.png)"><font color="white">'
                       '<a href="http://a.example.com/">a</a></font></div>'
                       '<div style="font-size:0"><b style="font-size:12px"><a href="http://b.example.com/">b</a></b></div>')
    assert hidden == []


def test_style_sheet_rules_hide_by_selector_and_print_and_attribute_rules_do_not() -> None:
    head = ('<style>@charset "utf-8"; /* note */ @media print{.p{display:none}}'
            '@media screen{#m > ul li.q{display:none !important}} .r a{visibility:hidden}'
            'div.v.w span{left:-1000px;position:absolute} [x]{display:none}</style>')
    body = ''.join(f'{wrap[0]}<a href="http://{name}.example.com/">{name}</a>{wrap[1]}' for name, wrap in {
        "i": ('<div id="m"><ul><li class="q">', "</li></ul></div>"), "j": ('<div class="r">', "</div>"),
        "m": ('<div class="v w"><span>', "</span></div>"), "n": ('<div class="p">', "</div>"),
        "o": ('<div x="1">', "</div>")}.items())
    hidden, _ = _signs(body, head)
    assert hidden == [("http://i.example.com/", "display_none"), ("http://j.example.com/", "visibility_hidden"),
                      ("http://m.example.com/", "offscreen")]


def test_a_box_the_page_toggles_is_marked_interactive() -> None:
    html = ('<html><body><div id="menu1" style="display:none"><a href="http://q.example.com/">q</a></div>'
            '<div style="display:none"><a href="http://r.example.com/">r</a></div>'
            '<script>function s(){document.getElementById("menu1").style.display="block"}</script></body></html>')
    hidden, _ = page_security_signs(html, URL)
    assert [(h.url, h.interactive) for h in hidden] == [("http://q.example.com/", True),
                                                        ("http://r.example.com/", False)]


def test_script_written_links_and_embeds() -> None:
    script = ('<script>document.write("<a href=\'http://t.example.com/\'>t\\u8d4c</a>");'
              'document.write(unescape("%3Cdiv style=%22display:none%22%3E%3Ca href=%22http://u.example.com/%22%3Eu'
              '%3C/a%3E%3C/div%3E"));var s=document.createElement("script");s.src="http://v.example.com/v.js";'
              'el.innerHTML = \'<iframe src="http://w.example.com/"></iframe>\';</script>')
    hidden, embeds = _signs(script)
    assert hidden == [("http://t.example.com/", "script_written"), ("http://u.example.com/", "display_none")]
    assert embeds == [("http://v.example.com/v.js", "", True), ("http://w.example.com/", "", True)]


def test_off_host_frames_get_their_hiding_reason_and_on_host_ones_are_left_out() -> None:
    _, embeds = _signs('<iframe src="http://z.example.com/a" width="1" height="1"></iframe>'
                       '<div style="display:none"><iframe src="http://z2.example.com/b"></iframe></div>'
                       '<iframe src="/local.html" width="0"></iframe>')
    assert embeds == [("http://z.example.com/a", "zero_size", False), ("http://z2.example.com/b", "display_none", False)]


def test_css_reader_parts() -> None:
    sel = parse_selector("div#m > ul li.q.r")
    assert sel is not None and sel.key == ".q" and sel.specificity == (1, 2, 3)
    assert parse_selector("a:hover") is None and parse_selector("a + b") is None
    sheet = parse_css(".t:hover{display:block} .t{display:none} @media print{.p{display:none}}")
    assert [r.selector.text for r in sheet.hiding[".t"]] == [".t"] and ".p" not in sheet.hiding
    assert [r.reveals for r in sheet.revealing[".t"]] == [True]
    assert (px("-2em"), px("50%"), px("auto")) == (-32.0, None, None)
    assert (colour("#FFF"), colour("rgba(0, 0, 0, 0)"), colour("navy")) == ("#ffffff", None, "#000080")


def test_written_markup_keeps_only_fragments_with_links_scripts_or_frames() -> None:
    fragments, sources = written_markup('document.write("<p>" + "hi</p>"); document.writeln(\'<a href="x">\' + '
                                        '"y</a>"); var s = document.createElement("script"); s.src = "//c.example/x.js";')
    assert fragments == ('<a href="x">y</a>',) and sources == ("//c.example/x.js",)
