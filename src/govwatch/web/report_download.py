"""Report downloads of a stored run, shared by the site page (``/sites/{id}/runs/{run}/report.{fmt}``)
and the API (``/api/v1/sites/{id}/runs/{run}/report.{fmt}``): the run's inspection document
(:func:`govwatch.web.documents.report_document`) written on request by the report writers.

Callers check the site's scope first (``govwatch.web.scope``); :func:`require_site_run` then makes a
run of another site 404, like one that does not exist.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Response

from govwatch.core.settings import Settings
from govwatch.report.outputs import write_reports
from govwatch.report.report_error import ReportError
from govwatch.store import site_page_rows
from govwatch.store.db import Store
from govwatch.web.documents import report_document
from govwatch.web.scope import NOT_FOUND

__all__ = ["REPORT_TYPES", "require_site_run", "report_response"]

REPORT_TYPES = {
    "html": ("text/html; charset=utf-8", "检查报告.html"),
    "json": ("application/json", "inspection.json"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "检查报告.docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "自查表.xlsx"),
    "pdf": ("application/pdf", "检查报告.pdf"),
}


def require_site_run(store: Store, site_id: int, run_id: int) -> None:
    """404 unless ``run_id`` is a run of the site (the site's scope is checked by the caller)."""
    if site_page_rows.run_site(store, run_id) != site_id:
        raise HTTPException(404, NOT_FOUND)


def report_response(store: Store, settings: Settings, site_id: int, run_id: int, fmt: str) -> Response:
    """The report of the site's stored run ``run_id`` in ``fmt`` as an attachment: 404 for another
    site's run or an unknown format, 503 when the format cannot be written here (no browser for PDF)."""
    require_site_run(store, site_id, run_id)
    if fmt not in REPORT_TYPES:
        raise HTTPException(404, NOT_FOUND)
    document = report_document(store, run_id)
    media_type, filename = REPORT_TYPES[fmt]
    with tempfile.TemporaryDirectory(prefix="govwatch-report-") as folder:
        try:
            (path,) = write_reports(document, Path(folder), [fmt], browser=settings.render.executable)
        except ReportError as exc:
            raise HTTPException(503, f"无法生成该格式的报告：{exc}") from None
        body = path.read_bytes()
    disposition = (f"attachment; filename=\"govwatch-run-{run_id}.{fmt}\"; "
                   f"filename*=UTF-8''{quote(f'{run_id}-{filename}')}")
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
