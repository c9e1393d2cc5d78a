"""The round-trip script runs and prints its verdict (the 30,000-record figure is the script's, not a test's)."""
from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT


def test_bench_roundtrip_smoke() -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "scripts/bench_roundtrip.py"), "--count", "200"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "round trip changes no byte: 达标" in done.stdout
