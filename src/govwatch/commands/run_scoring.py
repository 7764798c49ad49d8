"""Scoring commands: ``score``, ``rules``, ``finding``, ``diff``, ``bulletin`` (thin: parse, call
the scoring and report layers, print). They read stored runs only: nothing is fetched."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_report_flags,
    add_store_flags,
    cli_actor,
    cli_settings,
    console,
    open_store,
    plain,
    verdict_text,
    write_json,
    write_report_files,
)

SCORE_EPILOG = """\
The run's checks run again on its stored pages with the chosen rule table (nothing is fetched), then
reviewer findings, exemptions and temporary filings are applied and the run is scored; the score
sheet is stored per (run, table). Without a complete assessment verdict and score are null and the
summary says which indicators are not assessed and the best score still possible.

Only completed runs are scored. A run stopped during its crawl (running, interrupted) or after it
(crawled: its checks did not run) is finished by `govwatch inspect URL --resume`, which the error
message spells out; a crawled run is then checked without fetching anything.
"""


def _rules(name: str | None) -> Any:
    from govwatch.rules import RulesError, load_ruleset
    try:
        return load_ruleset(name)
    except RulesError as exc:
        raise UsageError(str(exc)) from None


def _run_rules(store: Any, run_id: int, name: str | None) -> Any:
    """The table given by --rules, else the one the run was inspected with."""
    if name:
        return _rules(name)
    from govwatch.store.stored_run import stored_ruleset
    stored = _run(store, run_id)["settings"].get("rules")
    return stored_ruleset(stored) if stored else _rules(None)


def _run(store: Any, run_id: int) -> dict[str, Any]:
    from govwatch.store.db import StoreError
    try:
        run = store.run(run_id)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    if run["status"] != "completed":
        raise UsageError(_unfinished(store, run))
    return run


def _unfinished(store: Any, run: dict[str, Any]) -> str:
    """Why a run that is not completed cannot be scored, and the command that finishes it."""
    from govwatch.store.db import RESUMABLE_STATUSES

    run_id, status = run["id"], run["status"]
    site_url = store.site(run["site_id"])["url"]
    if status not in RESUMABLE_STATUSES:
        return f"运行 {run_id} 未完成（状态 {status}），不能评分：请重新检查该网站（govwatch inspect {site_url}）"
    left = "页面已抓取，检查尚未运行" if status == "crawled" else "抓取未完成"
    newest = store.resumable_run(run["site_id"])
    if newest != run_id:
        return (f"运行 {run_id} 未完成（状态 {status}：{left}），而 govwatch inspect --resume 继续的是该网站"
                f"较新的未完成运行 {newest}：请待运行 {newest} 完成后对其评分")
    fetch = "不再抓取任何页面" if status == "crawled" else "已存的页面不再重新抓取"
    return (f"运行 {run_id} 未完成（状态 {status}：{left}）：先用 govwatch inspect {site_url} --resume "
            f"完成该运行（使用相同的 --db 和 --config；{fetch}），再评分")


def _score(store: Any, run_id: int, rules: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score a stored run with ``rules``: its inspection document and score sheet."""
    from govwatch.report.inspection import scored_document
    from govwatch.scoring.runs import score_stored_run

    scored = score_stored_run(store, run_id, rules)
    return scored_document(store, scored), scored.sheet


def _print_verdict(run_id: int, document: dict[str, Any], sheet: dict[str, Any], rules: Any) -> None:
    plain(console, f"运行 {run_id}（{document['site']['name'] or document['site']['url']}）按规则表 {rules.id} 评分："
                   f"{verdict_text(sheet)}")
    for reason in sheet["reasons"]:
        plain(console, f"  {reason}")
    if sheet["not_assessed"]:
        plain(console, f"  未评估：{'、'.join(sheet['not_assessed'])}")


