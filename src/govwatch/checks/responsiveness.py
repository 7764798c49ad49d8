"""Interaction indicators (docs/sources.md §6 and seed 002 附件1–2): consultation channels, messages,
surveys and interviews.

Messages are read from the stored detail pages of the site's consult columns
(:mod:`govwatch.analysis.interaction.collect`). Reply delays are counted in Chinese working days
(:mod:`govwatch.core.workdays`); reply limits per message category, the look-back period and the
activity minimums come from the rule table's ``interaction`` section. A table without a
parameter leaves the finding kinds that need it not assessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from govwatch.analysis.columns import columns_of
from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.collect import (
    SeenMessage,
    column_items,
    consult_columns,
    html_of,
    message_statistics,
    messages,
)
from govwatch.analysis.interaction.message_fields import page_links, read_fields
from govwatch.analysis.interaction.messages import CATEGORY_LABELS
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.core.workdays import calendar
from govwatch.extract.dates import find_date
from govwatch.rules import Window
from govwatch.rundata import RunData


def _window(data: RunData, key: str) -> Window:
    window = data.rules.interaction_window(key)
    if window is None:
        raise NotAssessed(f"评分规则表未设定 interaction.{key}")
    return window


def _reply_limits(data: RunData) -> dict[str, int]:
    limits = data.rules.interaction.get("reply_limits")
    if not limits:
        raise NotAssessed("评分规则表未设定留言答复时限（interaction.reply_limits）")
    return {k: int(v) for k, v in limits.items()}


def _limit(limits: dict[str, int], category: str) -> int | None:
    return limits.get(category, limits.get("other"))


def _judged(data: RunData) -> list[SeenMessage]:
    """Messages asked in the table's look-back period before the inspection time."""
    if not consult_columns(data):
        raise NotAssessed("未发现政务咨询类栏目")
    seen = messages(data)
    if not seen:
        raise NotAssessed("政务咨询类栏目中没有读到留言")
    cutoff = _window(data, "lookback").cutoff(data.as_of)
    return [m for m in seen if m.asked is not None and cutoff <= m.asked <= data.as_of]


def _base(m: SeenMessage) -> dict[str, Any]:
    msg = m.message
    return {"title": msg.title, "column": m.column, "category": msg.category,
            "message_type": msg.type_text or CATEGORY_LABELS[msg.category], "category_from": msg.category_from,
            "asked": m.asked.isoformat() if m.asked else None, "asked_from": m.asked_from,
            "status": msg.status or None, "answered_from": msg.answered_from()[1], "layout": msg.layout or None}


def _calendar_note(estimated: tuple[int, ...]) -> str:
    return ("法定节假日数据未覆盖" + "、".join(map(str, estimated)) + "年，按周一至周五计算") if estimated else ""


@check("consult_channels", family="interaction", kinds=("no_consult_channel", "consult_inactive",
                                                       "message_stats_unpublished"))
def consult_channels(data: RunData) -> Iterator[Finding]:
    """An online consultation channel exists, had messages lately and publishes statistics."""
    if data.homepage() is None:
        raise NotAssessed("首页未能抓取")
    window = _window(data, "consult_active_within")
    columns = consult_columns(data)
    vocab = words()
    if not columns:
        home_html = html_of(data, data.site_url) or ""
        entries = [(t, u) for t, u in page_links(home_html, data.site_url, content_only=False)
                   if any(w in t for w in vocab["consult_channel_words"])
                   and not any(w in t for w in vocab["not_consult_words"])]
        if not entries:
            yield Finding(kind="no_consult_channel", code="interaction.no_consult_channel", indicator="政务咨询类栏目",
                          url=data.site_url, message="未发现有效的网上咨询渠道（领导信箱、咨询投诉等；网上信访、纪检举报不计）",
                          evidence={"columns": [c.name for c in columns_of(data) if c.type == "consult"]})
        return
    seen = messages(data)
    cutoff = window.cutoff(data.as_of)
    for col in columns:
        dates = [m.asked for m in seen if m.column_url == col.url and m.asked is not None and m.asked <= data.as_of]
        newest = max(dates, default=None) or col.last_update
        if newest is None or newest < cutoff:
            yield Finding(kind="consult_inactive", code="interaction.consult_inactive", indicator="政务咨询类栏目",
                          url=col.url, message=(f"政务咨询类栏目「{col.name}」{window.label()}内没有留言"
                                                f"（最近一条{'：' + newest.isoformat() if newest else '：无'}）"),
                          evidence={"column": col.name, "last_message": newest.isoformat() if newest else None,
                                    "window": window.label(), "cutoff": cutoff.isoformat()})
    published = message_statistics(data)
    if not published.shown:
        yield Finding(kind="message_stats_unpublished", code="interaction.stats_unpublished", indicator="留言公开",
                      url=columns[0].url, message="未公开网民留言受理反馈情况统计数据",
                      evidence={"columns": [c.name for c in columns], "pages_checked": published.pages_checked})


