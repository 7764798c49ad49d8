"""Whether a simulated site can be read at all (``SiteSpec.access``; issue 16, class 1).

A site that cannot be read must never pass an inspection. The access modes build the ways a
government site is found unreadable:

- ``open``: served as everything else in the simulator describes (the default; bytes unchanged);
- ``refused``: nothing listens on the site's port (the server binds it and never listens, as for
  its ``refused`` role); host-placed sites only;
- ``unavailable``: ``503 Service Unavailable`` to every path;
- ``challenge``: a WAF block or challenge page for every path, the homepage included;
- ``challenge-after-home``: the homepage as usual, every other path challenged (a WAF that blocks
  a crawler after its first request);
- ``failing``: the homepage as usual, every other path ``500`` or ``502`` (a broken back end).

Which challenge page (vendor, status, body: :data:`CHALLENGES`, worded as those products word
them, so the markers of ``data/waf_challenges.yaml`` recognise them) and which failing status is a
pure function of (seed, variation, site id); variation 0 picks the first of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from govwatch.sim.response import HTML_UTF8, SimResponse
from govwatch.sim.rng import Rng, stable_int

AccessMode = Literal["open", "refused", "unavailable", "challenge", "challenge-after-home", "failing"]
ACCESS_MODES: tuple[str, ...] = ("open", "refused", "unavailable", "challenge", "challenge-after-home", "failing")
FAILING_STATUSES: tuple[int, ...] = (500, 502)
# The incomplete reason (govwatch.crawl.coverage) an inspection of a site in each mode must give.
EXPECTED_INCOMPLETE: dict[str, str | None] = {
    "open": None, "refused": "crawl.homepage_failed", "unavailable": "crawl.homepage_failed",
    "challenge": "crawl.homepage_failed", "challenge-after-home": "crawl.low_read_share",
    "failing": "crawl.low_read_share",
}


@dataclass(frozen=True, slots=True)
class Challenge:
    """A WAF's answer instead of the page: the vendor (as ``waf_challenges.yaml`` names it), status, body."""

    vendor: str
    status: int
    body: str


CHALLENGES: tuple[Challenge, ...] = (
    Challenge("安全狗", 403, (
        "<html><head><meta charset='utf-8'><title>网站防火墙</title></head><body>"
        "<h1>您的请求带有不合法参数，已被网站管理员设置拦截！</h1><p>可能原因：您提交的内容包含危险的攻击请求</p>"
        "<p>如何解决：检查提交内容；如网站托管，请联系空间提供商；普通网站访客，请联系网站管理员</p>"
        "<p>网站安全狗 www.safedog.cn</p></body></html>")),
    Challenge("云锁", 403, (
        "<html><head><meta charset='utf-8'><title>访问验证</title></head><body><p>正在进行访问验证，请稍候……</p>"
        "<script>function stringToHex(s){var v='';for(var i=0;i<s.length;i++){v+=s.charCodeAt(i).toString(16);}"
        "return v;}document.cookie='yunsuo_session_verify=2c5cc9f1b9a0e5e4ad6b3a8e2c0f1d77; path=/';"
        "location.href=location.pathname+'?security_verify_data='+stringToHex(screen.width+','+screen.height);"
        "</script><p>本页面由云锁提供防护</p></body></html>")),
    Challenge("知道创宇加速乐", 200, (
        "<html><body><script>document.cookie=('_')+('_j')+('sl_clearance')+('=1701234567.123|0|abc');"
        "location.href=location.pathname+location.search</script>"
        "<script>var __jsl_clearance='';</script></body></html>")),
    Challenge("通用拦截页", 503, (
        "<html><head><meta charset='utf-8'><title>访问被拦截</title></head><body><h1>您的访问被阻断</h1>"
        "<p>系统检测到您的访问存在异常，请稍后再试。如有疑问，请联系网站管理员。</p></body></html>")),
)
UNAVAILABLE_BODY = ("<html><head><meta charset='utf-8'><title>503 Service Unavailable</title></head>"
                    "<body><h1>503 Service Unavailable</h1></body></html>")
_FAILING_BODIES = {500: "500 Internal Server Error", 502: "502 Bad Gateway"}


@dataclass(frozen=True, slots=True)
class Access:
    """How one site answers: its mode, the challenge page it shows and the status a failing page gives."""

    mode: str = "open"
    challenge: Challenge | None = None
    failing_status: int | None = None

    def answer(self, is_home: bool) -> SimResponse | None:
        """What the site answers instead of the page (None: the page itself). ``refused`` answers
        nothing here: the server never listens on its port."""
        if self.mode == "unavailable":
            return _plain(503, UNAVAILABLE_BODY)
        if is_home and self.mode in ("challenge-after-home", "failing"):
            return None
        if self.challenge is not None:
            return _plain(self.challenge.status, self.challenge.body)
        if self.failing_status is not None:
            text = _FAILING_BODIES[self.failing_status]
            return _plain(self.failing_status, f"<html><head><title>{text}</title></head><body><h1>{text}</h1>"
                                               "</body></html>")
        return None

    def truth(self) -> dict[str, Any]:
        """The manifest's ``access`` entry: mode, challenge vendor, the status of the pages not
        served (null: no answer at all, or none withheld) and the incomplete reason expected."""
        status = 503 if self.mode == "unavailable" else (
            self.challenge.status if self.challenge is not None else self.failing_status)
        return {"mode": self.mode, "vendor": self.challenge.vendor if self.challenge else None,
                "status": status, "incomplete": EXPECTED_INCOMPLETE[self.mode]}


OPEN = Access()


def choose_access(seed: int, variation: int, site_id: str, mode: str) -> Access:
    """The access of site ``site_id`` built with ``mode`` (seeded; variation 0 takes the first choices)."""
    if mode == "open":
        return OPEN
    r = Rng(stable_int(seed, variation, site_id, "access")) if variation > 0 else None
    if mode in ("challenge", "challenge-after-home"):
        return Access(mode, challenge=r.choice(CHALLENGES) if r else CHALLENGES[0])
    if mode == "failing":
        return Access(mode, failing_status=r.choice(FAILING_STATUSES) if r else FAILING_STATUSES[0])
    return Access(mode)


def _plain(status: int, body: str) -> SimResponse:
    return SimResponse(status=status, body=body.encode("utf-8"), content_type=HTML_UTF8)
