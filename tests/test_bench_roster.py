"""The roster benchmark at smoke size: it runs, and pingan's writer stays within its bounds.

The end-to-end part (pingan roster against bare parse + write, on plaintext and on encrypted records) is only
checked to run and to print its ratio and verdict: at 300 records start-up costs dominate, and a benchmark prints numbers, it is no timed test.
"""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import PROJECT


def test_bench_roster_smoke() -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "scripts/bench_roster.py"), "--count", "300", "--no-huge",
                           "--rounds", "1", "--e2e-rounds", "1"],
                          capture_output=True, text=True, timeout=600)
    assert "ratio pingan / bare (CPU)" in done.stdout, done.stdout + done.stderr
    assert "encryption (msoffcrypto, agile)" in done.stdout
    # At 300 records fixed costs (formats, 36 sheets) dominate, so only the memory bound is asserted here.
    peak = float(done.stdout.split("peak memory ")[1].split(" MiB")[0])
    assert peak <= 250
    # End to end: both sides listed every record, and the ratio and the verdict are printed.
    assert re.search(r"^baseline: CSafeLoader parse \+ xlsxwriter .* 300 ", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^pingan roster \(warm, not encrypted\) .* 300 ", done.stdout, re.MULTILINE), done.stdout
    assert "warning:" not in done.stdout
    assert re.search(r"^ratio pingan roster \(warm\) / baseline \(wall\): \d+\.\d\d", done.stdout, re.MULTILINE), done.stdout
    for basis in ("wall", "CPU"):
        assert re.search(rf"^ +300: pingan roster \(warm\) ≤ 1\.2× baseline, {basis} time +(达标|未达标)$", done.stdout,
                         re.MULTILINE), done.stdout
    # Then again on encrypted records: read with CI's key, the baseline decrypting the same files; both list all.
    encrypted = done.stdout.split("encrypted records (read with CI's key")[1]
    assert len(re.findall(r"^(?:baseline: CSafeLoader parse \+ xlsxwriter|pingan roster \(warm, not encrypted\)) .* 300 ",
                          encrypted, re.MULTILINE)) == 2, encrypted
    for basis in ("wall", "CPU"):
        assert re.search(rf"^ +300: pingan roster \(warm, encrypted\) ≤ 1\.2× baseline, {basis} time +(达标|未达标)$",
                         encrypted, re.MULTILINE), encrypted