@check("messages_unanswered", family="interaction", kinds=("message_unanswered",))
def messages_unanswered(data: RunData) -> Iterator[Finding]:
    """Messages without a reply: days since asked (the 3-month veto) and working days (the limit)."""
    cal = calendar()
    limits = data.rules.interaction.get("reply_limits") or {}
    for m in _judged(data):
        msg = m.message
        if msg.answered or m.asked is None:
            continue
        count = cal.between(m.asked, data.as_of)
        limit = _limit(limits, msg.category) if limits else None
        if limit is not None and count.days <= limit:
            continue  # not yet due
        days = (data.as_of - m.asked).days
        evidence = {**_base(m), "days_unanswered": days, "working_days_unanswered": count.days,
                    "replied_after_as_of": msg.later_reply.isoformat() if msg.later_reply else None,
                    "limit_days": limit, "calendar_estimated": count.estimated,
                    "calendar_note": _calendar_note(count.estimated_years)}
        yield Finding(kind="message_unanswered", code="interaction.unanswered", indicator="互动回应差",
                      url=msg.url, source=m.source,
                      message=(f"留言「{msg.title}」{m.asked.isoformat()}提交，至监测时间点{days}天"
                               f"（{count.days}个工作日）未答复"), evidence=evidence)


@check("messages_late", family="interaction", kinds=("message_late_reply",))
def messages_late(data: RunData) -> Iterator[Finding]:
    """Replies later than the table's limit for the message's category, in working days."""
    cal = calendar()
    limits = _reply_limits(data)
    for m in _judged(data):
        msg = m.message
        if not msg.answered or m.asked is None or msg.replied is None:
            continue
        limit = _limit(limits, msg.category)
        if limit is None:
            continue
        count = cal.between(m.asked, msg.replied)
        if count.days <= limit:
            continue
        deadline = cal.deadline(m.asked, limit)
        evidence = {**_base(m), "replied": msg.replied.isoformat(), "reply_unit": msg.unit or None,
                    "limit_days": limit, "working_days_taken": count.days,
                    "calendar_days": (msg.replied - m.asked).days, "deadline": deadline.isoformat(),
                    "holidays": cal.holidays_between(m.asked, msg.replied),
                    "makeup_days": [d.isoformat() for d in cal.makeup_days_between(m.asked, msg.replied)],
                    "calendar_estimated": count.estimated, "calendar_note": _calendar_note(count.estimated_years)}
        label = evidence["message_type"]
        yield Finding(kind="message_late_reply", code=f"interaction.late_reply.{msg.category}", indicator="办理答复",
                      url=msg.url, source=m.source,
                      message=(f"{label}类留言「{msg.title}」{m.asked.isoformat()}提交，{msg.replied.isoformat()}答复，"
                               f"用时{count.days}个工作日，超过{limit}个工作日的时限"), evidence=evidence)


@check("message_fields", family="interaction", kinds=("message_fields_unpublished",))
def message_fields(data: RunData) -> Iterator[Finding]:
    """Messages that do not show 留言时间, or (once answered) 答复时间、答复单位、答复内容."""
    judged = {id(m) for m in _judged(data)}
    for m in messages(data):
        if not m.detail or (id(m) not in judged and m.asked is not None):
            continue  # list-only messages show no fields; messages before the look-back are not judged
        missing = m.message.unpublished()
        if missing:
            yield Finding(kind="message_fields_unpublished", code="interaction.fields_unpublished", indicator="留言公开",
                          url=m.message.url, source=m.source,
                          message=f"留言「{m.message.title}」未公开{'、'.join(missing)}",
                          evidence={**_base(m), "missing": missing, "missing_count": len(missing),
                                    "answered": m.message.answered})


# -- surveys and interviews ------------------------------------------------------------------

_ACTIVITY = {"survey": ("survey_inactive", "调查征集", "调查征集类栏目"),
             "interview": ("interview_inactive", "在线访谈", "互动访谈类栏目")}


