"""docs/cli.md's exit-code table lists exactly the codes the command line uses."""

from __future__ import annotations

import re
from pathlib import Path

from gigawatt.cli import INTERRUPTED
from gigawatt.cli.common import BROKEN_PIPE

CLI_MD = Path(__file__).parents[2] / "docs" / "cli.md"


def test_exit_codes_table_matches_the_code():
    text = CLI_MD.read_text(encoding="utf-8")
    section = text.split("## Exit codes")[1].split("## ")[0]
    codes = [int(c) for c in re.findall(r"^\| `(\d+)` \|", section, flags=re.M)]
    assert codes == [0, 1, 2, INTERRUPTED, BROKEN_PIPE] == [0, 1, 2, 130, 141]
    assert "manifest.json" in text and ".DIR.lock" in text
