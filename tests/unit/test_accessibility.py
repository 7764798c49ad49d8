"""The accessibility mapping (``data/accessibility.yaml``), the homepage entry detector on hand-made
HTML, the page sample, the settings and the probe's answer without a browser
(``govwatch.crawl.sitefacts.accessibility`` and ``accessibility_map``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from govwatch.core.settings import ConfigError, RenderSettings, load_settings
from govwatch.crawl.sitefacts.accessibility import axe_script, probe_accessibility, sample_pages
from govwatch.crawl.sitefacts.accessibility_map import find_entry, requirements
from govwatch.sim.accessibility import NEGATIVES, PLANTS
from tests.checks.casefiles import SITE, build_run

SPEC = {"check": "accessibility.axe", "as_of": "2026-11-22"}


def test_every_mapped_rule_exists_in_the_installed_axe_core() -> None:
    script = axe_script()
    if script is None:
        pytest.skip("axe-core is not installed (npm ci)")
    source = script.read_text(encoding="utf-8")
    missing = [rule for rule in requirements() if f'id:"{rule}"' not in source]
    assert not missing, f"rules axe-core {script} does not have: {missing}"


def test_one_requirement_has_one_label_and_every_clause_names_the_national_standard() -> None:
    labels: dict[str, set[str]] = {}
    for req in requirements().values():
        labels.setdefault(req.requirement, set()).add(req.label)
        assert req.clause.startswith("GB/T 37668-2019 "), req
        assert "W3C无障碍指南2.0第" in req.clause and any("\u4e00" <= ch <= "\u9fff" for ch in req.problem), req
    assert all(len(names) == 1 for names in labels.values()), labels
    assert set(labels) >= {"text_alternatives", "contrast", "form_labels", "control_names", "language", "page_title",
                           "keyboard"}


def test_the_simulators_plants_use_mapped_rules_and_requirements() -> None:
    mapping = requirements()
    for templates in PLANTS.values():
        for rows in templates.values():
            for requirement, rule, _what in rows:
                assert mapping[rule].requirement == requirement
    known = {r.requirement for r in mapping.values()}
    assert {req for t in NEGATIVES.values() for rows in t.values() for req, _s, _w in rows} <= known


@pytest.mark.parametrize(("html", "how", "word"), [
    ('<div class="top"><a href="/wza/">无障碍浏览</a></div>', "text", "无障碍"),
    ('<button type="button" aria-label="切换长者模式"><i class="icon"></i></button>', "aria-label", "长者模式"),
    ('<a href="/care/" title="关怀版"><span class="ic"></span></a>', "title", "关怀版"),
    ('<a href="/old/"><img src="old.png" alt="适老化服务"></a>', "alt", "适老化"),
    ('<span role="button" class="tool">读屏</span>', "text", "读屏"),
    ('<input type="button" value="大字版">', "value", "大字版"),
    ('<script src="https://www.cniil.com/toolbar/aria.js"></script>', "script", "cniil.com"),
    ('<script type="text/javascript" src="/assist/assist.js?v=2"></script>', "script", "assist/assist"),
])
def test_the_entry_is_found_in_links_buttons_and_toolbar_scripts(html: str, how: str, word: str) -> None:
    found = find_entry(f"<html><body><div class='header'>市政府</div>{html}</body></html>")
    assert found is not None and found["how"] == how and found["word"] == word, found


@pytest.mark.parametrize("html", [
    "<p>我市推进信息无障碍建设，方便老年人上网。</p>",  # the words in text, not on a link or button
    '<a href="/news/1.html">关于印发养老服务方案的通知</a><button>搜索</button>',
    '<script src="/js/jquery.min.js"></script><img src="wza.png" alt="">',  # an image alone is no entry
])
def test_text_that_only_mentions_accessibility_is_no_entry(html: str) -> None:
    assert find_entry(f"<html><body>{html}</body></html>") is None


def test_the_sample_is_the_homepage_and_the_nearest_pages_of_each_type_in_any_crawl_order() -> None:
    pages = [{"url": ""}] + [{"url": f"l{n}.html", "type": "list"} for n in range(4)] + \
        [{"url": f"a{n}.html", "type": "article"} for n in range(4)] + [{"url": "o.html", "type": "other"}]
    data = build_run(SPEC, {"pages": pages})
    assert sample_pages(data, 2, 10) == [(SITE, "home"), (SITE + "a0.html", "article"), (SITE + "a1.html", "article"),
                                         (SITE + "l0.html", "list"), (SITE + "l1.html", "list"),
                                         (SITE + "o.html", "other")]
    assert sample_pages(data, 2, 3) == [(SITE, "home"), (SITE + "a0.html", "article"), (SITE + "a1.html", "article")]
    assert sample_pages(data, 0, 10) == [(SITE, "home")]
    # Not crawl order: the same pages however the crawl's concurrent fetches finished.
    shuffled = build_run(SPEC, {"pages": [pages[0], *reversed(pages[1:])]})
    assert sample_pages(shuffled, 2, 10) == sample_pages(data, 2, 10)


def test_without_a_browser_the_probe_says_so_in_chinese(tmp_path: Path) -> None:
    data = build_run(SPEC, {"pages": [{"url": ""}]})
    axe = tmp_path / "axe.min.js"
    axe.write_text("/* axe */", encoding="utf-8")
    fact = asyncio.run(probe_accessibility(data, RenderSettings(executable=str(tmp_path / "no-chromium")),
                                           user_agent="govwatch-test", per_type=2, max_pages=10,
                                           allowed=lambda _url: True, axe_file=axe))
    assert fact == {"unavailable": f"未找到浏览器 {tmp_path / 'no-chromium'}（请安装 Debian 的 chromium-headless-shell "
                                   "或 chromium 软件包，或设置 render.executable）"}


def test_the_sample_settings_are_validated() -> None:
    settings = load_settings(overrides={"security": {"accessibility_per_type": 3, "accessibility_max_pages": 6}},
                             environ={})
    assert (settings.security.accessibility, settings.security.accessibility_per_type,
            settings.security.accessibility_max_pages) == (True, 3, 6)
    with pytest.raises(ConfigError, match="accessibility_max_pages"):
        load_settings(overrides={"security": {"accessibility_max_pages": 0}}, environ={})
    with pytest.raises(ConfigError, match="accessibility_per_type"):
        load_settings(overrides={"security": {"accessibility_per_type": -1}}, environ={})
