"""URL layout of the three CMS families (docs/sim-families.md).

Paths here are *site-relative*: no leading slash, relative to the site root
(``/`` for a host site, ``/sites/<id>/`` for a prefix site). Each layout turns
(column, index) into a path and parses a path back; a parsed path is accepted
only if regenerating it gives the same string, so wrong dates or ids are 404s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from govwatch.sim.column_pages import Column
from govwatch.sim.downloads import download_path

GHOST_DOCID = 99_000_000  # planted fault targets use ids no real column has


@dataclass(frozen=True, slots=True)
class Ref:
    """What a site-relative path names.

    kind: home | list | item | attachment | image | static | dataproxy | endpoint | robots.
    ``col`` is the column number; ``index`` the item index or list page number
    (0-based); ``n`` and ``ext`` name an attachment or image of an item.
    """

    kind: str
    col: int = 0
    index: int = 0
    n: int = 0
    ext: str = ""
    name: str = ""


class Layout:
    """Base: shared static resources and the column lookup."""

    family = ""
    home_alias = "index.html"
    image_ext = "png"
    statics: tuple[str, ...] = ("css/style.css", "images/logo.png")
    _patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def __init__(self, columns: list[Column], downloads: str | None = None) -> None:
        self.columns = columns
        self.downloads = downloads  # construction variation: attachments from a download endpoint
        self._by_no = {c.no: c for c in columns}

    # -- building ------------------------------------------------------------
    def list_path(self, col: Column, k: int) -> str:
        raise NotImplementedError

    def endpoint_path(self, col: Column) -> str:
        """Path of the JSON endpoint that fills a script-filled column's list."""
        raise NotImplementedError

    def doc_path(self, col_slug: str, col_id: int, docid: int, day: date) -> str:
        raise NotImplementedError

    def file_path(self, col_slug: str, col_id: int, docid: int, day: date, n: int, ext: str) -> str:
        raise NotImplementedError

    def item_path(self, col: Column, index: int, when: datetime | None = None) -> str:
        """Path of item ``index`` of ``col`` (``when``: its time, if already known)."""
        day = (when or col.item_when(index)).date()
        return self.doc_path(col.path, col.jcms_id, col.docid(index), day)

    def attachment_path(self, col: Column, index: int, n: int, ext: str) -> str:
        """Path of attachment ``n`` (1-based) of an item (with a download endpoint: its URL and query)."""
        if self.downloads is not None:
            return download_path(self.downloads, col.docid(index), n, ext)
        return self.file_path(col.path, col.jcms_id, col.docid(index), col.item_when(index).date(), n, ext)

    def image_path(self, col: Column, index: int, n: int) -> str:
        """Path of image ``n`` (1-based) of an item."""
        return self.file_path(col.path, col.jcms_id, col.docid(index), col.item_when(index).date(), n,
                              self.image_ext)

    def ghost(self, what: str, n: int, day: date, ext: str = "pdf") -> str:
        """A plausible path that no real item has (for planted faults and decoys)."""
        docid = GHOST_DOCID + n
        if what == "page":
            return self.doc_path("zt", 999, docid, day)
        return self.file_path("zt", 999, docid, day, 1, self.image_ext if what == "image" else ext)

    # -- parsing -------------------------------------------------------------
    def parse(self, path: str) -> Ref | None:
        """The :class:`Ref` named by a site-relative path, or ``None``."""
        if path in ("", self.home_alias):
            return Ref("home")
        if path == "robots.txt":
            return Ref("robots")
        if path in self.statics:
            return Ref("static", name=path)
        for kind, pattern in self._patterns:
            m = pattern.fullmatch(path)
            if m:
                ref = self._ref(kind, m.groupdict())
                return ref if ref is not None and self._rebuild(ref) == path else None
        return None

    def _column(self, key: str) -> Column | None:
        for col in self.columns:
            if key in (col.path, str(col.jcms_id)):
                return col
        return None

    def _ref(self, kind: str, g: dict[str, str]) -> Ref | None:
        if kind == "list":
            col = self._column(g["col"])
            k = int(g.get("k") or 0) - (1 if self.family == "legacy" else 0)
            return Ref("list", col.no, k) if col and 0 <= k < col.list_pages else None
        if kind == "endpoint":
            col = self._column(g["col"])
            return Ref("endpoint", col.no) if col and col.js else None
        docid = int(g["docid"])
        col = self._by_no.get(docid // 1_000_000)
        if col is None:
            return None
        index = col.index_of(docid)
        if index is None:
            return None
        if kind == "item":
            return Ref("item", col.no, index)
        n, ext = int(g["n"]), g["ext"]
        return Ref("image" if ext == self.image_ext else "attachment", col.no, index, n, ext)

    def _rebuild(self, ref: Ref) -> str:
        col = self._by_no[ref.col]
        if ref.kind == "list":
            return self.list_path(col, ref.index)
        if ref.kind == "endpoint":
            return self.endpoint_path(col)
        if ref.kind == "item":
            return self.item_path(col, ref.index)
        if ref.kind == "image":
            return self.image_path(col, ref.index, ref.n)
        return self.attachment_path(col, ref.index, ref.n, ref.ext)


class TrsLayout(Layout):
    """TRS WCM: ``/<col>/index_<k>.html`` and ``/<col>/YYYYMM/tYYYYMMDD_<id>.html``.

    A sub-column's folder sits inside its parent's: ``/<parent>/<col>/``. The JSON
    endpoint of a script-filled column is ``/<col>/list.json``.
    """

    family = "trs"
    _patterns = (
        ("list", re.compile(r"(?P<col>[a-z]+(?:/[a-z]+)?)/index(?:_(?P<k>[1-9]\d*))?\.html")),
        ("endpoint", re.compile(r"(?P<col>[a-z]+(?:/[a-z]+)?)/list\.json")),
        ("item", re.compile(r"(?P<col>[a-z]+(?:/[a-z]+)?)/\d{6}/t\d{8}_(?P<docid>\d+)\.html")),
        ("file", re.compile(r"(?P<col>[a-z]+(?:/[a-z]+)?)/\d{6}/[PW]0\d{8}_(?P<docid>\d+)_(?P<n>\d+)"
                            r"\.(?P<ext>[a-z]+)")),
    )

    def list_path(self, col: Column, k: int) -> str:
        return f"{col.path}/index.html" if k == 0 else f"{col.path}/index_{k}.html"

    def endpoint_path(self, col: Column) -> str:
        return f"{col.path}/list.json"

    def doc_path(self, col_slug: str, col_id: int, docid: int, day: date) -> str:
        ym = f"{day.year:04d}{day.month:02d}"
        return f"{col_slug}/{ym}/t{ym}{day.day:02d}_{docid}.html"

    def file_path(self, col_slug: str, col_id: int, docid: int, day: date, n: int, ext: str) -> str:
        letter = "W" if ext == self.image_ext else "P"
        return f"{col_slug}/{day:%Y%m}/{letter}0{day:%Y%m%d}_{docid}_{n}.{ext}"


class JcmsLayout(Layout):
    """Hanweb JCMS: ``/col/col<ID>/index.html``, ``/art/Y/M/D/art_<col>_<id>.html``, dataproxy.

    The JSON endpoint of a script-filled column is ``/col/col<ID>/list.json``.
    """

    family = "jcms"
    dataproxy = "module/web/jpage/dataproxy.jsp"
    statics = ("css/style.css", "images/logo.png", "module/web/jpage/jpage.js")
    _patterns = (
        ("list", re.compile(r"col/col(?P<col>\d+)/index\.html")),
        ("endpoint", re.compile(r"col/col(?P<col>\d+)/list\.json")),
        ("item", re.compile(r"art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_(?P<docid>\d+)\.html")),
        ("file", re.compile(r"(?:attach|picture)/0/\d{8}_\d+_(?P<docid>\d+)_(?P<n>\d+)\.(?P<ext>[a-z]+)")),
    )

    def parse(self, path: str) -> Ref | None:
        if path == self.dataproxy:
            return Ref("dataproxy")
        return super().parse(path)

    def list_path(self, col: Column, k: int) -> str:
        return f"col/col{col.jcms_id}/index.html"

    def endpoint_path(self, col: Column) -> str:
        return f"col/col{col.jcms_id}/list.json"

    def doc_path(self, col_slug: str, col_id: int, docid: int, day: date) -> str:
        return f"art/{day.year}/{day.month}/{day.day}/art_{col_id}_{docid}.html"

    def file_path(self, col_slug: str, col_id: int, docid: int, day: date, n: int, ext: str) -> str:
        folder = "picture" if ext == self.image_ext else "attach"
        return f"{folder}/0/{day:%Y%m%d}_{col_id}_{docid}_{n}.{ext}"


class LegacyLayout(Layout):
    """Old ASP-era site: ``/news/<col>/list_<k>.htm`` and ``/news/<col>/YYYY/MMDD/<id>.htm``.

    A sub-column's folder sits inside its parent's. The JSON endpoint of a
    script-filled column is ``/news/<col>/data.json``.
    """

    family = "legacy"
    home_alias = "index.htm"
    image_ext = "gif"
    statics = ("css/style.css", "images/logo.gif")
    _patterns = (
        ("list", re.compile(r"news/(?P<col>[a-z]+(?:/[a-z]+)?)/list_(?P<k>[1-9]\d*)\.htm")),
        ("endpoint", re.compile(r"news/(?P<col>[a-z]+(?:/[a-z]+)?)/data\.json")),
        ("item", re.compile(r"news/(?P<col>[a-z]+(?:/[a-z]+)?)/\d{4}/\d{4}/(?P<docid>\d+)\.htm")),
        ("file", re.compile(r"uploadfile/\d{4}/\d{4}/(?P<docid>\d+)_(?P<n>\d+)\.(?P<ext>[a-z]+)")),
    )

    def list_path(self, col: Column, k: int) -> str:
        return f"news/{col.path}/list_{k + 1}.htm"

    def endpoint_path(self, col: Column) -> str:
        return f"news/{col.path}/data.json"

    def doc_path(self, col_slug: str, col_id: int, docid: int, day: date) -> str:
        return f"news/{col_slug}/{day.year:04d}/{day.month:02d}{day.day:02d}/{docid}.htm"

    def file_path(self, col_slug: str, col_id: int, docid: int, day: date, n: int, ext: str) -> str:
        return f"uploadfile/{day:%Y}/{day:%m%d}/{docid}_{n}.{ext}"


LAYOUTS: dict[str, type[Layout]] = {"trs": TrsLayout, "jcms": JcmsLayout, "legacy": LegacyLayout}
