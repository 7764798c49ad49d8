"""The simulator repairs planted defects while serving (sim/repairs.py): broken link targets answer 200,
articles are served with their wording errors and typos corrected; the manifest names each repair."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from govwatch.sim import SimServer
from govwatch.sim.repairs import RepairError
from tests.sim.sim_helpers import OPTIONS


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    """A simulator of its own: repairs change what it serves."""
    with SimServer(OPTIONS).running() as sim:
        yield sim


@pytest.fixture(autouse=True)
def _unrepaired(server: SimServer) -> Iterator[None]:
    server.unrepair()
    yield
    server.unrepair()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def broken(server: SimServer, site: str, fault: str, resource: str = "page") -> dict:
    entry = server.manifest["sites"][site]
    return next(b for b in entry["broken_links"] if b.get("fault") == fault and b.get("resource") == resource
                and b["scope"] == "other")


def text_of(server: SimServer, site: str, body: bytes) -> str:
    return body.decode(server.manifest["sites"][site]["encoding"])


@pytest.mark.parametrize(("site", "fault", "resource", "status"), [
    ("trs", "404", "page", 404), ("jcms", "410", "page", 410), ("legacy", "500", "page", 500),
    ("fgw", "404", "image", 404), ("trs", "404", "attachment", 404),
])
def test_a_repaired_broken_target_answers_200(server: SimServer, site: str, fault: str, resource: str,
                                              status: int) -> None:
    link = broken(server, site, fault, resource)
    target = link["target"]
    assert get(target)[0] == status
    entry = server.repair(target)
    code, body = get(target)
    assert code == 200
    if resource == "page":
        assert "<h1" in text_of(server, site, body)
    elif resource == "attachment":
        assert body.startswith(b"%PDF")
    assert entry["kind"] == "broken_link"
    sources = {b["source"] for b in server.manifest["sites"][site]["broken_links"] if b["target"] == target}
    assert {b["source"] for b in entry["broken_links"]} == sources
    assert server.manifest["repaired"] == [entry]
    server.unrepair()
    assert get(target)[0] == status
    assert server.manifest["repaired"] == []


def test_a_repaired_soft404_is_a_normal_page(server: SimServer) -> None:
    target = broken(server, "trs", "soft404")["target"]
    assert "页面不存在" in get(target)[1].decode("utf-8")
    server.repair(target)
    code, body = get(target)
    assert code == 200 and "页面不存在" not in body.decode("utf-8")


def plants(server: SimServer, site: str, kind: str) -> list[dict]:
    return [p for p in server.manifest["sites"][site]["planted"] if p["kind"] == kind]


@pytest.mark.parametrize("site", ["trs", "legacy", "jyj"])
def test_a_repaired_article_is_served_corrected(server: SimServer, site: str) -> None:
    wording = plants(server, site, "wording_error")
    url = wording[0]["url"]
    assert all(p["url"] == url for p in wording)
    typo_url = plants(server, site, "typo")[0]["url"]
    before = text_of(server, site, get(url)[1])
    assert all(p["match"]["found"] in before for p in wording)
    entry = server.repair(url)
    after = text_of(server, site, get(url)[1])
    for p in wording:
        assert p["match"]["found"] not in after
        assert p["match"]["expected"] in after
    assert entry["kind"] == "wording_error"
    assert sorted(p["match"]["found"] for p in entry["planted"]) == sorted(p["match"]["found"] for p in wording)
    typo_text = text_of(server, site, get(typo_url)[1])  # another article keeps its defects
    assert all(p["match"]["found"] in typo_text for p in plants(server, site, "typo"))


def test_one_named_wording_error_is_repaired_alone(server: SimServer) -> None:
    first, second, *_ = plants(server, "jcms", "wording_error")
    entry = server.repair(first["url"], found=first["match"]["found"])
    text = get(first["url"])[1].decode("utf-8")
    assert first["match"]["found"] not in text and first["match"]["expected"] in text
    assert second["match"]["found"] in text
    assert [p["match"]["found"] for p in entry["planted"]] == [first["match"]["found"]]


def test_a_typo_is_repaired(server: SimServer) -> None:
    typos = plants(server, "fgw", "typo")
    server.repair(typos[0]["url"])
    text = get(typos[0]["url"])[1].decode("utf-8")
    assert all(p["match"]["found"] not in text and p["match"]["expected"] in text for p in typos)


def test_what_cannot_be_repaired_is_refused(server: SimServer) -> None:
    entry = server.manifest["sites"]["trs"]
    decoy = next(d for d in entry["decoys"] if d["fault"] == "head405")
    external = next(b for b in entry["broken_links"] if b["fault"] == "ext500")
    with pytest.raises(RepairError, match="decoy"):
        server.repair(decoy["target"])
    with pytest.raises(RepairError, match="not a page of a simulated site"):
        server.repair(external["target"])
    with pytest.raises(RepairError, match="nothing to repair"):
        server.repair(entry["homepage"])
    wording = plants(server, "trs", "wording_error")[0]
    with pytest.raises(RepairError, match="不存在的词"):
        server.repair(wording["url"], found="不存在的词")
    assert server.manifest["repaired"] == []


@pytest.mark.parametrize("site", ["trs", "jcms", "legacy", "fgw"])
def test_a_repaired_column_shows_a_fresh_item_dated_the_inspection_day(server: SimServer, site: str) -> None:
    truth = server.manifest["sites"][site]
    column = next(c for c in truth["columns"] if c["name"] == "图片新闻")  # c15: 15 days old, stale
    assert column["newest_date"] < OPTIONS.day.isoformat()
    before = text_of(server, site, get(column["url"])[1])
    entry = server.repair(column["url"])
    assert entry["kind"] == "stale_column" and entry["column"] == column["id"]
    assert entry["item"]["date"] == OPTIONS.day.isoformat()
    after = text_of(server, site, get(column["url"])[1])
    title = f"图片新闻最新信息（{OPTIONS.day:%Y年%m月%d日}）"
    assert title not in before and title in after
    path = entry["item"]["url"].split("/", 3)[3]
    assert path.rsplit("/", 1)[-1] in after  # the list links the fresh article
    code, body = get(entry["item"]["url"])
    assert code == 200 and title in text_of(server, site, body)
    assert len(column["list_pages"]) < 2 or title not in text_of(server, site, get(column["list_pages"][1])[1])
    server.unrepair()
    assert get(entry["item"]["url"])[0] == 404
    assert title not in text_of(server, site, get(column["url"])[1])


def test_a_blank_column_cannot_be_freshened(server: SimServer) -> None:
    blank = next(c for c in server.manifest["sites"]["trs"]["columns"] if c["blank"])
    with pytest.raises(RepairError, match="blank or script-filled"):
        server.repair(blank["url"])
