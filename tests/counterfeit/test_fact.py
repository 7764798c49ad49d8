"""From the store's record to the site's findings: ``counterfeit_suspects`` rows (real SQLite store)
become the run fact ``counterfeit`` (crawl/sitefacts/counterfeit.py), which the check
``identity.counterfeit`` reports as ``counterfeit_site`` findings of the impersonated site."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import update

from govwatch.checks.counterfeit import counterfeit_sites
from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.counterfeit import counterfeit_fact
from govwatch.rundata import RunData
from govwatch.store import tables as t
from govwatch.store.counterfeit_rows import record_suspect, suspect_rows
from govwatch.store.db import Store

HOME = "http://www.jiangsu.gov.cn/"


def _store(tmp_path: Path) -> tuple[Store, int, int]:
    from govwatch.commands.main import main
    from govwatch.store.registry_rows import site_id_of

    sheet = tmp_path / "sites.csv"
    sheet.write_text("网站名称,首页网址,网站标识码\n江苏省人民政府,http://www.jiangsu.gov.cn/,3200000084\n"
                     "四川省人民政府网站,http://www.sc.gov.cn/,5100000062\n", encoding="utf-8")
    db = str(tmp_path / "gw.db")
    assert main(["sites", "import", str(sheet), "--db", db]) == 0
    store = Store(db)
    js, sc = site_id_of(store, HOME), site_id_of(store, "http://www.sc.gov.cn/")
    assert js is not None and sc is not None
    return store, js, sc


def _evidence(host: str) -> dict[str, object]:
    return {"host": {"lookalike": "prefix", "relation": "lookalike"}, "title": "江苏省人民政府",
            "identifiers": [{"which": "site_code", "label": "网站标识码", "value": "3200000084",
                             "where": "meta标签SiteIDCode", "registered": "3200000084"}]}


def test_open_rows_become_findings_closed_ones_do_not(tmp_path: Path) -> None:
    store, js, sc = _store(tmp_path)
    first, new = record_suspect(store, site_id=js, url="http://djjiangsu.gov.cn/", host="djjiangsu.gov.cn",
                                source="candidate", confidence=0.9, verdict="counterfeit",
                                evidence=_evidence("djjiangsu.gov.cn"))
    assert new
    closed, _ = record_suspect(store, site_id=js, url="http://jiangsu.com/", host="jiangsu.com", source="check",
                               confidence=0.4, verdict="suspect", evidence=_evidence("jiangsu.com"))
    record_suspect(store, site_id=sc, url="http://djsc.gov.cn/", host="djsc.gov.cn", source="check",
                   confidence=0.9, verdict="counterfeit", evidence=_evidence("djsc.gov.cn"))
    with store.engine.begin() as conn:
        conn.execute(update(t.counterfeit_suspects).where(t.counterfeit_suspects.c.id == closed).values(state="closed"))
    again, new = record_suspect(store, site_id=js, url="http://djjiangsu.gov.cn/", host="djjiangsu.gov.cn",
                                source="candidate", confidence=0.95, verdict="counterfeit",
                                evidence=_evidence("djjiangsu.gov.cn"))
    assert (again, new) == (first, False)
    assert len(suspect_rows(store)) == 3 and len(suspect_rows(store, site_id=js)) == 2

    fact = counterfeit_fact(store, js)
    assert fact["total"] == 1 and [s["url"] for s in fact["suspects"]] == ["http://djjiangsu.gov.cn/"]
    assert fact["suspects"][0]["confidence"] == 0.95

    data = RunData(site_url=HOME, scope=Scope.for_site(HOME), as_of=date(2026, 12, 1), fetches={},
                   facts={"counterfeit": fact})
    [finding] = counterfeit_sites(data)
    assert (finding.kind, finding.url, finding.target, finding.severity) == (
        "counterfeit_site", HOME, "http://djjiangsu.gov.cn/", "error")
    assert finding.message == ("发现假冒本网站的页面：http://djjiangsu.gov.cn/，主机 djjiangsu.gov.cn"
                               "（在本站域名前加字符的相似域名），冒用网站标识码3200000084；请核实并向网信、公安等主管部门报告")
