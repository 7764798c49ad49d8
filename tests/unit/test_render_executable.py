"""render.executable: Debian's chromium-headless-shell by default when installed, else chromium; a set path wins."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from govwatch.core import settings as settings_module
from govwatch.core.settings import BROWSERS, RenderSettings, default_browser, load_settings
from govwatch.crawl.render import Renderer


def _binary(path: Path, executable: bool = True) -> str:
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755 if executable else 0o644)
    return str(path)


def test_the_headless_shell_comes_first_when_installed(tmp_path: Path) -> None:
    shell, full = _binary(tmp_path / "chromium-headless-shell"), _binary(tmp_path / "chromium")
    assert default_browser((shell, full)) == shell


def test_without_the_headless_shell_the_full_chromium(tmp_path: Path) -> None:
    full = _binary(tmp_path / "chromium")
    assert default_browser((str(tmp_path / "chromium-headless-shell"), full)) == full
    not_executable = _binary(tmp_path / "chromium-headless-shell", executable=False)
    assert default_browser((not_executable, full)) == full


def test_with_neither_the_default_names_the_full_chromium(tmp_path: Path) -> None:
    missing = (str(tmp_path / "chromium-headless-shell"), str(tmp_path / "chromium"))
    assert default_browser(missing) == missing[-1]
    assert BROWSERS == ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")


def test_the_default_is_resolved_for_each_settings_and_a_set_path_wins(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shell, full = _binary(tmp_path / "chromium-headless-shell"), _binary(tmp_path / "chromium")
    monkeypatch.setattr(settings_module.default_browser, "__defaults__", ((shell, full),))
    assert RenderSettings().executable == shell
    assert load_settings(environ={}).render.executable == shell
    assert load_settings(environ={"GOVWATCH_RENDER__EXECUTABLE": full}).render.executable == full
    config = tmp_path / "govwatch.yaml"
    config.write_text(f"render:\n  executable: {full}\n", encoding="utf-8")
    assert load_settings(config, environ={}).render.executable == full
    os.remove(shell)
    assert RenderSettings().executable == full


def test_a_missing_browser_is_named_with_both_packages(tmp_path: Path) -> None:
    async def render() -> str | None:
        async with Renderer(RenderSettings(executable=str(tmp_path / "no-chromium")), allow=lambda _url: True,
                            user_agent="govwatch-test") as renderer:
            return (await renderer.render("http://127.0.0.1:9/")).error

    assert asyncio.run(render()) == (f"no browser at {tmp_path / 'no-chromium'} (install Debian's "
                                     "chromium-headless-shell or chromium package, or set render.executable, "
                                     "or render.enabled: false)")
