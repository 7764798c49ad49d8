"""docs/architecture.md matches the tree it describes.

The doc must name every package (a directory under ``src/govwatch`` with an ``__init__.py``), every
top-level module, every check family module (``checks/*.py``) and every registered check; its
layer diagram must list the import contract's layers (``pyproject.toml``) in the contract's order;
and every source path or ``govwatch.`` name it gives must exist. The finders take the doc's text
as an argument, so the last test hands them a doctored doc and sees each gap reported.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

from govwatch.checks import REGISTRY, load_builtin_checks

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "govwatch"
DOC = ROOT / "docs" / "architecture.md"

_PREFIX = r"(?<![\w./-])(?:src/)?(?:govwatch/)?"  # a path may be given from the repo, the package or within it


def packages() -> list[str]:
    """Every package below ``govwatch`` as a path relative to ``src/govwatch`` (``crawl/availability``)."""
    return sorted(p.parent.relative_to(SRC).as_posix() for p in SRC.rglob("__init__.py") if p.parent != SRC)


def top_level_modules() -> list[str]:
    return sorted(p.name for p in SRC.glob("*.py") if p.name != "__init__.py")


def family_modules() -> list[str]:
    return sorted(f"checks/{p.name}" for p in (SRC / "checks").glob("*.py") if p.name != "__init__.py")


def check_names() -> list[str]:
    load_builtin_checks()
    return sorted(REGISTRY)


def _names_path(doc: str, path: str) -> bool:
    return re.search(_PREFIX + re.escape(path) + r"(?![\w.-])", doc) is not None


def missing_packages(doc: str, names: list[str]) -> list[str]:
    return [p for p in names if not _names_path(doc, p + "/")]


def missing_modules(doc: str, names: list[str]) -> list[str]:
    return [m for m in names if not _names_path(doc, m)]


def missing_checks(doc: str, names: list[str]) -> list[str]:
    return [n for n in names if f"`{n}`" not in doc]


def _path_exists(path: str) -> bool:
    """A path from the repository, from the package, or a bare file name that some package holds."""
    inner = re.sub(r"^(?:src/)?govwatch/", "", path)
    if "/" not in path:
        return (ROOT / path).exists() or next(SRC.rglob(path), None) is not None
    return (ROOT / path).exists() or (SRC / inner).exists()


def _looks_like_path(token: str) -> bool:
    return (re.fullmatch(r"[\w./-]+", token) is not None and not token.startswith(("http:", "https:", "../", "."))
            and ("/" in token or re.search(r"\.(py|ya?ml|json|md)$", token) is not None)
            and not re.fullmatch(r"\d+/\d+", token))


def _attribute_chain_exists(module: str, attributes: list[str]) -> bool:
    obj: object = importlib.import_module(module)
    for name in attributes:
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def _is_module(dotted: str) -> bool:
    base = SRC.parent / dotted.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _dotted_name_exists(dotted: str) -> bool | None:
    """Whether ``govwatch.x.y.attr`` (or ``x.y.attr`` when ``x.y`` is a govwatch module) names
    something real; None when the name is not a govwatch reference at all."""
    parts = dotted.removeprefix("govwatch.").split(".")
    prefixed = dotted.startswith("govwatch.")
    for k in range(len(parts), 0, -1):
        module = "govwatch." + ".".join(parts[:k])
        if _is_module(module):
            if not prefixed and k == 1 and len(parts) > 1 and not (SRC / f"{parts[0]}.py").exists():
                return None  # ``crawl.network``: a package name followed by a setting, not a module path
            return _attribute_chain_exists(module, parts[k:])
    return False if prefixed else None


def stale_names(doc: str) -> list[str]:
    """Source paths, doc paths and ``govwatch`` names in the doc that do not exist."""
    stale: list[str] = []
    for match in re.finditer(r"(?<![\w./-])(?:src/)?govwatch/[\w/.-]*[\w/]", doc):
        if not _path_exists(match.group(0)):
            stale.append(match.group(0))
    for match in re.finditer(r"(?<![\w./-])docs/[\w.-]+\.md", doc):
        if not (ROOT / match.group(0)).exists():
            stale.append(match.group(0))
    for match in re.finditer(r"`([^`\n]+)`", doc):
        token = match.group(1)
        if _looks_like_path(token):
            if not _path_exists(token):
                stale.append(token)
            continue
        dotted = re.fullmatch(r"([a-z_][\w]*(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?", token)
        if dotted and _dotted_name_exists(dotted.group(1)) is False:
            stale.append(token)
    return sorted(set(stale))


def contract_layers() -> list[list[str]]:
    """The layers of the "Pipeline layers" contract, top first; each a list of module names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [[name.strip() for name in re.split(r"[|:]", layer)] for layer in contract["layers"]]


