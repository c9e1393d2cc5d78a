#!/usr/bin/env python3
"""Benchmark of the public site build (issue 6, section 5).

Measures, on one synthetic repository in the same run:

* parse      — a bare parse of every record with yaml.CSafeLoader, one process: the parse baseline of
  bench_validate.py, bench_encryption.py and bench_roster.py;
* loader     — the validator's own reading of every record (one process), for comparison: it reads a record
  as pingan writes it without the YAML parser, three times faster than the bare parse;
* data pages — `site.generate`: load the records, count, protect, charts, CSV and pages;
* bare build — MkDocs' own `mkdocs build --strict` of the same pages, already generated (no data step);
* whole site — `pingan site`: data pages plus the build, end to end (MkDocs starts
  while the data pages are written: see pingan/mkdocs_early.py).

"cold" starts without the statistics cache (.cache/pingan/site-stats.json: a
fresh checkout); "warm" reuses it (a rebuild, or CI with the cache restored).

Targets: data pages ≤ 2 × parse; whole site ≤ 3 × bare build.
Each step runs in turn, round after round (three rounds), and each figure is the median of its rounds.

Usage: scripts/bench_site.py [--count 30000] [--work DIR] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from pingan import demo, releases, site  # noqa: E402
from pingan.reader import Repository, load_record  # noqa: E402

TODAY = date(2026, 11, 29)


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000, help="records in the synthetic repository")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary folder)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every step; each figure is their median")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="pingan-bench-site-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    root = work / "repo"
    for _ in demo.generate(PROJECT, root, args.count, seed=0):
        pass
    stories = [PROJECT / "demo" / "stories"]
    rels = Repository(root, TODAY).paths
    for rel in rels:  # warm the page cache so no step pays for the disk
        (root / rel).read_bytes()

    def parse_all() -> None:
        for rel in rels:  # each result dropped at once, as the validator does
            with open(root / rel, "rb") as handle:
                yaml.load(handle.read().decode("utf-8"), Loader=yaml.CSafeLoader)

    def load_all() -> None:
        for rel in rels:
            load_record(root, rel)

    def cold() -> None:
        shutil.rmtree(root / ".cache", ignore_errors=True)

    staging = work / "staging"
    staging.mkdir()
    site._staging_copy(site.site_sources(root), staging)
    site.copy_stories(stories, staging / "docs")
    # The due statistics releases are made once, by `pingan release`, and committed; no site build makes them
    # (CI builds with --no-new-releases), so they are not part of any timing below.
    releases.release(root, TODAY)
    bare_build = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", "mkdocs.yml",
                  "-d", str(work / "bare")]
    bare_env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONHASHSEED="0")
    steps: dict[str, list[float]] = {name: [] for name in (
        "parse", "loader", "data", "data warm", "bare", "whole", "whole warm")}
    generated = None
    # Every step in turn, round after round: a busy spell of the machine falls on all of them alike.
    for _ in range(args.rounds):
        steps["parse"].append(timed(parse_all)[0])
        steps["loader"].append(timed(load_all)[0])
        cold()
        seconds, generated = timed(site.generate, root, staging / "docs", TODAY)
        steps["data"].append(seconds)
        steps["data warm"].append(timed(site.generate, root, staging / "docs", TODAY)[0])
        steps["bare"].append(timed(subprocess.run, bare_build, cwd=staging, env=bare_env, check=True)[0])
        cold()
        steps["whole"].append(timed(site.build, root, work / "site", stories=stories, today=TODAY)[0])
        steps["whole warm"].append(timed(site.build, root, work / "site", stories=stories, today=TODAY)[0])
    assert isinstance(generated, site.Generated)
    t_parse, t_loader, t_data, t_data_warm, t_bare, t_whole, t_whole_warm = (
        statistics.median(times) for times in steps.values())

    ratio_data = t_data / t_parse if t_parse else float("inf")
    ratio_whole = t_whole / t_bare if t_bare else float("inf")
    ratio_warm = t_whole_warm / t_bare if t_bare else float("inf")
    rows = [
        ("parse (bare CSafeLoader, 1 process)", t_parse, "baseline"),
        ("validator's loader (1 process)", t_loader, f"{t_loader / t_parse:.2f} × parse"),
        ("data pages, cold (load + stats + charts)", t_data,
         f"{ratio_data:.2f} × parse  (target ≤ 2; {t_data / t_loader:.2f} × the loader)"),
        ("data pages, warm cache", t_data_warm, f"{t_data_warm / t_parse:.2f} × parse"),
        ("bare Material build (mkdocs build, same pages)", t_bare, "baseline"),
        ("whole site, cold (pingan site)", t_whole, f"{ratio_whole:.2f} × bare   (target ≤ 3)"),
        ("whole site, warm cache", t_whole_warm, f"{ratio_warm:.2f} × bare   (target ≤ 3)"),
    ]
    print(f"site benchmark: {len(rels)} records, {generated.statistics.registered} counted")
    print(f"{'step (median of ' + str(args.rounds) + ' rounds)':<48} {'seconds':>9}  ratio")
    for name, seconds, note in rows:
        print(f"{name:<48} {seconds:>9.2f}  {note}")
    print(f"data pages within target: {'yes' if ratio_data <= 2 else 'NO'}; "
          f"whole site within target: cold {'yes' if ratio_whole <= 3 else 'NO'}, "
          f"warm {'yes' if ratio_warm <= 3 else 'NO'}")
    print("every run, seconds: " + "; ".join(f"{name} {' '.join(f'{t:.2f}' for t in times)}"
                                             for name, times in steps.items()))
    if not args.work:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
