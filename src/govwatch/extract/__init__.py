"""Page extraction: what a fetched page says (links, lists and dates, pagination, meta, footer).

Public API::

    from govwatch.extract import extract_page, decode_html, facts_to_json
    text, encoding, warnings = decode_html(body, content_type)
    facts = extract_page(body, url, content_type=..., site_root=...)   # never raises

Date helpers live in :mod:`govwatch.extract.dates` (``parse_date``, ``find_date``, ...).
"""

from .dates import DateMatch, find_date, find_dates, parse_date, url_date_parts
from .decode import decode_html
from .jsonout import facts_to_json
from .page import DEFAULT_MAX_BYTES, extract_page

__all__ = [
    "extract_page", "decode_html", "facts_to_json", "parse_date", "find_date", "find_dates",
    "DateMatch", "url_date_parts", "DEFAULT_MAX_BYTES",
]
