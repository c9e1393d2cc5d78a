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
ROUNDS = [3]


def _volunteers(count: int) -> Iterator:
    from pingan import demo
    from pingan.model import Volunteer
    from pingan.reader import load_settings

    found = load_settings(ROOT)
    people = demo._People(random.Random(0), found.units)
    shares = demo.allocate(count, {code: unit.quota for code, unit in found.units.items()})
    index = 0
    for code, n in shares.items():
        for number in range(1, n + 1):
            yield Volunteer.model_validate(people.record(found.units[code], number, index))
            index += 1


def _units_and_province():
    from pingan.reader import load_settings

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
    if kind == "compare":
        volunteers = list(_volunteers(count))
        units, _province = _units_and_province()
        rows = [(v.unit, roster_row(v, AS_OF)) for v in volunteers]
        best: dict[str, tuple[float, float]] = {}
        for _ in range(ROUNDS[0]):
            for name, write in (("bare", lambda: write_bare(rows, list(units), out)),
                                ("pingan", lambda: write_pingan(volunteers, out))):
                start, cpu = time.perf_counter(), time.process_time()
                write()
                timing = (time.process_time() - cpu, time.perf_counter() - start)
                best[name] = min(best.get(name, timing), timing)
        result.update({f"{name}_{kind_}": value for name, (c, w) in best.items()
                       for kind_, value in (("cpu", c), ("wall", w))})
        result["bytes"] = out.stat().st_size
        out.unlink()
        out.parent.rmdir()
        return result
    if kind == "stream":
        start, cpu = time.perf_counter(), time.process_time()
        for _ in _volunteers(count):
            pass
        result["generate_s"] = time.perf_counter() - start
        result["generate_cpu"] = time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        write_pingan(_volunteers(count), out)
        result["seconds"] = time.perf_counter() - start - result["generate_s"]
        result["cpu"] = time.process_time() - cpu - result["generate_cpu"]
    else:
        volunteers = list(_volunteers(count))
        before = _peak_mib()
        if kind == "pingan":
            start, cpu = time.perf_counter(), time.process_time()
            write_pingan(volunteers, out)
        else:
            units, _province = _units_and_province()
            rows = [(v.unit, roster_row(v, AS_OF)) for v in volunteers]
            start, cpu = time.perf_counter(), time.process_time()
            write_bare(rows, list(units), out)
        result["seconds"] = time.perf_counter() - start
        result["cpu"] = time.process_time() - cpu
        result["loaded_mib"] = before
    result["peak_mib"] = _peak_mib()
    result["bytes"] = out.stat().st_size
    if kind in ("pingan", "stream"):
        from pingan import crypto

        start, cpu = time.perf_counter(), time.process_time()
        crypto.encrypt_file(out, PASSWORD)
        result["encrypt_s"] = time.perf_counter() - start
        result["encrypt_cpu"] = time.process_time() - cpu
        result["encrypted_bytes"] = out.stat().st_size
    out.unlink()
    out.parent.rmdir()
    return result


def run(kind: str, count: int, rounds: int = 1) -> dict:
    done = subprocess.run([sys.executable, __file__, "--case", kind, "--count", str(count), "--rounds", str(rounds)],
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
    parser.add_argument("--case", choices=("pingan", "bare", "stream", "compare"))
    args = parser.parse_args(argv)
    if args.case:
        ROUNDS[0] = max(1, args.rounds)
        print(json.dumps(case(args.case, args.count)))
        return 0
    # Both writers run in one process, alternating, and the best CPU time of each counts: other work
    # on a shared machine stretches wall time (and even CPU time, through shared caches) of single runs.
    compare = run("compare", args.count, args.rounds)
    ours = run("pingan", args.count)  # a fresh process for this writer's peak memory, and the encryption
    bare = {"cpu": compare["bare_cpu"], "seconds": compare["bare_wall"], "peak_mib": float("nan"),
            "loaded_mib": float("nan"), "bytes": float("nan")}
    ours.update(cpu=compare["pingan_cpu"], seconds=compare["pingan_wall"])
    ratio = ours["cpu"] / bare["cpu"]
    print(f"province roster, {args.count} records already loaded (汇总 + one sheet per unit + 名额完成情况); "
          f"best of {args.rounds} alternating runs in one process")
    print(f"{'case':<34}{'CPU s':>8}{'wall s':>8}{'peak MiB':>10}{'records MiB':>13}{'file MiB':>10}")
    print(f"{'bare xlsxwriter constant_memory':<34}{bare['cpu']:>8.2f}{bare['seconds']:>8.2f}")
    print(f"{'pingan RosterWorkbook':<34}{ours['cpu']:>8.2f}{ours['seconds']:>8.2f}{ours['peak_mib']:>10.0f}"
          f"{ours['loaded_mib']:>13.0f}{ours['bytes'] / 2**20:>10.1f}")
    print(f"{'encryption (msoffcrypto, agile)':<34}{ours['encrypt_cpu']:>8.2f}{ours['encrypt_s']:>8.2f}{'':>10}{'':>13}"
          f"{ours['encrypted_bytes'] / 2**20:>10.1f}")
    print(f"ratio pingan / bare (CPU): {ratio:.2f} (limit {MAX_RATIO}); wall-time ratio "
          f"{ours['seconds'] / bare['seconds']:.2f}; peak memory {ours['peak_mib']:.0f} MiB "
          f"(limit {MAX_PEAK_MIB} MiB, records included)")
    ok = ratio <= MAX_RATIO and ours["peak_mib"] <= MAX_PEAK_MIB
    if not args.no_huge:
        huge = run("stream", args.huge)
        print(f"{args.huge} records streamed from the generator: writing {huge['cpu']:.1f} CPU s / "
              f"{huge['seconds']:.1f} wall s (generating them: {huge['generate_cpu']:.1f} CPU s more), "
              f"peak {huge['peak_mib']:.0f} MiB, file {huge['bytes'] / 2**20:.1f} MiB; encryption "
              f"{huge['encrypt_cpu']:.1f} CPU s / {huge['encrypt_s']:.1f} wall s ({huge['encrypted_bytes'] / 2**20:.1f} MiB)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