@check("activities", family="interaction", kinds=("survey_inactive", "interview_inactive"))
def activities(data: RunData) -> Iterator[Finding]:
    """Surveys (调查征集) and interviews (在线访谈) held in the year before the inspection time,
    against the table's minimum per year. The check does not know the site's role, so it reports
    counts below the largest minimum; the table's rules decide by ``site.role``."""
    if data.homepage() is None:
        raise NotAssessed("首页未能抓取")
    minimums = data.rules.interaction.get("activities_per_year")
    if not minimums:
        raise NotAssessed("评分规则表未设定 interaction.activities_per_year")
    window = _window(data, "lookback")
    cutoff = window.cutoff(data.as_of)
    for ctype, (kind, label, indicator) in _ACTIVITY.items():
        columns = [c for c in columns_of(data) if c.type == ctype]
        held = 0
        for col in columns:
            held += sum(1 for it in column_items(data, col) if it.date and cutoff <= it.date <= data.as_of)
        threshold = max(int(v) for v in minimums.values())
        if held >= threshold:
            continue
        where = columns[0].url if columns else data.site_url
        why = (f"{window.label()}内开展{label}{held}次" if columns else f"未开设{label}类栏目")
        yield Finding(kind=kind, code=f"interaction.{ctype}_inactive", indicator=indicator, url=where,
                      message=f"{why}（门户网站不少于{minimums.get('portal', threshold)}次，"
                              f"其他网站不少于{minimums.get('department', threshold)}次）",
                      evidence={"activities_in_year": held, "minimums": dict(minimums),
                                "columns": [c.name for c in columns], "cutoff": cutoff.isoformat()})


def _survey_period(fields: Any) -> tuple[date | None, date | None, date | None, bool]:
    """(start, end, result date, result shown) of a survey page's fields."""
    vocab = words()
    start = end = result_date = None
    result = False
    for f in fields.items:
        key = match_label(f.label, vocab["survey_period_labels"])
        dates = [d for d in (find_date(part, partial=False)[0] for part in _split_range(f.value)) if d]
        if key == "start" and dates and start is None:
            start = dates[0]
            if len(dates) > 1 and end is None:
                end = dates[-1]
        elif key == "end" and dates and end is None:
            end = dates[-1]
        elif match_label(f.label, {"r": vocab["survey_result_labels"]}) and f.value.strip():
            result = True
            if result_date is None and dates:
                result_date = dates[0]
        elif match_label(f.label, {"d": vocab["survey_result_date_labels"]}) and dates:
            result_date = dates[0]
    return start, end, result_date, result


def _split_range(value: str) -> list[str]:
    for sep in ("至", "—", "~", "～", "到"):
        if sep in value:
            return value.split(sep)
    return [value]


@check("survey_results", family="interaction", kinds=("survey_result_unpublished",))
def survey_results(data: RunData) -> Iterator[Finding]:
    """Surveys that ended in the look-back period should publish results within the table's period."""
    within = _window(data, "results_within")
    cutoff = _window(data, "lookback").cutoff(data.as_of)
    columns = [c for c in columns_of(data) if c.type == "survey"]
    if not columns:
        raise NotAssessed("未发现调查征集类栏目")
    items = [(col, it) for col in columns for it in column_items(data, col)
             if it.url and it.date and cutoff <= it.date <= data.as_of]
    held = len(items)
    for col, it in items:
        html = html_of(data, it.url or "")
        if html is None:
            continue
        start, end, result_date, result = _survey_period(read_fields(html, it.url or ""))
        if end is None or end > data.as_of or (within.expires(end) >= data.as_of and not result):
            continue  # still open, or its results are not yet due
        late = result and result_date is not None and result_date > within.expires(end)
        if result and not late:
            continue
        problem = "late" if late else "missing"
        text = (f"征集于{end.isoformat()}结束，{result_date.isoformat()}才公开反馈结果" if late and result_date
                else f"征集于{end.isoformat()}结束，超过{within.label()}未公开反馈结果")
        yield Finding(kind="survey_result_unpublished", code=f"interaction.survey_result.{problem}",
                      indicator="调查征集", url=it.url or col.url, source=it.source,
                      message=f"调查征集「{it.title}」{text}",
                      evidence={"title": it.title, "column": col.name, "start": start.isoformat() if start else None,
                                "end": end.isoformat(), "result_date": result_date.isoformat() if result_date else None,
                                "problem": problem, "within": within.label(), "activities_in_year": held})


# -- policy interpretation linkage and data release ------------------------------------------

_SOURCE_WORDS = ("原文", "政策文件", "相关文件", "文件链接", "文件原文")


