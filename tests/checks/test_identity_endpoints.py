"""Identity checks judge web pages only: a column's JSON endpoint or dataproxy XML (crawled and
extracted as a list) carries no meta tags or footer and must raise no identity finding."""

from __future__ import annotations

import json
from datetime import date

from govwatch.checks import run_checks
from govwatch.core.urls import Scope
from govwatch.extract import extract_page
from govwatch.extract.jsonlist import json_page
from govwatch.extract.jsonout import facts_to_json
from govwatch.rundata import RunData

SITE = "http://www.example.gov.cn/"
HEAD = ('<meta name="SiteName" content="某市人民政府"><meta name="SiteDomain" content="www.example.gov.cn">'
        '<meta name="SiteIDCode" content="1304000009">')
FOOTER = ('<div class="footer"><a href="https://bszs.conac.cn/sitename?method=show&id=1">党政机关</a>'
          '<p>主办单位：某市人民政府办公室　联系电话：0311-86000000</p><p>网站标识码：1304000009　'
          '<a href="https://beian.miit.gov.cn/">冀ICP备05001234号</a>　冀公网安备 13010202000001号</p>'
          '<script id="_jiucuo_" sitecode="1304000009" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js">'
          '</script></div>')


def _run(endpoint_type: str) -> list:
    home = facts_to_json(extract_page(f"<html><head><title>某市人民政府</title>{HEAD}</head><body>{FOOTER}"
                                      "</body></html>", SITE))
    endpoint = SITE + "gsgg/list.json"
    body = json.dumps({"total": 1, "items": [{"title": "关于某事的公示", "url": "/gsgg/1.html", "date": "2026-05-01"}]},
                      ensure_ascii=False)
    facts = facts_to_json(json_page(body, endpoint, []))
    assert facts["page_type"] == "list"  # what the extractor makes of it
    fetches = {SITE: {"role": "page", "kind": "page", "status": 200, "error": None,
                      "content_type": "text/html; charset=utf-8"},
               endpoint: {"role": "page", "kind": "page", "status": 200, "error": None, "content_type": endpoint_type}}
    data = RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=date(2026, 6, 30), fetches=fetches,
                   pages={SITE: home, endpoint: facts})
    findings, runs = run_checks(data, ["meta_tags", "footer_identity"])
    assert [r.status for r in runs] == ["ok", "ok"]
    return findings


def test_json_endpoint_is_not_judged_for_meta_tags_or_footer() -> None:
    assert _run("application/json; charset=utf-8") == []
    assert _run("text/xml; charset=utf-8") == []


def test_a_page_without_content_type_is_still_judged() -> None:
    findings = _run("")
    assert {f.kind for f in findings} >= {"meta_tag_missing"}
    assert any(f.kind == "meta_tag_missing" and f.url == SITE + "gsgg/list.json" for f in findings)
