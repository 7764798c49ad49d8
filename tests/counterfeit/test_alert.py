"""The ``counterfeit_site`` alert: the service's hourly loop pass (alerts/rectification.py) tells the
impersonated site's org recipients of each open counterfeit page once (real store, the registry's
small province, routing into the outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.rectification import rectification_pass
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.registry.importer import import_file
from govwatch.store import service_rows as rows
from govwatch.store.counterfeit_rows import record_suspect, set_state
from govwatch.store.db import Store
from tests.registry.registry_helpers import PROVINCE, write_csv

QS = "http://www.qs.gov.cn/"  # 青山县人民政府, org 450121 under 宁川市 450100
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)


def _config() -> ServiceConfig:
    return parse_service_config({
        "channels": [{"name": "county-hook", "type": "webhook", "url": "http://127.0.0.1:9/county"},
                     {"name": "other-hook", "type": "webhook", "url": "http://127.0.0.1:9/other"}],
        "recipients": [{"name": "county", "channels": ["county-hook"], "orgs": ["450121"]},
                       {"name": "dongjiang", "channels": ["other-hook"], "orgs": ["450200"]}],
        "alerts": [{"events": ["counterfeit_site"], "recipients": ["county", "dongjiang"]}]},
        "service.yaml", environ={})


def test_an_open_counterfeit_is_told_once_to_the_sites_org(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "gw.db"))
    assert not import_file(store, write_csv(tmp_path / "sites.csv", PROVINCE)).problems
    site_id = store.site_id(QS)
    evidence = {"host": {"lookalike": "prefix"},
                "identifiers": [{"which": "site_code", "label": "网站标识码", "value": "4501210001"},
                                {"which": "name", "label": "网站名称", "value": "青山县人民政府"}]}
    suspect, _ = record_suspect(store, site_id=site_id, url="http://djqs.gov.cn/", host="djqs.gov.cn",
                                source="candidate", confidence=0.9, verdict="counterfeit", evidence=evidence)
    observer = AlertObserver(store, _config())
    [event] = rectification_pass(observer, T0)
    assert (event.kind, event.severity, event.site_url, event.target_url) == (
        "counterfeit_site", "critical", QS, "http://djqs.gov.cn/")
    assert event.title == "【预警】发现青山县人民政府的假冒网站"
    assert event.text.startswith("发现假冒网站：http://djqs.gov.cn/（主机 djqs.gov.cn，在本站域名前加字符的相似域名），"
                                 "冒用青山县人民政府的网站标识码4501210001，置信度0.90。")
    assert event.dedupe_key == f"counterfeit_site:{suspect}"
    [row] = rows.list_outbox(store)
    assert (row.recipient, row.channel) == ("county", "county-hook")  # not 东江市's recipient
    rectification_pass(observer, T0 + timedelta(hours=1))
    assert len(rows.list_outbox(store)) == 1  # the same page is told once
    assert set_state(store, suspect, "reported")
    assert rectification_pass(observer, T0 + timedelta(hours=2)) == []  # reported: nothing more to tell
