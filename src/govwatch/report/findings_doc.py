"""docs/findings.md, written from the finding catalogue, the registered checks and the shipped rule tables.

Regenerate after changing any of them (tests/meta/test_catalogue.py fails until the file matches)::

    python -m govwatch.report.findings_doc docs/findings.md
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from govwatch.checks import REGISTRY, load_builtin_checks
from govwatch.core.catalogue import Catalogue, catalogue
from govwatch.rules import RuleSet, available_rulesets, load_ruleset

SEVERITY_NAMES = {"error": "问题 (error)", "warning": "疑似/提示 (warning)", "info": "提示 (info)"}

_HEADER = """# Finding kinds

<!-- Written by `python -m govwatch.report.findings_doc docs/findings.md` from
src/govwatch/data/finding_kinds.yaml, the registered checks and the rule tables: edit those, not this file. -->

Every finding has a `kind`. The catalogue of kinds, `src/govwatch/data/finding_kinds.yaml` (read by
`govwatch.core.catalogue`), holds for each its Chinese name, the remediation text of the 整改清单, the
problem-ID prefix, the default severity and the evidence fields its findings may carry; reports and
problem IDs read it and nothing else. A check may lower the severity of a weaker case (a suspected
broken link, a legacy footer number) to `warning`. A reviewer may file a finding under any kind; the
catalogue's defaults (prefix `{default_prefix}`, remediation “{default_remediation}”) cover kinds it
does not know, and every reviewer-entered finding has the prefix `{reviewer_prefix}`.

Adding a check: one function in a family module (`src/govwatch/checks/`), one case file per kind
(`tests/checks/cases/<family>/`), one catalogue entry per kind, and in each rule table one rule or veto
that scores the kind, or an `unscored` entry saying why the table does not score it.
`tests/meta/test_catalogue.py` fails and says which of these is missing.

Problem-ID prefixes: {prefixes}.
"""


def kind_checks() -> dict[str, list[str]]:
    """Finding kind → the registered checks (``family/name``) that emit it."""
    load_builtin_checks()
    out: dict[str, list[str]] = {}
    for registered in REGISTRY.values():
        for kind in registered.kinds:
            out.setdefault(kind, []).append(f"{registered.family}/{registered.name}")
    return out


def shipped_tables() -> list[RuleSet]:
    """Every rule table shipped with govwatch, by name."""
    return [load_ruleset(name) for name in available_rulesets()]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


def findings_markdown(cat: Catalogue | None = None, tables: Sequence[RuleSet] | None = None,
                      checks: dict[str, list[str]] | None = None) -> str:
    """The text of docs/findings.md."""
    cat = cat or catalogue()
    tables = shipped_tables() if tables is None else tables
    checks = kind_checks() if checks is None else checks
    lines = [_HEADER.format(
        default_prefix=cat.default_id_prefix, default_remediation=cat.default_remediation,
        reviewer_prefix=cat.reviewer_id_prefix,
        prefixes="; ".join(f"`{p}` {meaning}" for p, meaning in cat.id_prefixes.items()))]
    lines += ["## Kinds", ""]
    rows = []
    for k in cat.kinds.values():
        prefix = f"`{k.id_prefix}`" + "".join(
            f"（{', '.join(f'{n}={v}' for n, v in where)}: `{p}`）" for where, p in k.id_prefix_rules)
        source = ", ".join(checks.get(k.kind, [])) or ("reviewers (人工)" if k.origin == "reviewer" else "—")
        rows.append([f"`{k.kind}`", k.label, SEVERITY_NAMES[k.severity], prefix, source, k.remediation])
    lines += _table(["kind", "名称", "default severity", "ID prefix", "emitted by", "整改建议"], rows)
    lines += ["## Where the rule tables score them", "",
              "Veto and indicator ids of each shipped table (`docs/scoring.md`); “不计分” when the table lists",
              "the kind under `unscored` (reasons below). Reviewer findings are filed under an indicator by id.", ""]
    rows = []
    for k in cat.kinds.values():
        if k.origin != "check":
            continue
        cells = [f"`{k.kind}`"]
        for table in tables:
            places = table.scoring_places().get(k.kind)
            if places:
                cells.append("; ".join(f"{ident} {name}" for ident, name in places))
            else:
                cells.append("不计分" if k.kind in table.unscored else "**missing**")
        rows.append(cells)
    lines += _table(["kind", *(t.id for t in tables)], rows)
    for table in tables:
        if table.unscored:
            lines += [f"### Not scored by {table.id}", ""]
            lines += [f"- `{kind}`: {reason}" for kind, reason in table.unscored.items()]
            lines.append("")
    lines += ["## Evidence fields", ""]
    lines += _table(["kind", "evidence"], [[f"`{k.kind}`", ", ".join(f"`{e}`" for e in k.evidence)]
                                           for k in cat.kinds.values()])
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the document to the path given (or print it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = findings_markdown()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
