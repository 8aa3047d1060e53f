"""The documentation site builds with no warning (`mkdocs build --strict`), offline.

Strict mode fails on a broken link or anchor, a page missing from the nav and a missing
snippet. The theme's web fonts are off (`theme.font: false`) and no plugin downloads
anything, so the build needs no network.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from markdown_blocks import ROOT


def test_docs_build_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # the theme's end-of-life banner
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "index.html").exists()
    assert (tmp_path / "cli" / "index.html").exists()
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html, "the theme would fetch web fonts"
