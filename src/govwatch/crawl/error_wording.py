"""Fetch errors, HTTP statuses and raw reasons in Chinese, the words every surface uses.

The crawl stores fetch errors as data: an error class (:data:`govwatch.crawl.coverage.ERROR_NAMES`,
``connect``, ``timeout`` …) and the raw detail libcurl or the socket gave (``Connection refused``).
Checks and the crawl coverage write their messages and reasons in Chinese with these functions,
so the web, alerts, the JSON and the documents all read the same words; the report layer
(:mod:`govwatch.report.view`) uses them too, and its ``plain_text`` still translates the English
of runs stored before the messages were written in Chinese.

The words are in ``govwatch/data/error_labels.yaml`` (its header names the sources).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from govwatch.crawl.coverage import ERROR_NAMES

SOFT_404_PREFIX = "soft 404"  # the reason of runs stored before the Chinese wording (still read)
_RAW_REASON = re.compile(r"(?P<error>[a-z_]+)(?::(?!//)\s*(?P<detail>.*))?", re.DOTALL)  # not a URL


@cache
def labels() -> dict[str, Any]:
    """``govwatch/data/error_labels.yaml`` (its detail patterns compiled), read once."""
    text = resources.files("govwatch.data").joinpath("error_labels.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    data["details"] = [(re.compile(d["pattern"], re.IGNORECASE), d["text"]) for d in data["details"]]
    return data


@lru_cache(maxsize=4096)
def error_text(error: str | None, detail: str | None = None) -> str:
    """A fetch error in Chinese: the name of its error class (:data:`ERROR_NAMES`, else 其他错误),
    made precise by the cause its raw detail names — 无法建立连接（连接被拒绝）, 访问超时（15秒）,
    HTTP协议错误（服务器返回空响应）. Kept per (error, detail): a run's link targets repeat a few
    (every external link of an offline crawl has the same one; each was tested against every
    pattern, twice per target, 0.5 s of a 20,000-page run's report)."""
    name = ERROR_NAMES.get(error or "other") or ERROR_NAMES["other"]
    for pattern, text in labels()["details"]:
        found = pattern.search(detail or "")
        if found:
            ms = found.groupdict().get("ms")
            precise = str(text).format(seconds=round(int(ms) / 1000) if ms else "")
            base = name.split("（")[0]
            return precise if precise.startswith(base) else f"{base}（{precise}）"
    return name


def status_text(status: int | None) -> str:
    """An HTTP status with its meaning: ``HTTP 404（页面不存在）``."""
    meaning = labels()["statuses"].get(status)
    return f"HTTP {status}" + (f"（{meaning}）" if meaning else "")


def fetch_failure_text(status: int | None, error: str | None, detail: str | None = None) -> str:
    """Why a fetch failed: its error in Chinese (:func:`error_text`), else its HTTP status (:func:`status_text`)."""
    if error:
        return error_text(error, detail)
    return status_text(status) if status is not None else "无响应"


def soft_404_text() -> str:
    """软404（页面返回200但内容为“页面不存在”）."""
    return str(labels()["soft_404"])


def code_text(code: str) -> str:
    """A code a lower layer stores (``display_none``, ``injected_script``) in Chinese; unknown codes stay."""
    codes: dict[str, str] = labels()["codes"]
    return codes.get(code, code)


def raw_reason_text(text: str) -> str | None:
    """A whole raw reason (``reset: Recv failure…``, ``soft 404: …``, a check's code) in Chinese;
    ``None`` when ``text`` is not one (``HTTP 404`` stays as it is: a reader knows it)."""
    text = text.strip()
    if text.startswith(SOFT_404_PREFIX):
        return soft_404_text()
    codes: dict[str, str] = labels()["codes"]
    if text in codes:
        return codes[text]
    raw = _RAW_REASON.fullmatch(text)
    if raw and raw["error"] in ERROR_NAMES:
        return error_text(raw["error"], raw["detail"])
    return None


def bracketed(text: str) -> str:
    """``text`` in （…） for a message, its own brackets flattened: ``（HTTP 404，页面不存在）``."""
    return "（" + text.replace("（", "，").replace("）", "") + "）"


def reason_text(text: str | None) -> str:
    """A stored reason as a message shows it: a raw one (``connect: Connection refused``) in Chinese
    (:func:`raw_reason_text`), any other text as it is."""
    text = (text or "").strip()
    return raw_reason_text(text) or text
