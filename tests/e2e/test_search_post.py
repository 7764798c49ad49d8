"""The site-search probe against a real HTTP server on loopback: a GBK site whose search form is
POSTed (and one that answers the POST with a redirect to its results), asked for the run's newest
article titles and one typo; what the server received is checked as well as the stored fact."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from govwatch.checks import run_checks
from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.http import Resolver
from govwatch.crawl.sitefacts.site_search import probe_site_search
from govwatch.rundata import RunData

TITLES = {"art/1.html": "县卫生健康局召开冬季疫情防控工作会议", "art/2.html": "关于开展2026年基本公共卫生服务项目考核的通知",
          "art/3.html": "县人民医院新院区正式启用"}
HOME = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>县卫生健康局</title>'
        '</head><body><form action="{action}" method="post" name="sform"><input type="hidden" name="siteid" value="9">'
        '<input type="text" name="keyword"><input type="image" src="/images/go.gif" alt="搜索"></form></body></html>')


class _Search(BaseHTTPRequestHandler):
    asked: list[tuple[str, dict[str, str]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("gbk")
        self.send_response(status)
        for key, value in {"Content-Type": "text/html; charset=gbk", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("ascii")
        form = dict(parse_qsl(raw, encoding="gbk"))
        self.asked.append((self.path, form))
        if self.path == "/failing.do":
            self._send(500, "<h1>500 Internal Server Error</h1>")
            return
        if self.path == "/redirecting.do":
            self._send(303, "", {"Location": "/results.do?" + raw})
            return
        self._results(form)

    def do_GET(self) -> None:  # noqa: N802
        path, _, query = self.path.partition("?")
        if path == "/results.do":
            self._results(dict(parse_qsl(query, encoding="gbk")))
        else:
            self._send(404, "<p>404</p>")

    def _results(self, form: dict[str, str]) -> None:
        words = form.get("keyword", "")
        rows = "".join(f'<li><a href="/{url}">{title}</a></li>' for url, title in TITLES.items() if words and words in title)
        self._send(200, f"<html><body><ul>{rows}</ul></body></html>" if rows else "<p>对不起，没有找到相关信息</p>")


@contextmanager
def _server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Search)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _run(site: str, action: str, facts: dict[str, Any] | None = None) -> RunData:
    pages: dict[str, dict[str, Any]] = {site: {"page_type": "home", "title": "县卫生健康局"}}
    for n, (path, title) in enumerate(TITLES.items()):
        pages[site + path] = {"page_type": "article", "title": title, "publish_date": f"2026-11-{20 - n:02d}"}
    return RunData(site_url=site, scope=Scope.for_site(site), as_of=date(2026, 11, 22),
                   fetches={site: {"status": 200, "content_type": "text/html; charset=gbk"}}, pages=pages,
                   bodies={site: HOME.format(action=action).encode("gbk")}, facts=facts)


def _probe(data: RunData) -> dict[str, Any]:
    return asyncio.run(probe_site_search(data, Resolver(), user_agent="govwatch-test", timeout=5,
                                         allowed=lambda url: True))


def test_a_post_form_on_a_gbk_site_is_asked_in_gbk() -> None:
    _Search.asked = []
    with _server() as site:
        fact = _probe(_run(site, "/search.do"))
    assert fact["status"] == "queried"
    assert fact["entry"] == {"how": "form", "url": site + "search.do", "method": "POST", "field": "keyword",
                             "fixed": [["siteid", "9"]], "engine": "generic_search", "charset": "gb18030"}
    # the server decoded exactly the words the probe meant: three titles (newest first), then the typo
    sent = [form["keyword"] for _path, form in _Search.asked]
    assert sent[:3] == ["县卫生健康局召开冬季疫情防控工作会议", "关于开展2026年基本公共卫生服务项目考",  # 20 characters
                        "县人民医院新院区正式启用"]
    assert sent[3] == "县卫生健康局召开冬疫情防控工作会议" and len(sent) == 4
    assert all(form["siteid"] == "9" for _path, form in _Search.asked)
    titles = [q for q in fact["queries"] if q["kind"] == "title"]
    assert all(q["status"] == 200 and q["result"]["found"] for q in titles)
    typo = fact["queries"][-1]
    assert typo["kind"] == "typo" and not typo["result"]["found"] and typo["result"]["no_result"] == "没有找到"
    # judged under national-2019 (typo tolerance asked): only search_typo_intolerant
    findings, runs = run_checks(_run(site, "/search.do", {"site_search": fact}), ["search.site"])
    assert runs[0].status == "ok" and [f.kind for f in findings] == ["search_typo_intolerant"]


def test_a_post_answered_with_a_redirect_is_followed_to_the_results() -> None:
    _Search.asked = []
    with _server() as site:
        fact = _probe(_run(site, "/redirecting.do"))
    titles = [q for q in fact["queries"] if q["kind"] == "title"]
    assert [path for path, _form in _Search.asked] == ["/redirecting.do"] * 4
    assert all(q["result"]["found"] and q["final_url"].startswith(site + "results.do?") for q in titles)


def test_a_site_whose_search_is_down_is_search_broken() -> None:
    with _server() as site:
        fact = _probe(_run(site, "/failing.do"))
    findings, _runs = run_checks(_run(site, "/failing.do", {"site_search": fact}), ["search.site"])
    assert [f.kind for f in findings] == ["search_broken"]
    assert findings[0].evidence["failed"] == findings[0].evidence["queries"] == 3
