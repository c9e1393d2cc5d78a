#!/usr/bin/env python3
"""Benchmark of the province roster: pingan's writer against a bare xlsxwriter workbook with the same cells.

Records are synthetic (pingan.demo's generator) and already loaded as
Volunteer models before the clock starts, as the issue asks. Each case runs in
its own process so that its peak memory (ru_maxrss) is its own. Encryption is
timed separately. At --huge size (default 300,000) the records are streamed
from the generator instead of held in memory (as `pingan roster` streams them
from disk), and the time of generating them alone is subtracted.

Usage: scripts/bench_roster.py [--count 30000] [--huge 300000] [--no-huge] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 11, 29)
PASSWORD = "bench-密码-2026"
MAX_RATIO = 1.5
MAX_PEAK_MIB = 250


def _volunteers(count: int) -> Iterator:
    from pingan import demo
    from pingan.model import Volunteer
    from pingan.validate import load_settings

    found = load_settings(ROOT)
    people = demo._People(random.Random(0), found.units)
    shares = demo.allocate(count, {code: unit.quota for code, unit in found.units.items()})
    index = 0
    for code, n in shares.items():
        for number in range(1, n + 1):
            yield Volunteer.model_validate(people.record(found.units[code], number, index))
            index += 1


def _units_and_province():
    from pingan.validate import load_settings

    found = load_settings(ROOT)
    return found.units, found.province


def write_pingan(volunteers, path: Path) -> None:
    from pingan.roster import RosterWorkbook

    units, province = _units_and_province()
    book = RosterWorkbook(path, list(units.values()), province, AS_OF)
    for v in volunteers:
        book.add(v)
    book.close()


def write_bare(rows: list[tuple], units: list[str], path: Path) -> None:
    """The same sheets and cells, no formats, no checks: xlsxwriter constant_memory at its fastest."""
    import xlsxwriter

    from pingan.roster import ROSTER_COLUMNS

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    summary = book.add_worksheet("汇总")
    book.add_worksheet("名额完成情况")
    sheets = {code: book.add_worksheet(f"s{i}") for i, code in enumerate(units)}
    next_row = {code: 3 for code in units}
    for sheet in (summary, *sheets.values()):
        for col, header in enumerate(ROSTER_COLUMNS):
            sheet.write_string(2, col, header)
    for row_index, (unit, row) in enumerate(rows, start=3):
        sheet = sheets[unit]
        r = next_row[unit]
        next_row[unit] = r + 1
        for target, at in ((summary, row_index), (sheet, r)):
            for col, value in enumerate(row):
                if isinstance(value, int):
                    target.write_number(at, col, value)
                else:
                    target.write_string(at, col, value)
    book.close()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case(kind: str, count: int) -> dict:
    """One measurement in this process; printed as JSON for the parent."""
    from pingan.roster import roster_row

    out = Path(tempfile.mkdtemp(prefix="bench-roster-")) / "roster.xlsx"
    result: dict = {"kind": kind, "count": count}
    if kind == "stream":
        start = time.perf_counter()
        for _ in _volunteers(count):
            pass
        result["generate_s"] = time.perf_counter() - start
        start = time.perf_counter()
        write_pingan(_volunteers(count), out)
        result["seconds"] = time.perf_counter() - start - result["generate_s"]
        result["total_s"] = time.perf_counter() - start
    else:
        volunteers = list(_volunteers(count))
        before = _peak_mib()
        if kind == "pingan":
            start = time.perf_counter()
            write_pingan(volunteers, out)
            result["seconds"] = time.perf_counter() - start
        else:
            units, _province = _units_and_province()
            rows = [(v.unit, roster_row(v, AS_OF)) for v in volunteers]
            start = time.perf_counter()
            write_bare(rows, list(units), out)
            result["seconds"] = time.perf_counter() - start
        result["loaded_mib"] = before
    result["peak_mib"] = _peak_mib()
    result["bytes"] = out.stat().st_size
    if kind in ("pingan", "stream"):
        from pingan import crypto

        start = time.perf_counter()
        crypto.encrypt_file(out, PASSWORD)
        result["encrypt_s"] = time.perf_counter() - start
        result["encrypted_bytes"] = out.stat().st_size
    out.unlink()
    out.parent.rmdir()
    return result


def run(kind: str, count: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--case", kind, "--count", str(count)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=30000)
    parser.add_argument("--huge", type=int, default=300000)
    parser.add_argument("--no-huge", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare and pingan runs alternate this many times; the best time of each counts "
                             "(other work on the machine only ever slows a run down)")
    parser.add_argument("--case", choices=("pingan", "bare", "stream"))
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(case(args.case, args.count)))
        return 0
    bares, ourses = [], []
    for _ in range(max(1, args.rounds)):
        bares.append(run("bare", args.count))
        ourses.append(run("pingan", args.count))
    bare = min(bares, key=lambda r: r["seconds"])
    ours = min(ourses, key=lambda r: r["seconds"])
    ours["peak_mib"] = max(r["peak_mib"] for r in ourses)
    ratio = ours["seconds"] / bare["seconds"]
    print(f"province roster, {args.count} records already loaded (汇总 + one sheet per unit + 名额完成情况); "
          f"best of {len(bares)} alternating runs")
    print(f"{'case':<34}{'seconds':>10}{'peak MiB':>10}{'records MiB':>13}{'file MiB':>10}")
    print(f"{'bare xlsxwriter constant_memory':<34}{bare['seconds']:>10.2f}{bare['peak_mib']:>10.0f}"
          f"{bare['loaded_mib']:>13.0f}{bare['bytes'] / 2**20:>10.1f}")
    print(f"{'pingan RosterWorkbook':<34}{ours['seconds']:>10.2f}{ours['peak_mib']:>10.0f}"
          f"{ours['loaded_mib']:>13.0f}{ours['bytes'] / 2**20:>10.1f}")
    print(f"{'encryption (msoffcrypto, agile)':<34}{ours['encrypt_s']:>10.2f}{'':>10}{'':>13}"
          f"{ours['encrypted_bytes'] / 2**20:>10.1f}")
    print(f"ratio pingan / bare: {ratio:.2f} (limit {MAX_RATIO}); peak memory {ours['peak_mib']:.0f} MiB "
          f"(limit {MAX_PEAK_MIB} MiB, records included)")
    ok = ratio <= MAX_RATIO and ours["peak_mib"] <= MAX_PEAK_MIB
    if not args.no_huge:
        huge = run("stream", args.huge)
        print(f"{args.huge} records streamed from the generator: writing {huge['seconds']:.1f} s "
              f"(generating {huge['generate_s']:.1f} s more), peak {huge['peak_mib']:.0f} MiB, "
              f"file {huge['bytes'] / 2**20:.1f} MiB; encryption {huge['encrypt_s']:.1f} s "
              f"({huge['encrypted_bytes'] / 2**20:.1f} MiB)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
