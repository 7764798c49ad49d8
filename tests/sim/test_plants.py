"""Issue-5 plants (content, personal data, identity, security signs): the manifest lists them and
the server serves them as listed, over HTTP; values are valid (or invalid) by independent rules."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections import Counter
from datetime import date
from typing import Any

import aiohttp
import pypdf
import pytest
import yaml

from govwatch.sim import Portfolio, SimServer
from govwatch.sim.plants import DARK_LINKS, SPAM_TITLE, SPIDER_TOKEN, TYPOS, WORDING
from tests.sim.sim_helpers import AS_OF, FAMILY_SITES, OPTIONS, fetch, title_of

LEXICONS = "src/govwatch/data/lexicons"
SPIDER_UA = f"Mozilla/5.0 (compatible; {SPIDER_TOKEN}/2.0; +http://www.baidu.com/search/spider.html)"
BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
LEADS = ("trs", "jcms", "legacy")  # first site of each family in the portfolio
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_ok(value: str) -> bool:
    """GB 11643 by hand: 17 digits, a real birth date, the MOD 11-2 check character."""
    if not re.fullmatch(r"[1-8]\d{16}[\dX]", value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return born <= AS_OF and "10X98765432"[sum(int(c) * w for c, w in zip(value, _WEIGHTS, strict=False)) % 11] == value[17]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _lexicon(name: str) -> dict[str, Any]:
    with open(f"{LEXICONS}/{name}", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _text(body: bytes, encoding: str) -> str:
    return html.unescape(body.decode(encoding))


async def _get(session: aiohttp.ClientSession, url: str, ua: str = BROWSER_UA) -> bytes:
    status, _, body = await fetch(session, url, headers={"User-Agent": ua})
    assert status == 200, url
    return body


def _planted(entry: dict[str, Any], kind: str, needs: str | None = None) -> list[dict[str, Any]]:
    return [p for p in entry["planted"] if p["kind"] == kind and p.get("needs") == needs]


def test_planted_phrases_come_from_the_lexicons() -> None:
    wording = {p for c in _lexicon("wording.yaml")["categories"].values() for p in c["phrases"]}
    typos = _lexicon("typos.yaml")["typos"]
    banned = {t for c in _lexicon("banned.yaml")["categories"].values() for t in c["terms"]}
    for sentence, found, expected, _how in WORDING:
        assert expected in wording and found in sentence and expected not in sentence
        assert len(found) == len(expected) and found != expected
    for wrong, right in TYPOS:
        assert typos[wrong] == right
    assert {term for _t, term, _s in DARK_LINKS} <= banned


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_manifest_lists_every_kind_of_plant_on_every_site(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    kinds = Counter(p["kind"] for p in entry["planted"] if "needs" not in p)
    assert kinds["wording_error"] == 4 and kinds["typo"] == 2 and kinds["privacy_leak"] == 6
    assert kinds["dark_link"] == len(DARK_LINKS) and kinds["tampering"] == 2
    assert kinds["banned_content"] == 2 + len(DARK_LINKS) - 1  # title, link text; every static dark link
    lead = site_id in LEADS
    footer = [p for p in entry["planted"] if p["kind"].startswith("footer_item_")]
    assert (len(footer) == 2) is lead and (not footer) is (not lead)
    assert bool(_planted(entry, "meta_tag_missing")) is lead and bool(_planted(entry, "meta_tag_invalid")) is lead
    assert bool(_planted(entry, "cloaking", "baiduspider")) is lead
    assert bool(_planted(entry, "tampering", "tampered")) is lead
    planted_urls = {p["url"] for p in entry["planted"]}
    negative_pages = {n["url"] for n in entry["negatives"] if n["kind"] == "wording_error"}
    assert len(negative_pages) == 1 and not negative_pages & planted_urls
    whats = {n["what"] for n in entry["negatives"]}
    assert {"masked mobile", "masked resident ID", "resident ID with a wrong check character",
            "resident ID with region code 99", "masked-only attachment"} <= whats


def test_footer_defects_differ_by_family(sim: SimServer) -> None:
    items = {s: {(p["kind"], p["match"]["item"], p["match"]["problem"]) for p in sim.manifest["sites"][s]["planted"]
                 if p["kind"].startswith("footer_item_")} for s in LEADS}
    assert items["trs"] == {("footer_item_invalid", "site_code", "invalid"),
                            ("footer_item_invalid", "police_record", "legacy")}
    assert items["jcms"] == {("footer_item_invalid", "jiucuo", "mismatch"), ("footer_item_missing", "icp", "missing")}
    assert items["legacy"] == {("footer_item_invalid", "site_code", "invalid"),
                               ("footer_item_missing", "icp", "missing")}


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_planted_personal_values_are_valid_and_decoys_are_not(portfolio: Portfolio, site_id: str) -> None:
    from govwatch.sim.leaks import decoys
    entry = portfolio.sites[site_id]
    manifest_values = [v for p in entry.plants.planted for v in p.values]
    assert len(manifest_values) == len(set(manifest_values)) == 12
    for value in manifest_values:
        if len(value) == 18:
            assert _id_ok(value), value
            assert value[:6] == entry.identity.site_code[:6]  # born in the site's division
        elif len(value) == 11:
            assert re.fullmatch(r"1[3-9]\d{9}", value), value
        else:
            assert len(value) == 16 and value.startswith("62") and _luhn_ok(value), value
    fakes = {what: value for _label, value, what in decoys(entry.identity.site_code[:6], OPTIONS.seed, site_id)}
    assert "*" in fakes["masked mobile"] and "*" in fakes["masked resident ID"]
    for what in ("resident ID with a wrong check character", "resident ID with an impossible birth date",
                 "resident ID with region code 99"):
        assert len(fakes[what]) == 18 and not _id_ok(fakes[what]), what
    assert not _luhn_ok(fakes["card number failing the Luhn check"])
    assert len(fakes["mobile-like digits inside a longer number"]) > 19


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_pages_show_the_content_and_privacy_plants(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    encoding = entry["encoding"]
    async with aiohttp.ClientSession() as session:
        for plant in entry["planted"]:
            if plant.get("needs") or plant["url"].endswith((".xlsx", ".docx", ".csv", ".pdf")):
                continue
            text = _text(await _get(session, plant["url"]), encoding)
            match = plant["match"]
            if plant["kind"] in ("wording_error", "typo"):
                assert match["found"] in text, plant
                assert plant["kind"] == "typo" or match["expected"] not in text, plant  # 工作 is everywhere
            elif plant["kind"] == "banned_content":
                where = title_of(text) if match["where"] == "title" else text
                assert match["term"] in where, plant
            elif plant["kind"] == "privacy_leak":
                assert all(v in text for v in plant["values"]), plant


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_leaking_attachments_hold_their_values(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    leaking = [p for p in _planted(entry, "privacy_leak") if not p["url"].endswith(".html")
               and not p["url"].endswith(".htm")]
    masked = [n for n in entry["negatives"] if n["what"] == "masked-only attachment"]
    assert {p["url"].rsplit(".", 1)[1] for p in leaking} == {"xlsx", "docx", "csv", "pdf"} and len(masked) == 1
    async with aiohttp.ClientSession() as session:
        for plant in leaking:
            body = await _get(session, plant["url"])
            ext = plant["url"].rsplit(".", 1)[1]
            if ext in ("xlsx", "docx"):
                with zipfile.ZipFile(io.BytesIO(body)) as zf:
                    text = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
            elif ext == "csv":
                with pytest.raises(UnicodeDecodeError):
                    body.decode("utf-8")  # GB18030, as such files come from Excel on Chinese Windows
                text = body.decode("gb18030")
            else:
                text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
            assert all(v in text for v in plant["values"]), (plant["url"], text[:200])
        body = await _get(session, masked[0]["url"])
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "****" in sheet and not re.search(r"\d{11}", sheet)


@pytest.mark.parametrize("site_id", LEADS)
async def test_identity_plants_are_served(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    encoding = entry["encoding"]
    async with aiohttp.ClientSession() as session:
        home = _text(await _get(session, entry["homepage"]), encoding)
        foot = home.split('<div class="footer">', 1)[1]
        for plant in entry["planted"]:
            match = plant["match"]
            if plant["kind"].startswith("footer_item_"):
                if match["item"] == "site_code":
                    assert "网站标识码：1234567890" in foot and f"网站标识码：{entry['site_code']}" not in foot
                elif match["item"] == "icp":
                    assert "ICP" not in foot
                elif match["item"] == "police_record":
                    assert re.search(r"公网安备 \d{12}号", foot)
                else:
                    assert f"jiucuo.html?site_code={match['observed']}" in foot
                    assert match["observed"] != entry["site_code"] == match["expected"]
            elif plant["kind"] == "meta_tag_missing":
                page = _text(await _get(session, plant["url"]), encoding)
                assert 'name="ColumnName"' in page and 'name="ColumnType"' not in page
            elif plant["kind"] == "meta_tag_invalid":
                page = _text(await _get(session, plant["url"]), encoding)
                pub = re.search(r'<meta name="pub[dD]ate" content="([^"]+)">', page, re.I).group(1)
                assert pub == match["observed"] and not pub.startswith(match["expected"])
                assert match["expected"] in page or _cn_day(match["expected"]) in page


def _cn_day(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


async def test_clean_sites_keep_a_valid_footer(sim: SimServer) -> None:
    async with aiohttp.ClientSession() as session:
        for site_id in ("fgw", "jyj"):
            entry = sim.manifest["sites"][site_id]
            foot = _text(await _get(session, entry["homepage"]), entry["encoding"]).split('<div class="footer">', 1)[1]
            assert f"网站标识码：{entry['site_code']}" in foot and entry["icp"] in foot
            assert entry["police_record"] in foot and f'sitecode="{entry["site_code"]}"' in foot


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_dark_links_and_injected_resources_are_served(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    external = sim.manifest["external_base"]
    async with aiohttp.ClientSession() as session:
        pages: dict[str, str] = {}
        for plant in entry["planted"]:
            if plant["kind"] not in ("dark_link", "tampering") or plant.get("needs"):
                continue
            url, match = plant["url"], plant["match"]
            if url not in pages:
                pages[url] = _text(await _get(session, url), entry["encoding"])
            page = pages[url]
            target = match["target"]
            assert target.startswith(external)
            i = page.find(f'"{target}"')
            assert i > 0, (url, target)
            if plant["kind"] == "tampering":
                tag = "script" if match["signal"] == "injected_script" else "iframe"
                assert re.search(f"<{tag}[^>]*src=$", page[:i]), plant
                continue
            before = page[max(0, i - 200):i]
            marker = {"display_none": "display:none", "visibility_hidden": "visibility:hidden",
                      "offscreen": "left:-9999px", "font_size_0": "font-size:0", "style_class": 'class="gwlnk"',
                      "same_colour": "background-color:#ffffff", "marquee": "<marquee",
                      "document_write": "document.write("}[match["technique"]]
            assert marker in before, (plant, before)
            assert page[i:].split("</a>", 1)[0].endswith(match["text"])
            assert (await fetch(session, target))[0] == 200  # the external host answers
        negatives = [n for n in entry["negatives"] if n["kind"] == "dark_link"]
        assert len(negatives) == 2
        page = _text(await _get(session, negatives[0]["url"]), entry["encoding"])
        assert re.search(r'<div style="font-size:0"><a href="https://www.gov.cn/">', page)
        assert re.search(r'<a href="#content" style="position:absolute;left:-9999px">', page)


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_baiduspider_gets_a_different_homepage_on_lead_sites(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    async with aiohttp.ClientSession() as session:
        browser = await _get(session, entry["homepage"])
        again = await _get(session, entry["homepage"], BROWSER_UA.replace("Chrome", "Firefox"))
        spider = await _get(session, entry["homepage"], SPIDER_UA)
    assert browser == again
    if site_id not in LEADS:
        assert spider == browser
        return
    assert spider != browser
    spider_text, browser_text = _text(spider, entry["encoding"]), _text(browser, entry["encoding"])
    assert title_of(spider_text) == SPAM_TITLE and title_of(browser_text) == entry["name"]
    for plant in _planted(entry, "banned_content", "baiduspider"):
        where = title_of(spider_text) if plant["match"]["where"] == "title" else spider_text
        assert plant["match"]["term"] in where
    assert "在线赌博平台" not in browser_text and "在线赌博平台" in spider_text


async def test_tampering_flag_changes_the_lead_homepages(sim: SimServer) -> None:
    sites = sim.manifest["sites"]
    plants = {s: p for s in FAMILY_SITES for p in sites[s]["planted"] if p.get("needs") == "tampered"
              and p["kind"] == "tampering"}
    async with aiohttp.ClientSession() as session:
        baseline = {s: await _get(session, sites[s]["homepage"]) for s in FAMILY_SITES}
        sim.set_tampered(True)
        try:
            tampered = {s: await _get(session, sites[s]["homepage"]) for s in FAMILY_SITES}
        finally:
            sim.set_tampered(False)
        restored = {s: await _get(session, sites[s]["homepage"]) for s in FAMILY_SITES}
    changed = [s for s in FAMILY_SITES if tampered[s] != baseline[s]]
    assert changed == sorted(plants, key=FAMILY_SITES.index) == [s for s in FAMILY_SITES if s in LEADS]
    for site, plant in plants.items():
        assert plant["url"] == sites[site]["homepage"]
        text = _text(tampered[site], sites[site]["encoding"])
        assert plant["match"]["text"] in text and f'"{plant["match"]["target"]}"' in text
    assert restored == baseline


def test_tampered_option_sets_the_flag() -> None:
    plain = Portfolio.with_fake_ports(OPTIONS).sites["trs"]
    hacked = Portfolio.with_fake_ports(OPTIONS.with_(tampered=True)).sites["trs"]
    assert hacked.respond("GET", "").body != plain.respond("GET", "").body
    assert hacked.respond("GET", "tzgg/index.html").body == plain.respond("GET", "tzgg/index.html").body