def _rescore(store: Any, run_id: int, rules: Any) -> int:
    """Score the run again after reviewer input and print its verdict."""
    document, sheet = _score(store, run_id, rules)
    _print_verdict(run_id, document, sheet, rules)
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    settings = cli_settings(args)
    store = open_store(settings)
    _run(store, args.run)
    rules = _run_rules(store, args.run, args.rules)
    document, sheet = _score(store, args.run, rules)
    json_written = write_json(document, args.json) if args.json else None
    if args.out:
        write_report_files(document, Path(args.out), args.formats, settings, json_written=json_written)
    _print_verdict(args.run, document, sheet, rules)
    return EXIT_OK


# -- rules ------------------------------------------------------------------------


def cmd_rules_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from govwatch.rules import available_rulesets, load_ruleset
    table = Table(title="规则表", title_justify="left")
    for heading in ("名称", "标题", "否决项", "指标", "来源"):
        table.add_column(heading)
    for name in available_rulesets():
        rules = load_ruleset(name)
        table.add_row(name, rules.name, str(len(rules.data["vetoes"])), str(len(rules.data["indicators"])),
                      rules.source)
    console.print(table)
    return EXIT_OK


def cmd_rules_show(args: argparse.Namespace) -> int:
    from rich.table import Table

    rules = _rules(args.name)
    if args.json:
        write_json(rules.data, args.json)
        return EXIT_OK
    data = rules.data
    scoring = data["scoring"]
    console.print(f"[bold]{rules.name}[/] ({rules.id}) — {rules.source}")
    console.print("  " + "；".join(_scoring_lines(scoring)))
    vetoes = Table(title="单项否决", title_justify="left")
    for heading in ("id", "名称", "条件"):
        vetoes.add_column(heading)
    for v in data["vetoes"]:
        vetoes.add_row(v["id"], v["name"], "\n".join(f"{c['label']}（≥{c.get('min', 1)}处：{_selectors(c['match'])}）"
                                                     for c in v["conditions"]))
    console.print(vetoes)
    indicators = Table(title="指标", title_justify="left")
    for heading in ("id", "分组", "名称", "分值", "规则", "可信度"):
        indicators.add_column(heading)
    for i in data["indicators"]:
        rules_text = "\n".join(_rule_text(r) for r in i.get("rules") or []) or "人工检查"
        kind = {"bonus": "加分 ", "adjustment": "加减分 "}.get(i.get("kind", "deduction"), "")
        cap = "不封顶" if i.get("max") is None else f"{i['max']:g}"
        indicators.add_row(i["id"], i["group"], i["name"], kind + cap, rules_text, i.get("confidence") or "")
    console.print(indicators)
    return EXIT_OK


def _scoring_lines(scoring: dict[str, Any]) -> list[str]:
    lines = [f"满分{scoring['base']:g}"]
    if scoring.get("pass_mark") is not None:
        lines.append(f"扣分项得分低于{scoring['pass_mark']:g}分不合格")
    if scoring.get("fail_when_deductions_over") is not None:
        lines.append(f"累计扣分超过{scoring['fail_when_deductions_over']:g}分不合格")
    if scoring.get("bonus"):
        b = scoring["bonus"]
        lines.append(f"加分项{b['max']:g}分，扣分项得分高于{b['gate']:g}分才计")
    if scoring.get("scaling"):
        lines.append(f"不提供办事服务的网站不评{'、'.join(scoring['scaling']['skip_groups'])}，按比例折算")
    lines.append({"none": "有单项否决即不合格、不计分", "zero": "有单项否决即不合格、得0分",
                  "keep": "有单项否决即不合格"}[scoring.get("veto_score", "none")])
    return lines


def _selectors(match: list[dict[str, Any]]) -> str:
    return " 或 ".join(s["kinds"][0] if len(s["kinds"]) == 1 and not s.get("where") else
                      f"{'/'.join(s['kinds'])}{_where(s.get('where'))}" for s in match)


def _where(where: dict[str, Any] | None) -> str:
    return f"[{', '.join(f'{k}={v}' for k, v in where.items())}]" if where else ""


def _rule_text(rule: dict[str, Any]) -> str:
    per = rule.get("per")
    each = f"每{per['unit']:g} {per['field']}" if per else ("一次" if rule.get("once") else "每处")
    return f"{'/'.join(rule['kinds'])}{_where(rule.get('where'))}：{each}{rule['points']:g}分"


