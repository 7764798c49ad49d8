"""The interaction parsers read malformed and empty pages as nothing, never as a message or a guide."""

from __future__ import annotations

from pathlib import Path

from govwatch.analysis.interaction.guides import guide_from_html
from govwatch.analysis.interaction.messages import is_message, parse_message, parse_message_list
from tests.checks.casefiles import SITE


def test_malformed_and_empty_pages_read_as_nothing() -> None:
    broken = ["", "<html>", "<table><tr><th>留言时间<td>2026-13-45<tr><td>", "\x00\ufffd<dl><dt>答复时间</dt>",
              (Path(__file__).parents[1] / "extract" / "fixtures" / "malformed.html").read_text(encoding="utf-8")]
    for html in broken:
        msg = parse_message(html, SITE)
        assert msg.asked is None and msg.replied is None
        assert parse_message_list(html, SITE) == []
        guide = guide_from_html(html, SITE)
        assert guide.forms == () and guide.form_links == ()
    assert not is_message(parse_message("", SITE))
