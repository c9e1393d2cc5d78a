"""The roster benchmark at smoke size: it runs, and pingan's writer stays within its bounds."""
from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT


def test_bench_roster_smoke() -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "scripts/bench_roster.py"), "--count", "300", "--no-huge",
                           "--rounds", "1"],
                          capture_output=True, text=True, timeout=600)
    assert "ratio pingan / bare (CPU)" in done.stdout, done.stdout + done.stderr
    assert "encryption (msoffcrypto, agile)" in done.stdout
    # At 300 records fixed costs (formats, 36 sheets) dominate, so only the memory bound is asserted here.
    peak = float(done.stdout.split("peak memory ")[1].split(" MiB")[0])
    assert peak <= 250
