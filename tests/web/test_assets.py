"""The dashboard's front-end assets (web/assets.py), layout and macros (web/templates/), and that
nothing is ever loaded from a CDN.

The vendor files are the ones ``npm ci`` installed from package-lock.json (scripts/bootstrap --test
runs it): these tests fail, naming ``npm ci``, when they are missing.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from govwatch.web import assets
from govwatch.web.templating import TEMPLATES_DIR, make_templates

REPO = Path(__file__).resolve().parents[2]
STATIC = Path(assets.__file__).parent / "static"
# a script or stylesheet (or an @import / url()) taken from another origin: http://, https:// or //host
REMOTE = re.compile(r"""(?:<script[^>]*\bsrc|<link[^>]*\bhref|@import|url\()\s*=?\s*\(?\s*["']?\s*(?:https?:)?//""", re.I)


def test_vendor_files_are_installed_from_the_lock_file() -> None:
    files = assets.vendor_files(test=True)
    assert set(files) == {"/static/vendor/echarts.min.js", "/static/vendor/htmx.min.js", "/static/vendor/axe.min.js"}
    root = assets.node_modules()
    assert root is not None
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for url, path in files.items():
        package = path.relative_to(root).parts[0]
        installed = json.loads((root / package / "package.json").read_text(encoding="utf-8"))
        assert installed["version"] == lock[f"node_modules/{package}"]["version"], url  # what the lock pins
        assert path.stat().st_size > 10_000, url
    assert b"htmx" in files["/static/vendor/htmx.min.js"].read_bytes()[:50_000]
    assert b"echarts" in files["/static/vendor/echarts.min.js"].read_bytes()[:50_000]


def test_vendor_app_serves_only_the_named_files_as_javascript() -> None:
    app = FastAPI()
    assets.mount_vendor(app)
    client = TestClient(app)
    for url, path in assets.vendor_files(test=True).items():
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
        assert answer.content == path.read_bytes()
    assert client.get("/static/vendor/echarts/package.json").status_code == 404
    assert client.get("/static/vendor/..%2Fpackage.json").status_code == 404
    assert client.get("/static/vendor/tslib.js").status_code == 404


def test_the_app_serves_vendor_and_own_static_files(client: TestClient) -> None:
    for url in ("/static/vendor/htmx.min.js", "/static/vendor/echarts.min.js", "/static/charts.js"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith("text/javascript"), url
        assert answer.headers["x-content-type-options"] == "nosniff"
    css = client.get("/static/govwatch.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert '"Noto Sans CJK SC"' in css.text


def test_missing_assets_name_npm_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(assets.ASSETS_ENV, str(tmp_path))
    with pytest.raises(assets.AssetsMissing, match="npm ci"):
        assets.vendor_files()
    app = FastAPI()
    assets.mount_vendor(app)  # the server still starts
    answer = TestClient(app).get("/static/vendor/htmx.min.js")
    assert answer.status_code == 503 and "npm ci" in answer.text


def test_the_assets_dir_setting_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    found = assets.node_modules()
    assert found is not None
    for given in (found, found.parent):  # the node_modules folder itself, or the folder holding it
        monkeypatch.setenv(assets.ASSETS_ENV, str(given))
        assert assets.vendor_files()["/static/vendor/htmx.min.js"] == found / "htmx.org/dist/htmx.min.js"


def test_no_cdn_anywhere() -> None:
    """Templates, static files and the package manifest load nothing from another origin."""
    checked = [*TEMPLATES_DIR.rglob("*.j2"), *STATIC.rglob("*.css"), *STATIC.rglob("*.js"), *STATIC.rglob("*.html")]
    assert any(p.name == "base.html.j2" for p in checked) and any(p.name == "charts.js" for p in checked)
    for path in checked:
        text = path.read_text(encoding="utf-8")
        assert not REMOTE.search(text), f"{path} loads from another origin"
        assert "cdn" not in text.lower(), path
    assert REMOTE.search('<script src="https://cdn.example/htmx.js">') and REMOTE.search("<link href='//x.example/a.css'>")
    manifest = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    assert manifest["private"] is True and not manifest.get("scripts")  # nothing runs or fetches at install or run time


# -- the layout and macros ---------------------------------------------------------------------------

def _render(source: str, **context: object) -> str:
    env = make_templates().env
    return env.from_string(source).render(**context)


PAGE = ('{% extends "base.html.j2" %}{% set active_nav = "orgs" %}{% block title %}组织{% endblock %}'
        '{% block content %}<h1>组织</h1>{% endblock %}')


class _User:
    def __init__(self, name: str, role: str) -> None:
        self.name, self.role, self.org_id = name, role, None


def test_layout_landmarks_navigation_and_no_inline_script() -> None:
    html = _render(PAGE, user=_User("张三<b>", "manager"), user_org="宁川市", csrf_token="tok", csrf_field="csrf_token")
    assert '<html lang="zh-CN">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert '<nav class="main-nav" aria-label="主导航">' in html and "<footer" in html
    assert "政府网站监测平台" in html and "张三&lt;b&gt;" in html and "管理人员 · 宁川市" in html
    nav = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html.split('aria-label="主导航"')[1].split("</nav>")[0])
    assert nav == [("/", "总览"), ("/orgs", "组织"), ("/warnings", "预警"), ("/alerts", "告警"), ("/tickets", "整改工单"),
                   ("/inbox", "找错/留言"), ("/admin", "管理")]
    assert '<a href="/orgs" aria-current="page" class="active">' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [attrs for attrs, _ in scripts] == [' src="/static/vendor/htmx.min.js" defer', ' src="/static/csrf.js" defer',
                                               ' src="/static/vendor/echarts.min.js" defer', ' src="/static/charts.js" defer']
    assert '<meta name="csrf-token" content="tok">' in html  # what csrf.js sends as X-CSRF-Token
    assert all(body == "" for _, body in scripts)  # no inline script (CSP script-src 'self')
    assert " style=" not in html and "<style" not in html  # no inline style (CSP style-src 'self')
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1))  # type: ignore[union-attr]
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    viewer = _render(PAGE, user=_User("李四", "viewer"), csrf_token="t", csrf_field="csrf_token")
    assert 'href="/admin"' not in viewer and "查看人员" in viewer
    assert "主导航" not in _render(PAGE, user=None, csrf_token="", csrf_field="csrf_token")  # the login page


MACROS = '{% import "_macros.html.j2" as ui %}'


def test_badges_countdowns_and_scores() -> None:
    badges = _render(MACROS + "{% for v in ['合格', '不合格', None, '待定'] %}{{ ui.verdict_badge(v) }}|{% endfor %}")
    assert badges == ('<span class="badge badge-pass">合格</span>|<span class="badge badge-fail">不合格</span>|'
                      '<span class="badge badge-unrated">未评定</span>|<span class="badge badge-unrated">未评定</span>|')
    chips = _render(MACROS + "{% for d in [-3, 0, 2, 5, 30, None] %}{{ ui.countdown(d) }}|{% endfor %}")
    assert re.findall(r'class="chip (chip-\w+)">([^<]+)<', chips) == [
        ("chip-overdue", "已超期3天"), ("chip-urgent", "今日到期"), ("chip-urgent", "剩余2天"), ("chip-soon", "剩余5天"),
        ("chip-ok", "剩余30天"), ("chip-none", "无时限")]
    assert _render(MACROS + "{{ ui.score(91.25) }}|{{ ui.score(60) }}|{{ ui.score(None) }}").startswith("91.2|60|<span")


def test_table_headers_have_scope_and_cells_are_escaped() -> None:
    html = _render(MACROS + '{% call ui.data_table("站点列表", ["网站", ("得分", "num")]) %}'
                   "<tr><td>{{ title }}</td><td class=\"num\">1</td></tr>{% endcall %}",
                   title='<img src=x onerror="alert(1)">')
    assert '<th scope="col">网站</th><th scope="col" class="num">得分</th>' in html
    assert "<caption>站点列表</caption>" in html and 'role="region" aria-label="站点列表" tabindex="0"' in html
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    empty = _render(MACROS + '{% call ui.data_table("空表", ["a", "b"], rows=0) %}{% endcall %}')
    assert '<td colspan="2" class="empty">暂无数据</td>' in empty


def test_pagination_keeps_the_query() -> None:
    html = _render(MACROS + "{{ ui.pagination(5, 9, {'org': '450100', 'q': '县'}) }}")
    links = re.findall(r'<a ([^>]*)>([^<]+)</a>', html)
    assert [text for _, text in links] == ["上一页", "1", "3", "4", "5", "6", "7", "9", "下一页"]
    assert html.count('<li class="gap" aria-hidden="true">…</li>') == 2  # for 2 and for 8
    assert 'href="?org=450100&amp;q=%E5%8E%BF&amp;page=4" rel="prev"' in html
    assert '<a aria-current="page" class="current" href="?org=450100&amp;q=%E5%8E%BF&amp;page=5">5</a>' in html
    assert _render(MACROS + "{{ ui.pagination(1, 1) }}").strip() == ""


def test_chart_data_is_json_that_cannot_close_its_script() -> None:
    option = {"xAxis": {"type": "category", "data": ["</script><script>alert(1)</script>", "县'&"]},
              "series": [{"type": "bar", "data": [1, 2]}]}
    html = _render(MACROS + '{{ ui.chart("avail", option, "近7日可用率", summary="每日首页访问成功率") }}', option=option)
    assert '<div class="chart chart-md" id="avail" data-chart role="img" aria-label="近7日可用率"></div>' in html
    block = re.search(r'<script type="application/json" data-chart-for="avail">(.*?)</script>', html, re.S)
    assert block is not None and "<" not in block.group(1)  # the crawled text cannot end the block
    assert json.loads(block.group(1)) == option
    assert "<figcaption>每日首页访问成功率</figcaption>" in html


def test_charts_script_reads_the_json_sibling_and_never_writes_html() -> None:
    script = (STATIC / "charts.js").read_text(encoding="utf-8")
    assert "[data-chart]" in script and "application/json" in script and "JSON.parse" in script
    assert 'renderMode: "richText"' in script  # tooltips on the canvas, not as HTML
    for unsafe in ("innerHTML", "outerHTML", "eval(", "new Function", "document.write"):
        assert unsafe not in script, unsafe


# -- the layout in a real browser: Debian chromium under the app's CSP ------------------------------

SAMPLE = """{% extends "base.html.j2" %}{% set active_nav = "overview" %}
{% block title %}总览{% endblock %}
{% block content %}
<h1>总览</h1>
<div class="cards"><div class="card"><div class="value">1</div><div class="label">{{ ui.verdict_badge("合格") }}</div></div>
<div class="card"><div class="value">1</div><div class="label">{{ ui.verdict_badge("不合格") }}</div></div>
<div class="card"><div class="value">1</div><div class="label">{{ ui.verdict_badge(None) }}</div></div></div>
<form method="get" action="/page"><label for="q">网站名称</label> <input id="q" name="q" type="search">
<button type="submit">筛选</button></form>
{% call ui.data_table("即将到期的栏目", ["网站", "栏目", ("剩余天数", "num"), "结论"]) %}
<tr><td><a href="/sites/1">{{ title }}</a></td><td>工作动态</td><td class="num">{{ ui.countdown(-2) }}</td>
<td>{{ ui.verdict_badge("不合格") }}</td></tr>
<tr><td><a href="/sites/2">某县人民政府</a></td><td>通知公告</td><td class="num">{{ ui.countdown(5) }}</td>
<td>{{ ui.verdict_badge("合格") }}</td></tr>
{% endcall %}
{{ ui.pagination(2, 3) }}
{{ ui.chart("avail", option, "近7日首页可用率", summary="每日首页访问成功的比例") }}
{% endblock %}"""


@pytest.fixture(scope="module")
def layout_url() -> Iterator[str]:
    """A sample page in the layout, served on 127.0.0.1 with the app's security headers, the vendor
    files and the dashboard's own static files."""
    from govwatch.web.app import SECURITY_HEADERS

    title = '</script><script>alert(1)</script><img src=x onerror="alert(2)">某市政府'
    option = {"xAxis": {"type": "category", "data": ["12-01", "12-02", title]},
              "yAxis": {"type": "value", "max": 1}, "series": [{"type": "line", "name": title, "data": [1, 0.96, 1]}]}
    html = make_templates().env.from_string(SAMPLE).render(
        user=_User("张三", "admin"), user_org="宁川市", csrf_token="t", csrf_field="csrf_token", title=title, option=option)
    app = FastAPI()

    @app.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    assets.mount_vendor(app)
    app.mount("/static", StaticFiles(directory=STATIC))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):  # bounded: 10 s
        if server.started:
            break
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_layout_in_chromium_runs_under_the_csp_draws_charts_and_passes_axe(layout_url: str) -> None:
    from playwright.sync_api import sync_playwright

    from govwatch.crawl.render import CHROMIUM_FLAGS

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
            page.goto(f"{layout_url}/page")
            page.wait_for_selector("#avail canvas", timeout=15_000)  # charts.js drew it from the JSON block
            assert page.evaluate("window.htmx.config.allowEval") is False  # the meta tag configured htmx
            assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False
            assert page.locator("table.data td a").first.inner_text().startswith("</script><script>alert(1)")
            page.add_script_tag(url="/static/vendor/axe.min.js")
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in result["violations"]
                       if v["impact"] in ("serious", "critical")]
            assert serious == []
            page.set_viewport_size({"width": 375, "height": 800})  # a phone: the table scrolls in its wrapper
            for _ in range(100):  # the chart follows its box (polled here: wait_for_function would need eval)
                if page.evaluate("document.querySelector('#avail canvas').getBoundingClientRect().right") <= 376:
                    break
                page.wait_for_timeout(100)
            wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))
                .filter(e => e.getBoundingClientRect().right > 376).map(e => e.tagName + '.' + e.className)""")
            assert wide == [] and page.evaluate("document.documentElement.scrollWidth") <= 375
        finally:
            browser.close()
    assert problems == []  # no CSP refusal, no script error, no dialog from the crawled text
