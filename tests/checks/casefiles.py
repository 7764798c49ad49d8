"""Shared by the case-file runners: loading a folder of case files, comparing evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


def case_params(folder: Path) -> list[Any]:
    """One pytest param ``(spec, case)`` per case of every YAML case file in ``folder``."""
    params = []
    for path in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec, case, id=f"{path.stem}: {case['name']}"))
    return params


def subset(expected: Any, actual: Any) -> bool:
    """Whether ``expected`` (nested dicts) is contained in ``actual``; other values compare equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)
