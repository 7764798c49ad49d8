"""站点未能读取: the crawl could not read the site, so the run is incomplete.

A pure function of the run fact ``crawl`` (:mod:`govwatch.crawl.coverage`, computed from the fetch
rows with ``crawl.min_read_share``): one ``site_unreadable`` finding per reason the run is
incomplete — the homepage did not open (``crawl.homepage_failed``: error class, HTTP status, or the
WAF that stood in for it), every page was blocked (``crawl.all_blocked``), or too small a share of
the pages found was read (``crawl.low_read_share``). The finding scores nothing; what it changes is
the assessment: on an incomplete run the checks that read the crawl are not assessed
(``govwatch.scoring.runs``), so no verdict of 合格 and no full marks come from a site not read.
"""

from __future__ import annotations

from collections.abc import Iterator

from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.rundata import RunData

FACT = "crawl"

# The checks that judge something other than what the crawl read: availability probes, the
# post-crawl HTTPS/TLS/IPv6 measurements, and this check. Every other check reads crawled pages,
# links or bodies and is not assessed on an incomplete run (govwatch.scoring.runs).
READS_NO_CRAWL = frozenset({"crawl.coverage", "availability.probes", "transport.https", "transport.tls",
                            "transport.ipv6"})


def unread_reasons(data: RunData) -> list[str]:
    """The messages of the reasons the run is incomplete (empty: complete, or not measured)."""
    fact = data.run_fact(FACT) or {}
    return [] if fact.get("complete", True) else [r["message"] for r in fact.get("reasons") or ()]


@check("crawl.coverage", family="crawl", kinds=("site_unreadable",))
def crawl_coverage(data: RunData) -> Iterator[Finding]:
    """A finding for each reason the crawl left the run incomplete."""
    fact = data.run_fact(FACT)
    if fact is None:
        raise NotAssessed("本次检查没有记录抓取覆盖情况（该次检查早于抓取覆盖统计）")
    home = fact.get("homepage") or {}
    for reason in fact.get("reasons") or ():
        yield Finding(
            kind="site_unreadable", code=reason["code"], indicator="检查完整性", url=reason.get("url") or data.site_url,
            severity="error", message=f"网站未能完整读取，本次检查不完整：{reason['message']}",
            evidence={"reason": reason["code"], "pages_found": fact.get("pages_found"),
                      "pages_read": fact.get("pages_read"), "pages_blocked": fact.get("pages_blocked"),
                      "read_share": fact.get("read_share"), "min_read_share": fact.get("min_read_share"),
                      "homepage_status": home.get("status"), "homepage_error": home.get("error"),
                      "homepage_error_detail": home.get("error_detail"), "homepage_blocked": home.get("blocked")})
