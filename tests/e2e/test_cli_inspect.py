"""`govwatch inspect --out --json` on a simulated site: the files it writes say what the manifest says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from tests.conftest import AS_OF, CRAWL_TIMEOUT


def test_inspect_writes_json_and_html_report(sim: Any, tmp_path: Path) -> None:
    truth = sim.manifest["sites"]["legacy"]
    out = tmp_path / "out"
    code = main(["inspect", sim.site_url("legacy"), "--as-of", AS_OF.isoformat(), "--db", str(tmp_path / "g.db"),
                 "--out", str(out), "--json", str(tmp_path / "doc.json"), "--offline", "--allow-private", "127.0.0.0/8", "--rate", "0",
                 "--timeout", str(CRAWL_TIMEOUT)])
    assert code == 0
    doc = json.loads((tmp_path / "doc.json").read_text(encoding="utf-8"))
    assert doc == json.loads((out / "inspection.json").read_text(encoding="utf-8"))
    # The GBK site's identity is read correctly (characters outside GB2312 included).
    assert doc["site"]["name"] == truth["name"]
    assert doc["site"]["site_code"] == truth["site_code"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert truth["name"] in html
    for broken in doc["links"]["broken"]:
        assert broken["url"] in html and broken["finding"] in html
    assert {b["url"] for b in doc["links"]["broken"]} == {p["target"] for p in truth["broken_links"]}
    assert "软404" in html and "超时" in html
    # The column table shows each column's figures (not template artefacts).
    assert "built-in method" not in html
    for col in doc["columns"]:
        row = html[html.index(col["url"]):]
        row = row[:row.index("</tr>")]
        cells = re.findall(r"<td>(\d+)</td>", row)
        assert cells[:2] == [str(col["items"]), str(col["undated"])], col["name"]


def test_extract_command_prints_the_extract_json(sim: Any, tmp_path: Path) -> None:
    column = next(c for c in sim.manifest["sites"]["trs"]["columns"] if c["pagination"] == "createPageHTML"
                  and len(c["list_pages"]) > 1)
    target = tmp_path / "x.json"
    assert main(["extract", column["url"], "--json", str(target)]) == 0
    facts = json.loads(target.read_text(encoding="utf-8"))
    assert facts["page_type"] == "list"
    assert facts["pagination"]["kind"] == "createPageHTML"
    assert facts["pagination"]["page_urls"] == column["list_pages"][1:]
    assert facts["items"] and all(item["date"] for item in facts["items"])


def test_crawl_flags_bound_the_crawl(sim: Any, tmp_path: Path) -> None:
    """--max-pages (with --offline, --rate, --timeout) stops the crawl at the limit and says so."""
    out = tmp_path / "doc.json"
    code = main(["inspect", sim.site_url("jyj"), "--as-of", AS_OF.isoformat(), "--db", str(tmp_path / "g.db"),
                 "--json", str(out), "--offline", "--rate", "0", "--max-pages", "20", "--timeout", str(CRAWL_TIMEOUT)])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["pages"]["crawled"] == doc["crawl"]["pages"] == 20 < sim.manifest["sites"]["jyj"]["page_count"]
    assert doc["crawl"]["page_limit_hit"] is True
    assert doc["site"]["name"] == sim.manifest["sites"]["jyj"]["name"]


def test_a_bad_allow_private_entry_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["inspect", "http://127.0.0.1:9/", "--db", str(tmp_path / "g.db"), "--allow-private", "10.0.0.0/33"])
    assert code == 2
    assert "crawl.allow_private" in capsys.readouterr().err
