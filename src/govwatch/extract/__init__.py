"""Page extraction: what a fetched page says (links, lists and dates, pagination, meta, footer).

Public API::

    from govwatch.extract import extract_page, decode_html, facts_to_json
    text, encoding, warnings = decode_html(body, content_type)
    facts = extract_page(body, url, content_type=..., site_root=...)   # never raises
    data = facts_to_json(facts)                                        # the Extract JSON

Date helpers live in :mod:`govwatch.extract.dates` (``parse_date``, ``find_date``,
``find_dates``, ``url_date_parts``, ``infer_year``, ``epoch_date``).

Modules: ``decode`` (charsets), ``walk`` (the one pass over the parsed tree), ``resolve``
(memoised URL normalisation), ``links``, ``meta``, ``rows`` + ``lists`` (static list
blocks, year inference), ``records`` (JCMS XML data islands and dataproxy responses),
``jsonlist`` (JSON/JSONP endpoint responses), ``structure`` (navigation, breadcrumb),
``scripts`` (script endpoints, JavaScript-filled lists), ``pagination``, ``footer``,
``article`` (title, visible publish date, soft 404, page type), ``security_signs`` (hidden
off-host links and embeds: 暗链, 挂马) with ``visibility`` (why an element is not seen),
``css`` (style sheets, selectors, values) and ``js_literals`` (markup scripts write),
``page`` (``extract_page``) and ``jsonout`` (``facts_to_json``).
"""

from govwatch.extract.dates import DateMatch, find_date, find_dates, parse_date, url_date_parts
from govwatch.extract.decode import decode_html
from govwatch.extract.jsonout import facts_to_json
from govwatch.extract.page import DEFAULT_MAX_BYTES, extract_page

__all__ = [
    "extract_page", "decode_html", "facts_to_json", "parse_date", "find_date", "find_dates",
    "DateMatch", "url_date_parts", "DEFAULT_MAX_BYTES",
]
