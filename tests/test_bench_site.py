"""The site benchmark runs at smoke size (300 records) and prints its table; full size is `make bench`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_bench_site_smoke(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "scripts/bench_site.py"), "--count", "300", "--rounds", "1",
                           "--work", str(tmp_path / "work")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "site benchmark: 300 records, 300 counted"
    assert [line.split("  ")[0] for line in lines[2:9]] == [
        "parse (bare CSafeLoader, 1 process)", "validator's loader (1 process)",
        "data pages, cold (load + stats + charts)", "data pages, warm cache",
        "bare Material build (mkdocs build, same pages)", "whole site, cold (pingan site)", "whole site, warm cache"]
    assert "whole site within target" in lines[9]
    assert lines[10].startswith("every run, seconds: parse ") and lines[10].count(";") == 6
