#!/usr/bin/env python3
"""The Excel round trip at the programme's size: for every unit of a synthetic demo, template --with-records, then
import, must change no byte. Prints, per unit, the rows and the seconds, and a verdict line.

The property test in tests/test_template_import.py checks every optional field on generated records (at most a
few hundred); this script checks the whole demo (30,000 records by default), out-of-province volunteers included.

Usage: scripts/bench_roundtrip.py [--count 30000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 29)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    from pingan import demo
    from pingan.importer import import_file
    from pingan.reader import Repository
    from pingan.unit_workbooks import build_template

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000, help="records in the synthetic repository")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pingan-roundtrip-") as tmp:
        root = Path(tmp) / "repo"
        for _ in demo.generate(ROOT, root, args.count, seed=0):
            pass
        before = snapshot(root)
        units = sorted(Repository(root, TODAY).settings.units)
        changed, failed, rows, seconds = 0, [], 0, 0.0
        for unit in units:
            book = Path(tmp) / f"{unit}.xlsx"
            made = build_template(root, unit, book, True, TODAY)
            start = time.perf_counter()
            outcome = import_file(root, book, unit, today=TODAY)
            seconds += time.perf_counter() - start
            rows += made.count
            if not outcome.valid:
                failed.append(unit)
            changed += len(outcome.written)
        same = snapshot(root) == before
    print(f"round trip: {args.count} records, {len(units)} units, {rows} rows; import {seconds:.2f} s in all "
          f"({1000 * seconds / max(rows, 1):.2f} ms per row)")
    print(f"units refused: {', '.join(failed) or 'none'}; files written: {changed}; bytes unchanged: {same}")
    print(f"round trip changes no byte: {'达标' if same and not failed and not changed else '未达标'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
