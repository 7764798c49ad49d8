"""The shipped shape table (data/lexicons/shapes.txt) is pycorrector's same_stroke.txt as
scripts/build_shapes.py writes it (checked when pycorrector is installed; it is never imported)."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

import pytest

from govwatch.analysis.content.wording import char_similarity

ROOT = Path(__file__).resolve().parents[2]


def _shipped() -> str:
    return resources.files("govwatch.data").joinpath("lexicons", "shapes.txt").read_text(encoding="utf-8")


def test_shipped_table_names_its_source_and_licence() -> None:
    text = _shipped()
    assert "pycorrector" in text and "Apache License 2.0" in text
    groups = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(groups) > 500 and all(len(g) >= 2 for g in groups)
    assert char_similarity().kind("特", "持") == "shape"


def test_table_matches_the_installed_package() -> None:
    if importlib.util.find_spec("pycorrector") is None:
        pytest.skip("pycorrector not installed (only needed to rebuild the table)")
    spec = importlib.util.spec_from_file_location("build_shapes", ROOT / "scripts" / "build_shapes.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    expected = build.shape_groups(build.source_path().read_text(encoding="utf-8"))
    assert [line for line in _shipped().splitlines() if not line.startswith("#")] == expected
