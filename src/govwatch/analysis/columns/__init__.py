"""Columns (栏目): discovery, classification and freshness figures from stored page facts."""

from govwatch.analysis.columns.analyze import ColumnResult, DatedItem, analyze_columns
from govwatch.analysis.columns.homepage import HomepageUpdates, homepage_updates

__all__ = ["ColumnResult", "DatedItem", "HomepageUpdates", "analyze_columns", "homepage_updates"]
