"""Words the dashboard shows for stored codes that the report's view model does not label.

The report's labels (verdicts, indicators, column types) come from :mod:`govwatch.report.view`;
this module holds only what is the dashboard's own: how a run was started.
"""

from __future__ import annotations

__all__ = ["RUN_KIND_LABELS"]

# inspect and scan read the whole site; patrol reads only the columns due
RUN_KIND_LABELS = {"inspect": "命令行检查", "manual": "手动检查", "scan": "定期检查", "patrol": "巡查", "recheck": "复查"}
