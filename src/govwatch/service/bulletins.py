"""The service's periodic bulletin (通报): the newest complete full run of every watched site, scored
and written with the same writer as ``govwatch bulletin`` into ``schedule.bulletin_dir/<period>/``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from govwatch.report.bulletin import write_bulletin
from govwatch.report.inspection import scored_document
from govwatch.report.office_pdf import soffice_path
from govwatch.scoring.runs import score_stored_run
from govwatch.store.db import Store
from govwatch.store.run_listing import newest_full_runs

__all__ = ["BULLETIN_TITLE", "RECTIFY_DAYS", "period_label", "write_period_bulletin"]

BULLETIN_TITLE = "关于政府网站检查情况的通报"
RECTIFY_DAYS = 30  # the bulletin's rectification deadline: this many days after it is written
QUARTERS = "一二三四"

log = logging.getLogger(__name__)


def period_label(moment: datetime) -> str:
    """The quarter before the one containing ``moment``, e.g. ``2026年第三季度`` (a bulletin written at
    the start of a quarter reports on the quarter that ended)."""
    year, quarter = moment.year, (moment.month - 1) // 3
    if quarter == 0:
        year, quarter = year - 1, 4
    return f"{year}年第{QUARTERS[quarter - 1]}季度"


def write_period_bulletin(store: Store, site_ids: list[int], out_dir: str, moment: datetime) -> list[Path]:
    """Write the bulletin of the sites' newest complete full runs; returns the files (none without runs)."""
    newest = newest_full_runs(store)
    run_ids = [newest[s] for s in site_ids if s in newest]
    if not run_ids:
        return []
    documents = [scored_document(store, score_stored_run(store, run_id)) for run_id in run_ids]
    period = period_label(moment)
    pdf = soffice_path() is not None
    if not pdf:
        log.warning("LibreOffice (soffice) not found: the bulletin of %s is written as .docx and .xlsx only", period)
    return write_bulletin(documents, Path(out_dir) / period, title=BULLETIN_TITLE, period=period,
                          deadline=moment.date() + timedelta(days=RECTIFY_DAYS), issuer="政府网站主管单位", pdf=pdf)