def _doc_name(title: str) -> str | None:
    """The document a title names in 《》, if any."""
    start, end = title.find("《"), title.find("》")
    return title[start + 1:end] if 0 <= start < end else None


@check("interpretation_links", family="interaction", kinds=("interpretation_unlinked",))
def interpretation_links(data: RunData) -> Iterator[Finding]:
    """An interpretation (政策解读) links its policy document, and the document links back."""
    interps = [(c, it) for c in columns_of(data) if c.type == "interpretation" for it in column_items(data, c) if it.url]
    if not interps:
        raise NotAssessed("未发现政策解读类栏目或解读稿")
    policies = {it.url: it for c in columns_of(data) if c.type == "policy" for it in column_items(data, c) if it.url}
    interp_urls = {it.url for _c, it in interps}
    by_name: dict[str, str] = {}
    for url, it in policies.items():
        name = _doc_name(it.title)
        if name:
            by_name.setdefault(name, url)
    interpreted: dict[str, str] = {}  # policy URL -> an interpretation URL naming or linking it
    for col, it in interps:
        html = html_of(data, it.url or "")
        if html is None:
            continue
        links = page_links(html, it.url or "")
        linked = [u for _t, u in links if u in policies] or [u for t, u in links if any(w in t for w in _SOURCE_WORDS)]
        name = _doc_name(it.title)
        named = by_name.get(name) if name else None
        for target in linked[:1] or ([named] if named else []):
            if target in policies:
                interpreted.setdefault(target, it.url or "")
        if not linked:
            yield Finding(kind="interpretation_unlinked", code="interaction.interpretation.no_policy_link",
                          indicator="解读关联", url=it.url or col.url, target=named, source=it.source,
                          message=f"政策解读「{it.title}」未链接被解读的政策文件",
                          evidence={"direction": "interpretation_to_policy", "title": it.title, "column": col.name,
                                    "policy": policies[named].title if named else None})
    for url, interp in interpreted.items():
        html = html_of(data, url)
        if html is None:
            continue
        links = page_links(html, url)
        if any(u in interp_urls for _t, u in links) or any("解读" in t for t, _u in links):
            continue
        it = policies[url]
        yield Finding(kind="interpretation_unlinked", code="interaction.interpretation.no_interpretation_link",
                      indicator="解读关联", url=url, target=interp, source=it.source,
                      message=f"政策文件「{it.title}」未链接其解读稿",
                      evidence={"direction": "policy_to_interpretation", "title": it.title, "interpretation": interp})


_DATASET_EXTENSIONS = ("xls", "xlsx", "csv", "json", "xml", "zip", "rar", "et", "ods")
MAX_DATA_PAGES = 20  # newest item pages of a data column read for dataset downloads


def _is_dataset(text: str, url: str) -> bool:
    path = url.split("?", 1)[0].lower()
    return path.rsplit(".", 1)[-1] in _DATASET_EXTENSIONS or any(w in text for w in ("数据集", "数据下载", "数据接口"))


@check("data_release", family="interaction", kinds=("data_release_stale", "data_not_downloadable"))
def data_release(data: RunData) -> Iterator[Finding]:
    """数据发布 columns: updated within the table's period, with downloadable datasets."""
    window = _window(data, "data_fresh_within")
    columns = [c for c in columns_of(data) if c.type == "data" and not c.blank]
    if not columns:
        raise NotAssessed("未发现数据发布类栏目")
    cutoff = window.cutoff(data.as_of)
    for col in columns:
        last = col.last_update
        if last is None or last < cutoff:
            days = (data.as_of - last).days if last else None
            yield Finding(kind="data_release_stale", code="interaction.data.stale", indicator="数据发布", url=col.url,
                          message=f"数据发布类栏目「{col.name}」{window.label()}内未更新"
                                  f"（最近更新{last.isoformat() if last else '：无'}）",
                          evidence={"column": col.name, "last_update": last.isoformat() if last else None,
                                    "days_since_update": days, "window": window.label()})
        items = [it for it in column_items(data, col) if it.url][:MAX_DATA_PAGES]
        read = 0
        found = False
        for it in items:
            html = html_of(data, it.url or "")
            if html is None:
                continue
            read += 1
            if any(_is_dataset(t, u) for t, u in page_links(html, it.url or "")):
                found = True
                break
        if read and not found:
            yield Finding(kind="data_not_downloadable", code="interaction.data.no_download", indicator="数据发布",
                          url=col.url, message=f"数据发布类栏目「{col.name}」未提供可下载的数据文件或数据接口",
                          evidence={"column": col.name, "pages_read": read})

