"""A counterfeit copy of a simulated site (假冒政府网站), served on another loopback address.

With ``SimOptions.clone`` naming a host-placed site, the server also listens on ``127.0.0.2`` (the same
port as the genuine site when free) and answers every request there as the genuine site would, with
the links pointing at the copy and the contact details changed (telephone and address: where a
counterfeiter sends the public), every identifier kept (网站标识码, ICP, 公安备案, 主办单位, name). The
manifest's ``clones`` lists each copy with what was edited: the counterfeit check must flag the copy
and never the genuine site (tests/counterfeit/).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from govwatch.sim.response import SimResponse
from govwatch.sim.site import SiteGenerator

__all__ = ["CLONE_HOST", "Clone", "make_clone"]

CLONE_HOST = "127.0.0.2"
_FAKE_PHONE = "0771-6666888"
_FAKE_ADDRESS = "民族大道一百号代办服务中心"


@dataclass(frozen=True, slots=True)
class Clone:
    """One counterfeit copy: the genuine site's origin, the copy's origin and the text edits."""

    site_id: str
    genuine_origin: str  # http://127.0.0.1:P
    clone_origin: str  # http://127.0.0.2:Q
    edits: tuple[tuple[str, str, str], ...]  # (field, genuine value, counterfeit value)
    encoding: str

    def respond(self, answer: SimResponse) -> SimResponse:
        """The genuine answer as the copy serves it (HTML, XML and JSON bodies rewritten)."""
        if not answer.body or not answer.content_type.startswith(("text/", "application/json")):
            return answer
        codec = self.encoding if answer.is_html else "utf-8"
        body = answer.body.replace(self.genuine_origin.encode("ascii"), self.clone_origin.encode("ascii"))
        for _, old, new in self.edits:
            try:
                body = body.replace(old.encode(codec), new.encode(codec))
            except (UnicodeEncodeError, LookupError):
                continue
        headers = {k: (v.replace(self.genuine_origin, self.clone_origin) if k.lower() == "location" else v)
                   for k, v in answer.headers.items()}
        return SimResponse(answer.status, body, answer.content_type, headers, answer.fault, answer.delay,
                           answer.raw_headers)

    def manifest_entry(self, gen: SiteGenerator) -> dict[str, Any]:
        """The manifest truth of the copy."""
        ident = gen.identity
        return {"site": self.site_id, "homepage": self.clone_origin + "/", "host": self.clone_origin.split("//")[1],
                "impersonates": gen.base_url, "name": ident.name, "site_code": ident.site_code, "icp": ident.icp,
                "police_record": ident.police_record, "sponsor": ident.sponsor,
                "edited": {field: {"genuine": old, "counterfeit": new} for field, old, new in self.edits},
                "kept": ["name", "site_code", "icp", "police_record", "sponsor"]}


def make_clone(gen: SiteGenerator, genuine_origin: str, clone_origin: str) -> Clone:
    """The copy of ``gen`` at ``clone_origin``: phone and address changed, identifiers kept."""
    ident = gen.identity
    edits = (("phone", ident.phone, _FAKE_PHONE), ("address", escape(ident.address), _FAKE_ADDRESS))
    return Clone(gen.spec.id, genuine_origin, clone_origin, edits, gen.encoding)
