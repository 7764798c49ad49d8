"""Attachment URLs of download endpoints (construction variation, ``Variants.downloads``).

Real CMSs often serve attachments from a script instead of a file URL:

- ``downfile``: ``downfile.jsp?filename=<percent-encoded Chinese name with extension>``;
- ``download-utf8``: ``download.do?id=<id>``, the name in ``Content-Disposition: attachment;
  filename*=UTF-8''<percent-encoded>``;
- ``download-gbk``: ``download.do?id=<id>``, the name as raw GBK bytes in ``filename="…"``;
- ``bare``: ``attach/<docid>/<n>``, no extension and no name anywhere (only the bytes say it).

The script endpoints answer ``application/octet-stream``; a bare URL answers the file's own type
(nothing else could tell a CSV from other text). The name is ``附件<n>_<docid>.<ext>``; the id is
``<docid><n:02d>``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote

DOWNFILE = "downfile.jsp"
DOWNLOAD = "download.do"
_BARE = re.compile(r"attach/(?P<docid>\d+)/(?P<n>\d+)")
_NAME = re.compile(r"附件(?P<n>\d+)_(?P<docid>\d+)\.(?P<ext>[a-z]+)")


def file_name(docid: int, n: int, ext: str) -> str:
    """The attachment's file name as the endpoint gives it."""
    return f"附件{n}_{docid}.{ext}"


def download_path(mode: str, docid: int, n: int, ext: str) -> str:
    """Site-relative URL (path and query) of attachment ``n`` of document ``docid``."""
    if mode == "downfile":
        return f"{DOWNFILE}?filename={quote(file_name(docid, n, ext))}"
    if mode in ("download-utf8", "download-gbk"):
        return f"{DOWNLOAD}?id={docid}{n:02d}"
    if mode == "bare":
        return f"attach/{docid}/{n}"
    raise ValueError(f"unknown download mode {mode!r}")


def parse_download(mode: str, path: str, query: str) -> tuple[int, int, str | None] | None:
    """(docid, n, extension or None when the URL does not say it) named by a download URL, or None."""
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if mode == "downfile" and path == DOWNFILE:
        m = _NAME.fullmatch(params.get("filename", ""))
        return (int(m["docid"]), int(m["n"]), m["ext"]) if m else None
    if mode in ("download-utf8", "download-gbk") and path == DOWNLOAD:
        raw = params.get("id", "")
        return (int(raw[:-2]), int(raw[-2:]), None) if raw.isdigit() and len(raw) > 2 else None
    if mode == "bare" and (m := _BARE.fullmatch(path)):
        return int(m["docid"]), int(m["n"]), None
    return None


def disposition(mode: str, docid: int, n: int, ext: str) -> str | None:
    """The Content-Disposition header value of a download (as a latin-1 string for raw GBK), or None."""
    name = file_name(docid, n, ext)
    if mode == "download-utf8":
        return f"attachment; filename*=UTF-8''{quote(name)}"
    if mode == "download-gbk":
        return 'attachment; filename="' + name.encode("gbk").decode("latin-1") + '"'
    return None