# -- reviewer input -----------------------------------------------------------------


def _review_call(fn: Any, *a: Any, **kw: Any) -> Any:
    from govwatch.scoring.review import ReviewError
    try:
        return fn(*a, **kw)
    except ReviewError as exc:
        raise UsageError(str(exc)) from None


def _fingerprint(store: Any, run_id: int, ident: str) -> str:
    """A finding's fingerprint from its problem ID (LJ-…) or fingerprint, among the run's findings."""
    from govwatch.core.catalogue import problem_id
    from govwatch.scoring.runs import stored_findings
    for f in stored_findings(store, run_id):
        if ident.upper() in (problem_id(f), f.fingerprint.upper()):
            return f.fingerprint
    raise UsageError(f"运行 {run_id} 中没有问题 {ident}（问题编号见 govwatch finding list {run_id}）")


def cmd_finding_add(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import add_finding, assess, exempt, read_review_file
    store = open_store(cli_settings(args))
    run = _run(store, args.run)
    rules = _run_rules(store, args.run, None)
    if args.file:
        entries = _review_call(read_review_file, args.file)
        for e in entries["findings"]:
            _added(store, _review_call(add_finding, store, args.run, rules, indicator=str(e["indicator"]),
                                       kind=str(e.get("kind") or "reviewer_finding"), url=str(e["url"]),
                                       message=str(e["message"]), points=_points(e.get("points")),
                                       evidence=e.get("evidence"), reviewer=args.reviewer, actor=cli_actor(args.reviewer)))
        for e in entries["exempt"]:
            _exempted(_review_call(exempt, store, args.run, run["site_id"],
                                   _fingerprint(store, args.run, str(e["finding"])), str(e["reason"]),
                                   site_wide=bool(e.get("site_wide")), reviewer=args.reviewer, actor=cli_actor(args.reviewer)))
        for e in entries["assessed"]:
            _review_call(assess, store, args.run, rules, str(e["indicator"]), str(e["note"]), reviewer=args.reviewer)
    else:
        missing = [flag for flag, value in (("--indicator", args.indicator), ("--url", args.url),
                                            ("--message", args.message)) if not value]
        if missing:
            raise UsageError(f"govwatch finding add 须给出 {'、'.join(missing)}（或用 --file REVIEW.yaml 给出复核文件）")
        _added(store, _review_call(add_finding, store, args.run, rules, indicator=args.indicator, kind=args.kind,
                                   url=args.url, message=args.message, points=args.points, reviewer=args.reviewer,
                                   actor=cli_actor(args.reviewer)))
    return _rescore(store, args.run, rules)


def _added(store: Any, finding_id: int) -> None:
    from govwatch.core.catalogue import problem_id
    from govwatch.scoring.review import resolve_finding, reviewer_finding
    f = reviewer_finding(resolve_finding(store, finding_id))
    plain(console, f"人工检查问题 {problem_id(f)}（序号 {finding_id}）已录入：适用于本次及该网站以后的各次检查，"
                   "直至撤回或标记已整改")


def _exempted(exemption_id: int) -> None:
    plain(console, f"豁免 {exemption_id} 已登记（撤销：govwatch finding unexempt {exemption_id} --reason 原因）")


def _points(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"分值（points）须为数字，收到 {value!r}") from None


def cmd_finding_exempt(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import exempt
    store = open_store(cli_settings(args))
    run = _run(store, args.run)
    fingerprint = _fingerprint(store, args.run, args.finding)
    _exempted(_review_call(exempt, store, args.run, run["site_id"], fingerprint, args.reason,
                           site_wide=args.site_wide, reviewer=args.reviewer, actor=cli_actor(args.reviewer)))
    return _rescore(store, args.run, _run_rules(store, args.run, None))


def cmd_finding_assess(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import assess
    store = open_store(cli_settings(args))
    _run(store, args.run)
    rules = _run_rules(store, args.run, None)
    _review_call(assess, store, args.run, rules, args.indicator, args.note, reviewer=args.reviewer)
    return _rescore(store, args.run, rules)


def cmd_finding_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from govwatch.scoring.review import STATUS_LABELS, site_findings

    store = open_store(cli_settings(args))
    run = _run(store, args.run)
    document, sheet = _score(store, args.run, _run_rules(store, args.run, args.rules))
    reviewer = site_findings(store, run["site_id"])
    if args.json:  # the run's findings; a reviewer finding's entry also has its row id and status
        by_id = {_problem_id(f): f for f in reviewer}
        write_json([{**f, **_reviewer_json(by_id[f["id"]])} if f["id"] in by_id else f
                    for f in document["findings"]], args.json)
        return EXIT_OK
    table = Table(title=f"运行 {args.run}：{verdict_text(sheet)}", title_justify="left")
    for heading in ("ID", "来源", "指标", "扣分", "状态", "问题"):
        table.add_column(heading)
    status_names = {"scored": "计分", "exempt": "豁免", "suppressed": "报备", "unscored": "不计分"}
    origin = {_problem_id(f): f"人工录入 #{f.finding_id}" for f in reviewer}
    for f in document["findings"]:
        s = f.get("scoring") or {}
        table.add_row(f["id"], origin.get(f["id"], "检查"), s.get("indicator") or "-", f"{s.get('points', 0):g}",
                      status_names.get(s.get("status") or "", "-"), f["message"])
    console.print(table)
    if reviewer:
        mine = Table(title="本网站的人工检查问题（各次检查沿用，直至撤回或整改）", title_justify="left")
        for heading in ("序号", "ID", "状态", "录入运行", "整改运行", "指标", "问题"):
            mine.add_column(heading)
        for f in reviewer:
            mine.add_row(str(f.finding_id), _problem_id(f), STATUS_LABELS[f.status], str(f.entered_run_id),
                         str(f.ended_run_id or "-"), f.indicator, f.message)
        console.print(mine)
    return EXIT_OK


def _problem_id(f: Any) -> str:
    from govwatch.core.catalogue import problem_id
    return problem_id(f)


def _reviewer_json(f: Any) -> dict[str, Any]:
    from govwatch.scoring.review import STATUS_LABELS
    return {"reviewer_finding_id": f.finding_id, "review_status": f.status, "review_status_label": STATUS_LABELS[f.status],
            "entered_run_id": f.entered_run_id, "ended_run_id": f.ended_run_id}


def _finding_row(store: Any, ident: str) -> dict[str, Any]:
    from govwatch.scoring.review import resolve_finding
    row: dict[str, Any] = _review_call(resolve_finding, store, ident)
    return row


def _changed(verb: str, row: dict[str, Any]) -> int:
    from govwatch.scoring.review import STATUS_LABELS, reviewer_finding
    f = reviewer_finding(row)
    plain(console, f"人工检查问题 {_problem_id(f)}（序号 {f.finding_id}）{verb}，当前状态：{STATUS_LABELS[f.status]}；"
                   f"已存的得分表在重新评分（govwatch score RUN）后更新")
    return EXIT_OK


def cmd_finding_edit(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import edit_finding
    store = open_store(cli_settings(args))
    row = _finding_row(store, args.finding)
    rules = _run_rules(store, row["run_id"], None)
    return _changed("已修改", _review_call(edit_finding, store, row["id"], message=args.message, points=args.points,
                                          indicator=args.indicator, rules=rules, actor=cli_actor(args.reviewer),
                                          reason=args.reason))


def cmd_finding_withdraw(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import withdraw_finding
    store = open_store(cli_settings(args))
    row = _finding_row(store, args.finding)
    return _changed("已撤回（不再适用于任何检查，记录保留备查）",
                    _review_call(withdraw_finding, store, row["id"], reason=args.reason, actor=cli_actor(args.reviewer)))


def cmd_finding_fixed(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import mark_fixed
    store = open_store(cli_settings(args))
    row = _finding_row(store, args.finding)
    return _changed(f"已标记为自运行 {args.run} 起整改",
                    _review_call(mark_fixed, store, row["id"], args.run, actor=cli_actor(args.reviewer), reason=args.reason))


def cmd_finding_unexempt(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import active_exemptions, withdraw_exemption
    store = open_store(cli_settings(args))
    for e in _review_call(active_exemptions, store, args.exemption):
        _review_call(withdraw_exemption, store, e["id"], reason=args.reason, actor=cli_actor(args.reviewer))
        scope = f"运行 {e['run_id']}" if e["run_id"] is not None else "全站各次检查"
        plain(console, f"豁免 {e['id']}（{scope}，原因：{e['reason']}）已撤销；已存的得分表在重新评分后更新")
    return EXIT_OK


def cmd_finding_history(args: argparse.Namespace) -> int:
    from govwatch.scoring.review import finding_history
    store = open_store(cli_settings(args))
    row = _finding_row(store, args.finding)
    events = _review_call(finding_history, store, row["id"])
    if args.json:
        write_json({"finding_id": row["id"], "events": events}, args.json)
        return EXIT_OK
    actions = {"add": "录入", "edit": "修改", "withdraw": "撤回", "fixed": "已整改"}
    for e in events:
        change = f"（{e['data']['before']} → {e['data']['after']}）" if e["action"] == "edit" and e["data"] else ""
        plain(console, f"{e['at']} {e['actor'] or '-'} {actions.get(e['action'], e['action'])}"
                       f"{'：' + e['note'] if e['note'] else ''}{change}")
    return EXIT_OK


# -- diff and bulletin ----------------------------------------------------------------


def _not_full(run: dict[str, Any]) -> str | None:
    """Why a run is not a complete full run (a manual inspection or a scan that read the whole site), or None."""
    if run["kind"] == "patrol":
        return f"运行 {run['id']} 是日常巡查，只简要检查首页和重点栏目"
    if run["kind"] == "recheck":
        return f"运行 {run['id']} 是整改复查，只简要检查部分工单涉及的页面"
    if run["status"] != "completed":
        return f"运行 {run['id']} 未完成（状态 {run['status']}）"
    if run["complete"] is not True:
        return f"运行 {run['id']} 未读完整个网站（不完整，见 govwatch runs）"
    return None


def _used(run: dict[str, Any]) -> str:
    """A run as the diff and bulletin name it: id, kind, as-of day, complete or not."""
    from govwatch.web.labels import RUN_KIND_LABELS
    kind = RUN_KIND_LABELS.get(run["kind"], run["kind"])
    return f"运行 {run['id']}（{kind}，截至 {run['as_of'][:10]}，{'完整' if run['complete'] else '不完整'}）"


def _full_runs_only(runs: list[dict[str, Any]], any_run: bool) -> None:
    """Refuse runs that are not complete full runs unless --any-run."""
    if any_run:
        return
    for run in runs:
        why = _not_full(run)
        if why:
            raise UsageError(f"{why}；请使用完整的全站检查运行（可用 govwatch runs --kind scan / manual 查看），"
                             "或加 --any-run 仍使用该运行")


def cmd_diff(args: argparse.Namespace) -> int:
    from govwatch.scoring.diff import diff_runs
    store = open_store(cli_settings(args))
    a, b = _run(store, args.run_a), _run(store, args.run_b)
    if a["site_id"] != b["site_id"]:
        raise UsageError(f"运行 {args.run_a} 和运行 {args.run_b} 属于不同网站；复查只比较同一网站的两次运行")
    if args.run_a >= args.run_b:
        raise UsageError(f"运行 {args.run_a} 不早于运行 {args.run_b}：先写较早的运行，再写较晚的运行")
    _full_runs_only([a, b], args.any_run)
    plain(console, f"比较 {_used(a)} 与 {_used(b)}")
    result = diff_runs(store, args.run_a, args.run_b)
    if args.json:
        write_json(result, args.json)
    labels = {"new": "新发现", "fixed": "已整改", "open": "仍未整改", "withdrawn": "已撤回"}
    plain(console, f"运行 {args.run_a}（{a['as_of'][:10]}）→ 运行 {args.run_b}（{b['as_of'][:10]}）："
                   + "，".join(f"{labels[k]}{len(result[k])}个" for k in ("new", "fixed", "open")))
    if not args.json:
        for key in ("new", "fixed", "open", "withdrawn"):
            for f in result[key]:
                notes = [f["status_label"]] if f["origin"] == "reviewer" else []
                notes += [f"豁免：{f['exempt']}"] if f["exempt"] else []
                plain(console, f"  [{labels[key]}] {f['id']} {f['message']}" + (f"（{'；'.join(notes)}）" if notes else ""))
    return EXIT_OK


def cmd_bulletin(args: argparse.Namespace) -> int:
    from govwatch.report.bulletin import write_bulletin
    from govwatch.report.report_error import ReportError
    from govwatch.scoring.runs import latest_runs
    store = open_store(cli_settings(args))
    rules = _rules(args.rules) if args.rules else None
    try:
        run_ids = args.runs or latest_runs(store, org_code=args.org)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not args.runs and not args.any_run:  # each site's newest complete full run, not merely its newest run
        from govwatch.store.run_listing import newest_full_runs
        full = newest_full_runs(store)
        sites = [_run(store, run_id)["site_id"] for run_id in run_ids]
        for site_id in sites:
            if site_id not in full:
                plain(console, f"未纳入：{store.site(site_id)['url']} 没有完整的全站检查运行"
                               "（加 --any-run 可改用其最新一次运行）")
        run_ids = [full[s] for s in sites if s in full]
    if not run_ids:
        raise UsageError("没有可写入通报的已完成运行（请先检查各网站，或直接给出运行编号）")
    runs = [_run(store, run_id) for run_id in run_ids]
    _full_runs_only(runs, args.any_run)
    plain(console, "使用 " + "、".join(_used(run) for run in runs))
    try:
        deadline = date.fromisoformat(args.deadline)
    except ValueError:
        raise UsageError(f"--deadline 须为 YYYY-MM-DD 格式的日期（如 2027-01-15），收到 {args.deadline!r}") from None
    template = _template(args.template)
    start, end = _bulletin_period(args, runs)
    documents = []
    for run_id in run_ids:
        documents.append(_score(store, run_id, rules or _run_rules(store, run_id, None))[0])
    extras = _bulletin_extras(store, [run["site_id"] for run in runs], start, end)
    console.print(f"整改与办理情况统计期：{start.isoformat()} 至 {end.isoformat()}", markup=False, highlight=False)
    out = Path(args.out)
    try:
        paths = write_bulletin(documents, out, title=args.title, period=args.period, deadline=deadline,
                               issuer=args.issuer, doc_number=args.doc_number, red_header=args.red_header,
                               template=template, extras=extras, pdf=not args.no_pdf)
    except ReportError as exc:  # LibreOffice missing or failing: the xlsx and docx are written
        written = [p for p in (out / "得分表.xlsx", out / "通报.docx") if p.exists()]
        for path in written:
            plain(console, f"通报文件：{path}")
        plain(console, f"未生成 PDF：{exc}（不需要 PDF 时加 --no-pdf）")
        return EXIT_FAILURE
    for path in paths:
        plain(console, f"通报文件：{path}")
    return EXIT_OK


def _template(path: str | None) -> Path | None:
    """The user's .docx template (红头 and 文号 layout), checked before anything is written."""
    if not path:
        return None
    from govwatch.report.gongwen import open_template
    from govwatch.report.report_error import ReportError
    try:
        open_template(Path(path))
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    return Path(path)


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} 须为 YYYY-MM-DD 格式的日期，收到 {text!r}") from None


def _bulletin_period(args: argparse.Namespace, runs: list[dict[str, Any]]) -> tuple[date, date]:
    """The days the ticket and 找错/留言 figures cover: --from/--to, by default the calendar quarter of
    the newest run's as-of day (the part not given)."""
    newest = max(date.fromisoformat(run["as_of"][:10]) for run in runs)
    first_month = 3 * ((newest.month - 1) // 3) + 1
    quarter_start = date(newest.year, first_month, 1)
    quarter_end = (date(newest.year + 1, 1, 1) if first_month == 10 else date(newest.year, first_month + 3, 1)) \
        - timedelta(days=1)
    start = _day(args.starts, "--from") if args.starts else quarter_start
    end = _day(args.ends, "--to") if args.ends else quarter_end
    if end < start:
        raise UsageError(f"统计期结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
    return start, end


def _bulletin_extras(store: Any, site_ids: list[int], start: date, end: date) -> dict[str, Any]:
    """The bulletin's optional parts for the period: rectification tickets (整改情况) and 找错/留言
    handling (docs/rectification.md §2 ``extras``)."""
    from govwatch.scoring.public_reports import public_report_figures
    from govwatch.scoring.tickets import ticket_figures
    return {"tickets": ticket_figures(store, site_ids, start, end),
            "public_reports": public_report_figures(store, site_ids, start, end)}


# -- parser -------------------------------------------------------------------------


def add_scoring_commands(sub: Any) -> None:
    """Register score, rules, finding, diff and bulletin."""
    p = sub.add_parser("score", help="re-check and score a stored run with any rule table (no crawling)",
                       epilog=SCORE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", type=int, help="run id (printed by inspect)")
    p.add_argument("--rules", help="rule table name or YAML file (default: the run's own table)")
    p.add_argument("--json", help="write the inspection JSON here ('-' for stdout)")
    p.add_argument("--out", help="write reports into this folder")
    add_report_flags(p)
    add_store_flags(p)
    p.set_defaults(func=cmd_score)

    rules = sub.add_parser("rules", help="the rule tables").add_subparsers(dest="rules_command", required=True)
    p = rules.add_parser("list", help="shipped rule tables")
    p.set_defaults(func=cmd_rules_list)
    p = rules.add_parser("show", help="one table's vetoes, indicators, points and caps")
    p.add_argument("name", help="shipped table name or YAML file")
    p.add_argument("--json", help="write the table as JSON here ('-' for stdout)")
    p.set_defaults(func=cmd_rules_show)

    finding = sub.add_parser("finding", help="reviewer input: add findings, exempt them, assess indicators by hand") \
        .add_subparsers(dest="finding_command", required=True)
    p = finding.add_parser("add", help="add a reviewer finding to a run (or a whole review file with --file)")
    p.add_argument("run", type=int)
    p.add_argument("--indicator", help="the rule table's indicator or veto id (govwatch rules show NAME)")
    p.add_argument("--kind", default="reviewer_finding", help="finding kind (default reviewer_finding)")
    p.add_argument("--url", help="the page the finding is about")
    p.add_argument("--message", help="what is wrong, in the report's words")
    p.add_argument("--points", type=float, help="points (default: the table's rule for the kind)")
    p.add_argument("--file", help="review YAML with findings, exempt and assessed lists")
    p.add_argument("--reviewer", help="who entered it")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_add)
    p = finding.add_parser("exempt", help="exempt a finding: it stays visible and scores nothing")
    p.add_argument("run", type=int)
    p.add_argument("finding", help="problem ID (e.g. LJ-0A1B2C3D4E) or fingerprint")
    p.add_argument("--reason", required=True)
    p.add_argument("--site-wide", action="store_true", help="exempt it in every run of the site")
    p.add_argument("--reviewer")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_exempt)
    p = finding.add_parser("assess", help="record that an indicator or veto was checked by hand (人工核查)")
    p.add_argument("run", type=int)
    p.add_argument("indicator")
    p.add_argument("--note", required=True, help="what was checked and found")
    p.add_argument("--reviewer")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_assess)
    p = finding.add_parser("list", help="a run's findings with their points and status")
    p.add_argument("run", type=int)
    p.add_argument("--rules", help="score with this table instead of the run's own")
    p.add_argument("--json", help="write the findings as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_list)
    ident = "人工检查问题的问题编号（RG-…）或序号（finding list 所列）"
    p = finding.add_parser("edit", help="修改人工检查问题的描述、扣分或指标（留有审计记录）")
    p.add_argument("finding", help=ident)
    p.add_argument("--message", help="新的问题描述")
    p.add_argument("--points", type=float, help="新的分值")
    p.add_argument("--indicator", help="新的指标或否决项编号")
    p.add_argument("--reason", required=True, help="修改原因")
    p.add_argument("--reviewer", help="修改人（默认 cli:<登录名>）")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_edit)
    p = finding.add_parser("withdraw", help="撤回人工检查问题：不再适用于任何检查，记录保留备查")
    p.add_argument("finding", help=ident)
    p.add_argument("--reason", required=True, help="撤回原因")
    p.add_argument("--reviewer", help="操作人（默认 cli:<登录名>）")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_withdraw)
    p = finding.add_parser("fixed", help="标记人工检查问题已整改：自该运行起不再适用")
    p.add_argument("finding", help=ident)
    p.add_argument("--run", type=int, required=True, help="确认已整改的运行（晚于录入该问题的运行）")
    p.add_argument("--reason", required=True, help="如何确认已整改")
    p.add_argument("--reviewer", help="操作人（默认 cli:<登录名>）")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_fixed)
    p = finding.add_parser("unexempt", help="撤销豁免：该问题重新计分")
    p.add_argument("exemption", help="豁免编号（finding exempt 所列），或被豁免问题的问题编号（撤销其全部豁免）")
    p.add_argument("--reason", required=True, help="撤销原因")
    p.add_argument("--reviewer", help="操作人（默认 cli:<登录名>）")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_unexempt)
    p = finding.add_parser("history", help="人工检查问题的审计记录：录入、修改、撤回、整改")
    p.add_argument("finding", help=ident)
    p.add_argument("--json", help="write the events as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_finding_history)

    p = sub.add_parser("diff", help="re-check after rectification (复查): findings new, fixed and still open")
    p.add_argument("run_a", type=int, help="the earlier run")
    p.add_argument("run_b", type=int, help="the later run")
    p.add_argument("--json", help="write the comparison as JSON here ('-' for stdout)")
    p.add_argument("--any-run", action="store_true",
                   help="allow runs that are not complete full runs (patrols, incomplete crawls)")
    add_store_flags(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("bulletin", help="portfolio bulletin (通报): xlsx score table, docx and pdf 公文")
    p.add_argument("runs", type=int, nargs="*", help="run ids (default: each registered site's newest complete full run)")
    p.add_argument("--org", help="only sites of this organisation and its sub-organisations")
    p.add_argument("--rules", help="score every run with this table (default: each run's own)")
    p.add_argument("--out", required=True, help="folder for 得分表.xlsx, 通报.docx and 通报.pdf")
    p.add_argument("--period", required=True, help="e.g. 2026年第四季度")
    p.add_argument("--deadline", required=True, help="rectification deadline YYYY-MM-DD")
    p.add_argument("--title", default="关于政府网站检查情况的通报")
    p.add_argument("--issuer", default="政府网站主管单位", help="发文单位（落款、红头）")
    p.add_argument("--doc-number", help="文号，如 宁政办网〔2026〕12号")
    p.add_argument("--red-header", action="store_true", help="加红头（发文单位红字、文号和红线）")
    p.add_argument("--template", metavar="FILE.docx",
                   help="自有公文模板：正文接在模板之后，保留其版头、样式和页边距；替换 {{文号}} {{日期}} {{标题}}")
    p.add_argument("--no-pdf", action="store_true", help="不生成 通报.pdf（不调用 LibreOffice）")
    p.add_argument("--from", dest="starts", metavar="DATE",
                   help="整改、找错/留言办理情况的统计起始日 YYYY-MM-DD（默认：最新一次检查所在季度的首日）")
    p.add_argument("--to", dest="ends", metavar="DATE",
                   help="统计截止日 YYYY-MM-DD，含当天（默认：该季度的末日）")
    p.add_argument("--any-run", action="store_true",
                   help="use each site's newest completed run even when it is not a complete full run")
    add_store_flags(p)
    p.set_defaults(func=cmd_bulletin)
