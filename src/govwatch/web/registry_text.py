"""The registry's problems in Chinese, for the 管理 pages.

The registry (``govwatch.registry``) and the identifier checks (``core/identifiers.py``) word their
problems for the command line (English around the Chinese column names). The dashboard is Chinese
throughout, so :func:`zh` rewords each known message form; a message of a form not listed here is
shown as it is (never dropped). Cell values quoted in a message are attacker-controlled text: the
templates print the result escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from govwatch.registry.errors import RowProblem

__all__ = ["zh", "zh_problem", "zh_sheet_error"]

_Q = r"(?P<v>'.*'|\".*\")"  # a Python repr of a cell's text


def _v(match: re.Match[str], group: str = "v") -> str:
    """A quoted value without its repr quotes, in Chinese quotation marks."""
    return f"“{match.group(group)[1:-1]}”"


_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?P<c>\S+) is empty"), lambda m: f"{m['c']}为空"),
    (re.compile(rf"{_Q} is not a usable http\(s\) homepage URL"), lambda m: f"{_v(m)}不是可用的 http(s) 首页网址"),
    (re.compile(r"(?P<u>\S+) is already the homepage of row (?P<r>\d+)"),
     lambda m: f"{m['u']} 已是第{m['r']}行的首页网址"),
    (re.compile(rf"{_Q} is not a 网站标识码 .*"),
     lambda m: f"{_v(m)}不是有效的网站标识码（应为10位：6位行政区划代码加4位数字，或 bm 加8位数字）"),
    (re.compile(r"(?P<c>\S+) is a placeholder, not a real 网站标识码"), lambda m: f"{m['c']} 是占位号码，不是真实的网站标识码"),
    (re.compile(r"(?P<c>\S+): (?P<d>\S+) is not an administrative division code; .*"),
     lambda m: f"{m['c']}：前6位 {m['d']} 不是行政区划代码"),
    (re.compile(rf"{_Q} is not an ICP备案号 .*"),
     lambda m: f"{_v(m)}不是有效的ICP备案号（应为省份简称 + ICP备 + 8位或以20开头的10位数字 + 号，可带 -n，如 京ICP备05070218号-1）"),
    (re.compile(rf"{_Q} is not a 公安机关备案号 .*"),
     lambda m: f"{_v(m)}不是有效的公安机关备案号（应为省份简称 + 公网安备 + 14位数字 + 号，如 京公网安备11010502030143号）"),
    (re.compile(r"(?P<c>\S+) has the legacy 12-digit form .*"), lambda m: f"{m['c']} 是旧的12位编号（现行编号为14位）"),
    (re.compile(rf"unknown (?P<h>\S+) {_Q} \(one of (?P<a>.*)\)"), lambda m: f"未知的{m['h']}{_v(m)}（可选：{m['a']}）"),
    (re.compile(r"所属机构代码 is empty, but (?P<h>\S+) is given: every org needs a code"),
     lambda m: f"所属机构代码为空，但填写了{m['h']}：每个机构都需要机构代码"),
    (re.compile(rf"{_Q} is not an org code \(no spaces, at most (?P<n>\d+) characters\)"),
     lambda m: f"{_v(m)}不是有效的机构代码（不能含空格，最多{m['n']}个字符）"),
    (re.compile(r"org (?P<c>\S+) cannot be its own 上级机构"), lambda m: f"机构 {m['c']} 不能是自己的上级机构"),
    (re.compile(rf"org (?P<c>\S+) has (?P<h>\S+) {_Q} in row (?P<r>\d+); every row of one org must agree"),
     lambda m: f"机构 {m['c']} 在第{m['r']}行的{m['h']}为{_v(m)}，同一机构的各行必须一致"),
    (re.compile(r"org (?P<c>\S+) is new: give its 所属机构名称"), lambda m: f"机构 {m['c']} 是新机构，请填写其所属机构名称"),
    (re.compile(rf"unknown 上级机构代码 {_Q}: .*"),
     lambda m: f"未知的上级机构代码{_v(m)}：文件中没有以它为所属机构代码的行，系统中也没有该机构"),
    (re.compile(r"the org hierarchy would have a cycle: (?P<t>.*)"), lambda m: f"机构层级将形成循环：{m['t']}"),
    (re.compile(rf"column {_Q} is not a registry column: ignored"), lambda m: f"列{_v(m)}不是登记表的列，已忽略"),
    (re.compile(r"(?P<c>\S+) is also the 网站标识码 of row (?P<r>\d+)"), lambda m: f"{m['c']} 也是第{m['r']}行的网站标识码"),
    # registry.orgs.add_org and registry.filings
    (re.compile(r"org (?P<c>\S+) needs a name"), lambda m: f"机构 {m['c']} 需要名称"),
    (re.compile(r"org (?P<c>\S+) exists already"), lambda m: f"机构代码 {m['c']} 已存在"),
    (re.compile(rf"no org with code {_Q} in the store.*"), lambda m: f"系统中没有机构代码为{_v(m)}的机构"),
    (re.compile(rf"unknown org level {_Q} .*"), lambda m: f"未知的机构级别{_v(m)}"),
    (re.compile(rf"(?P<w>--from|--to) must be a date YYYY-MM-DD, got {_Q}"),
     lambda m: f"{'开始日期' if m['w'] == '--from' else '结束日期'}应为 YYYY-MM-DD 格式的日期，收到{_v(m)}"),
    (re.compile(r"--to (?P<e>\S+) is before --from (?P<s>\S+)"), lambda m: f"结束日期 {m['e']} 早于开始日期 {m['s']}"),
    (re.compile(r"--reason must say why .*"), lambda m: "请填写报备事由"),
    (re.compile(rf"--kinds: {_Q} is not a finding kind .*"),
     lambda m: f"{_v(m)}不是问题类型（小写英文单词以 _ 连接，如 stale_column,broken_link）"),
    (re.compile(rf"not a usable http\(s\) URL: {_Q}"), lambda m: f"{_v(m)}不是可用的 http(s) 网址"),
    (re.compile(r"no site (?P<u>\S+) in the store: .*"), lambda m: f"系统中没有首页为 {m['u']} 的网站"),
]

_SHEET_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Excel 97-2003 workbooks \(\.xls\) are not supported.*"),
     lambda m: "不支持 Excel 97-2003 工作簿（.xls），请另存为 .xlsx 或“CSV UTF-8”"),
    (re.compile(r"unsupported file type .*"), lambda m: "不支持的文件类型，请上传 .xlsx 工作簿或 .csv 文件"),
    (re.compile(r"cannot read as an \.xlsx workbook: .*"), lambda m: "无法作为 .xlsx 工作簿读取，文件可能已损坏"),
    (re.compile(r"the workbook has no worksheet"), lambda m: "工作簿中没有工作表"),
    (re.compile(r"not UTF-8 or GB18030 text.*"), lambda m: "文件不是 UTF-8 或 GB18030 编码的文本，请另存为“CSV UTF-8”"),
    (re.compile(r"not a readable CSV file: .*"), lambda m: "不是可读取的 CSV 文件"),
    (re.compile(r"is empty: the first row must name the columns.*"),
     lambda m: "文件为空：第一行应为列名（网站名称、首页网址……）"),
    (re.compile(rf"columns {_Q} and (?P<w>'.*'|\".*\") both name (?P<h>\S+)"),
     lambda m: f"列{_v(m)}和{_v(m, 'w')}都对应“{m['h']}”"),
    (re.compile(r"missing required columns? (?P<c>.*) \(header row (?P<r>\d+) holds: (?P<h>.*)\)"),
     lambda m: f"缺少必填列：{m['c'].replace(', ', '、')}（第{m['r']}行为表头：{m['h']}）"),
]


def _reword(message: str, forms: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]) -> str:
    for pattern, wording in forms:
        match = pattern.fullmatch(message)
        if match:
            return wording(match)
    return message


def zh(message: str) -> str:
    """A registry or identifier message in Chinese (as it is when its form is not known here)."""
    return _reword(message, _FORMS)


def zh_problem(problem: RowProblem) -> dict[str, str | int | None]:
    """A row's problem for a template: row, column (the file's header) and the Chinese message."""
    return {"row": problem.row, "column": problem.column, "message": zh(problem.message)}


def zh_sheet_error(message: str, path: str, shown_name: str) -> str:
    """Why an uploaded file cannot be read, in Chinese, naming it by ``shown_name`` (the uploaded
    file's name) instead of the server's temporary ``path``."""
    text = message.replace(f"cannot read {path} as", "cannot read as").replace(f"{path}: ", "").replace(
        f"{path} ", "")
    worded = _reword(text, _SHEET_FORMS)
    return worded if worded != text else text.replace(path, shown_name)
