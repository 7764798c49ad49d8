"""``StoreRunData.attachment_links`` (store/stored_run.py) on SQLite and PostgreSQL: every attachment
fetched with success, in crawl order, with the (source, text) of every link to it, as the same run
read the way the privacy check read it before it streamed (``attachments()`` and ``links_to``, held
whole): a link of the site template once per page holding it, failed fetches left out, another
run's links to the same files not read."""

from __future__ import annotations

from govwatch.core.model import FetchResult, Link
from govwatch.rundata import RunData
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from govwatch.store.writer import FetchRecord, RunWriter

SITE = "http://www.files.gov.cn/"
FILES = [f"{SITE}files/{i}.xlsx" for i in range(40)]
IN_TEMPLATE = FILES[3]  # the footer's 附件 on every page
TEMPLATE = (Link(IN_TEMPLATE, "办事指南下载", "attachment", "a", "html"), Link(f"{SITE}about/", "关于", "page", "a", "html"))


def _fetched(url: str, status: int = 200, error: str | None = None) -> FetchResult:
    return FetchResult(url=url, final_url=url, method="GET", status=status, error=error, error_detail="",
                       content_type="application/vnd.ms-excel", headers={}, body=b"", elapsed_ms=1.0)


def _stored(store: Store, pages: range) -> int:
    """Pages linking every fifth file from their own offset (texts differ by page, some empty);
    then the files, fetched in reverse order, the 7th with an error and the 11th with HTTP 404."""
    run_id = store.create_run(store.site_id(SITE), "2026-11-22", {"crawl": {}})
    writer = RunWriter(store, run_id)
    for page in pages:
        url = f"{SITE}p{page}.html"
        links = [Link(FILES[i], f"附件{i}-{page}" if page % 3 else "", "attachment", "a", "html")
                 for i in range(page, len(FILES), 5)]
        writer.write_batch([FetchRecord(url=url, role="page", kind="page", depth=1, result=_fetched(url),
                                        links=links, template=TEMPLATE)])
    writer.write_batch([FetchRecord(url=f, role="resource", kind="attachment", depth=2,
                                    result=_fetched(f, 404 if i == 11 else 200, "timeout" if i == 7 else None))
                        for i, f in reversed(list(enumerate(FILES)))])
    return run_id


def test_attachments_with_their_links_as_read_whole(any_store: Store) -> None:
    run_id = _stored(any_store, range(9))
    _stored(any_store, range(4, 12))  # another run linking the same files
    stored = StoreRunData(any_store, run_id)
    streamed = list(stored.attachment_links())
    whole = list(RunData.attachment_links(stored))  # attachments() and links_to(), held whole
    assert [(url, dict(row)) for url, row, _ in streamed] == [(url, dict(row)) for url, row, _ in whole]
    assert [url for url, _, _ in streamed] == [f for i, f in reversed(list(enumerate(FILES))) if i not in (7, 11)]
    assert [links for _, _, links in streamed] == [links for _, _, links in whole]
    by_url = {url: links for url, _, links in streamed}
    assert by_url[FILES[12]] == sorted(by_url[FILES[12]]) == [(f"{SITE}p2.html", "附件12-2"), (f"{SITE}p7.html", "附件12-7")]
    # the template's link once per page holding it, beside the pages' own links to the file
    assert by_url[IN_TEMPLATE] == sorted([(f"{SITE}p3.html", "")] + [
        (f"{SITE}p{page}.html", "办事指南下载") for page in range(9)])
