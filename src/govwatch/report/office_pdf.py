"""PDF of an office document: the .docx converted by LibreOffice headless, so the PDF is the same document.

Each call runs ``soffice --headless --convert-to pdf`` with its own user profile in a temporary
directory (parallel conversions never share or lock a profile, the user's own profile is never
touched) and a fontconfig file that aliases the office fonts (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312) to the free Noto CJK fonts (:data:`govwatch.report.gongwen.FONT_FALLBACKS`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from govwatch.report.gongwen import FONT_FALLBACKS
from govwatch.report.report_error import ReportError

INSTALL_HINT = "apt install libreoffice-writer-nogui"
TIMEOUT_S = 180
SYSTEM_FONTS_CONF = "/etc/fonts/fonts.conf"


def soffice_path() -> str | None:
    """The LibreOffice executable (``soffice`` or ``libreoffice`` on PATH), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf() -> str:
    """A fontconfig file: the system's configuration plus the office fonts' aliases."""
    aliases = "\n".join(
        f'  <alias binding="same"><family>{escape(name)}</family><prefer><family>{escape(fallback)}</family>'
        "</prefer></alias>" for name, fallback in FONT_FALLBACKS.items())
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
            f'  <include ignore_missing="yes">{SYSTEM_FONTS_CONF}</include>\n{aliases}\n</fontconfig>\n')


def docx_to_pdf(docx_path: Path, out_dir: Path, *, timeout: float = TIMEOUT_S) -> Path:
    """Convert ``docx_path`` to ``out_dir/<stem>.pdf`` with LibreOffice and return that path.

    Raises :class:`ReportError` (in Chinese, with what to install or what went wrong) when LibreOffice
    is missing, times out or writes no PDF; a half-written PDF is removed.
    """
    docx_path, out_dir = Path(docx_path), Path(out_dir)
    executable = soffice_path()
    if executable is None:
        raise ReportError(f"未找到 LibreOffice（soffice），无法生成 PDF；Word 文件已生成：{docx_path.name}。"
                          f"请安装：{INSTALL_HINT}")
    if not docx_path.is_file():
        raise ReportError(f"要转换的 Word 文件不存在：{docx_path}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (docx_path.stem + ".pdf")
    with tempfile.TemporaryDirectory(prefix="govwatch-soffice-") as tmp:
        work = Path(tmp)
        (work / "fonts.conf").write_text(fonts_conf(), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(work / "fonts.conf"), "HOME": str(work)}
        command = [executable, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(work / "out"),
                   str(docx_path.resolve())]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(f"LibreOffice 转换 PDF 超时（{timeout:.0f} 秒）：{docx_path.name}") from None
        except OSError as exc:
            raise ReportError(f"无法启动 LibreOffice（{executable}）：{exc.strerror}；请安装：{INSTALL_HINT}") from None
        produced = work / "out" / target.name
        if done.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["无输出"]
            raise ReportError(f"LibreOffice 未能把 {docx_path.name} 转换为 PDF（退出码 {done.returncode}：{detail[0]}）")
        shutil.move(str(produced), target)
    return target
