"""Columns (栏目): discovery, classification and freshness figures from stored page facts."""

from govwatch.analysis.columns.analyze import ColumnResult, DatedItem, analyze_columns, columns_of
from govwatch.analysis.columns.homepage import HomepageUpdates, homepage_updates, homepage_updates_of

__all__ = ["ColumnResult", "DatedItem", "HomepageUpdates", "analyze_columns", "columns_of", "homepage_updates",
           "homepage_updates_of"]
