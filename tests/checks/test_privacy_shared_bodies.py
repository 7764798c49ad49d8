"""personal_data reads and parses a body shared by many attachment URLs once, and judges every URL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from govwatch.checks.privacy import personal_data
from govwatch.core.urls import Scope
from govwatch.rundata import RunData

HOME = "http://example.gov.cn/"
LEAK = "姓名,身份证号\n王某,11010519491231002X\n".encode()
CLEAN = "序号,事项\n1,报名\n".encode()
BROKEN = b"\x00\x01not a spreadsheet" * 8


class Counting(RunData):
    """An in-memory run that counts which bodies the check asks for."""

    def __init__(self, bodies: dict[str, tuple[bytes, str | None, str]]) -> None:
        fetches = {url: {"role": "resource", "kind": "attachment", "status": 200, "content_type": ctype,
                         **({"body_hash": digest} if digest else {})} for url, (_body, digest, ctype) in bodies.items()}
        super().__init__(site_url=HOME, scope=Scope.for_site(HOME), as_of=date(2026, 6, 30), fetches=fetches,
                         bodies={url: body for url, (body, _digest, _ctype) in bodies.items()})
        self.asked: list[str] = []

    def body(self, url: str) -> bytes | None:
        self.asked.append(url)
        return super().body(url)

    def bodies(self, urls: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        wanted = list(urls)
        self.asked.extend(wanted)
        return super().bodies(wanted)


def _files(hashed: bool) -> dict[str, tuple[bytes, str | None, str]]:
    def digest(name: str) -> str | None:
        return name if hashed else None
    return {
        f"{HOME}a/名单.csv": (LEAK, digest("leak"), "text/csv"),
        f"{HOME}b/名单.csv": (LEAK, digest("leak"), "text/csv"),
        f"{HOME}c/事项.csv": (CLEAN, digest("clean"), "text/csv"),
        f"{HOME}d/名单.csv": (LEAK, digest("leak"), "text/csv"),
        f"{HOME}e/表.xlsx": (BROKEN, digest("broken"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        f"{HOME}f/表.xlsx": (BROKEN, digest("broken"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }


def _findings(data: RunData) -> list[tuple[str, str, str, str]]:
    return [(f.kind, f.url, f.message, repr(sorted(f.evidence.items()))) for f in personal_data(data)]


def test_one_read_a_body_and_every_url_judged_as_if_each_were_read() -> None:
    shared, apart = Counting(_files(hashed=True)), Counting(_files(hashed=False))
    found = _findings(shared)
    assert shared.asked == [f"{HOME}a/名单.csv", f"{HOME}c/事项.csv", f"{HOME}e/表.xlsx"]
    assert found == _findings(apart)  # each URL read and parsed on its own: the same findings, in order
    assert len(apart.asked) == 6
    assert [(kind, url) for kind, url, *_ in found] == [
        ("privacy_leak", f"{HOME}a/名单.csv"), ("privacy_leak", f"{HOME}b/名单.csv"),
        ("privacy_leak", f"{HOME}d/名单.csv"),
        ("attachment_unreadable", f"{HOME}e/表.xlsx"), ("attachment_unreadable", f"{HOME}f/表.xlsx")]
