"""The report as PDF: the HTML file printed by headless Chromium (no other PDF library).

Chromium is the one the browser tests use (scripts/install_browser.sh, Debian's package); when
it is missing the command says so instead of downloading anything.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class PdfUnavailable(RuntimeError):
    pass


def chromium_binary() -> Optional[str]:
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def html_to_pdf(html: str, out: Path, timeout: float = 120) -> Path:
    binary = chromium_binary()
    if binary is None:
        raise PdfUnavailable("Chromium is not installed (scripts/install_browser.sh); the HTML report needs nothing")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        command = [binary, "--headless=new", "--disable-gpu", "--no-first-run", "--disable-extensions",
                   "--disable-background-networking", f"--user-data-dir={Path(folder) / 'profile'}",
                   "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        subprocess.run(command, check=True, timeout=timeout, capture_output=True)
    if not out.exists() or out.stat().st_size == 0:
        raise PdfUnavailable(f"Chromium wrote no PDF to {out}")
    return out
