"""The benchmark script runs end to end on a small repository (the full sizes run with `make bench`)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import PROJECT


def test_bench_smoke_at_300_records(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, PROJECT / "scripts/bench_validate.py", "--sizes", "300",
                           "--work", tmp_path], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|") for line in done.stdout.splitlines() if line.strip().startswith("300 |")]
    assert len(rows) == 7
    assert all(row[-1].strip() == "0" for row in rows), done.stdout
    assert "validate warm" in done.stdout and "check-jsonschema" in done.stdout