def _shown_as(module: str) -> str:
    rel = module.removeprefix("govwatch.").replace(".", "/")
    return f"{rel}.py" if (SRC / f"{rel}.py").exists() else f"{rel}/"


def layer_diagram_errors(doc: str, layers: list[list[str]]) -> list[str]:
    """What the first diagram under ``## Layers`` gets wrong: a layer missing, the members of one
    layer on different rows, or a layer not below the one before it."""
    section = doc.split("## Layers", 1)[1] if "## Layers" in doc else ""
    block = re.search(r"```\n(.*?)```", section, re.S)
    rows = block.group(1).splitlines() if block else []
    errors: list[str] = []
    previous = -1
    for layer in layers:
        found = []
        for module in layer:
            shown = _shown_as(module)
            row = next((i for i, line in enumerate(rows) if re.search(_PREFIX + re.escape(shown), line)), None)
            if row is None:
                errors.append(f"{shown} is not in the layer diagram")
            else:
                found.append(row)
        if found and len(set(found)) > 1:
            errors.append(f"{' | '.join(layer)} are not on one row")
        if found and min(found) <= previous:
            errors.append(f"{' | '.join(layer)} is not below the layer before it")
        previous = max(found, default=previous)
    return errors


def test_doc_names_every_package() -> None:
    assert missing_packages(DOC.read_text(encoding="utf-8"), packages()) == []


def test_doc_names_every_top_level_module() -> None:
    assert missing_modules(DOC.read_text(encoding="utf-8"), top_level_modules()) == []


def test_doc_names_every_check_family_module() -> None:
    assert missing_modules(DOC.read_text(encoding="utf-8"), family_modules()) == []


def test_doc_names_every_registered_check() -> None:
    assert missing_checks(DOC.read_text(encoding="utf-8"), check_names()) == []


def test_doc_names_no_path_or_module_that_does_not_exist() -> None:
    assert stale_names(DOC.read_text(encoding="utf-8")) == []


def test_layer_diagram_follows_the_import_contract() -> None:
    layers = contract_layers()
    assert len(layers) >= 10  # the contract is read, not an empty list
    assert layer_diagram_errors(DOC.read_text(encoding="utf-8"), layers) == []


def test_the_finders_report_what_a_doctored_doc_lacks() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert "`crawl/sitefacts/`" in doc and "`transport.ipv6`" in doc and "`checks/tampering.py`" in doc
    doctored = (doc.replace("crawl/sitefacts/", "crawl-sitefacts")
                .replace("`transport.ipv6`", "transport-ipv6")
                .replace("checks/tampering.py", "checks-tampering")
                .replace("`pipeline.py`", "the pipeline module").replace(" pipeline.py ", " the pipeline ")
                + "\nStale: `crawl/nothing.py`, `scan.py`, govwatch/probe/, `govwatch.checks.links.verdict`,"
                  " `store.writer.no_such_function`, docs/nothing.md.\n")
    assert "crawl/sitefacts" in missing_packages(doctored, packages())
    assert missing_checks(doctored, check_names()) == ["transport.ipv6"]
    assert missing_modules(doctored, family_modules()) == ["checks/tampering.py"]
    assert missing_modules(doctored, top_level_modules()) == ["pipeline.py"]
    assert stale_names(doctored) == sorted(["crawl/nothing.py", "scan.py", "govwatch/probe/", "docs/nothing.md",
                                            "govwatch.checks.links.verdict", "store.writer.no_such_function"])
    assert layer_diagram_errors(doctored, contract_layers()) == ["pipeline.py is not in the layer diagram"]


def test_the_layer_check_reports_rows_out_of_order() -> None:
    doc = DOC.read_text(encoding="utf-8")
    swapped = doc.replace("  report/ ", "  @@@@@@@ ", 1).replace("  scoring/ ", "  report/  ", 1).replace("  @@@@@@@ ", "  scoring/", 1)
    assert swapped != doc
    assert layer_diagram_errors(swapped, contract_layers()) == ["govwatch.scoring is not below the layer before it"]
