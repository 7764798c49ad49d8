"""The real-page corpus (../shared/corpus/real-pages) as counterfeit test material: every ``mhxqwer/*``
page is a third-party clone on a look-alike host (the repository's name), the rest are genuine pages
of their ``site``. The test registry is the genuine sites' identities from the manifest's hand-checked
truth (meta SiteName / SiteIDCode, footer 网站标识码, ICP, 公安备案)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govwatch.analysis.counterfeit import RegistrySite

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real-pages"
CLONE_OWNER = "mhxqwer/"


@dataclass(frozen=True, slots=True)
class CorpusPage:
    file: str
    path: Path
    site: str  # the genuine host
    found_host: str  # where the page was seen: the look-alike host for a clone, else its site
    clone: bool


def entries() -> list[dict[str, Any]]:
    with (CORPUS / "manifest.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pages() -> list[CorpusPage]:
    out = []
    for e in entries():
        clone = e["repo"].startswith(CLONE_OWNER)
        found = e["repo"].split("/", 1)[1] if clone else e["site"]
        out.append(CorpusPage(e["file"], CORPUS / "pages" / e["file"], e["site"], found, clone))
    return out


def registry() -> list[RegistrySite]:
    """One registered site per distinct genuine host, with the identity its pages' truth shows."""
    known: dict[str, dict[str, str | None]] = {}
    for e in entries():
        truth = e.get("truth") or {}
        meta, footer = truth.get("meta") or {}, truth.get("footer") or {}
        site = known.setdefault(e["site"], {"name": None, "site_code": None, "icp": None, "police_record": None})
        site["name"] = site["name"] or meta.get("SiteName")
        site["site_code"] = site["site_code"] or meta.get("SiteIDCode") or (footer.get("site_code") or [None])[0]
        site["icp"] = site["icp"] or (footer.get("icp") or [None])[0]
        site["police_record"] = site["police_record"] or (footer.get("public_security_beian") or [None])[0]
    return [RegistrySite(id=i, url=f"http://{host}/", **values)  # type: ignore[arg-type]
            for i, (host, values) in enumerate(sorted(known.items()), 1)]
