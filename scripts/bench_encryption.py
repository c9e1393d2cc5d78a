#!/usr/bin/env python3
"""The encrypted repository at the programme's size (issue 15's "done when"), as ratios measured in one run.

1. A synthetic plaintext repository (30,000 records by default) is generated and committed. The parse
   baseline is one process parsing every record of it with yaml.CSafeLoader, as bench_validate.py.
2. A copy gets keys (a maintainer per unit, two office keys, CI) and `encrypt-all` migrates it into a new
   repository: timed against 90 s.
3. In turn, three rounds: the parse baseline; today's plaintext cold validation (`pingan validate
   --no-cache` on the plaintext repository, its records read by the YAML parser as when the issue was
   filed, see PARSER_VALIDATE; and as read now, printed beside it); CI's cold validation of the
   encrypted one with the CI key (limit 2.0× the plaintext run) and its warm validation (limit 0.1× the
   parse baseline); a unit's local validation with its own key, cold and warm (limit 1.0× the parse
   baseline). Each figure is the median of its three runs.
4. Sizes: the average record file with four recipients (unit, two office keys, CI; limit 6 KB), and what
   one more maintainer key adds to each of that unit's files after `pingan keys sync` (limit 0.5 KB).

Usage: scripts/bench_encryption.py [--count 30000] [--work build/bench-encryption]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

from bench_validate import PARSE_ONLY, measure  # noqa: E402

BIN = Path(sys.executable).parent
PINGAN = str(BIN / "pingan")
UNIT = "taiyuan"
KB = 1024
#: Every timing is the median of this many runs: the machines are shared and noisy, and a ratio of two
#: single runs moved by a third between two runs of this script.
RUNS = 3


def seconds(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run of `command` (nothing sampled meanwhile: bench_validate's `measure` also samples
    memory every 10 ms, which a warm run of 0.4 s would feel). Its CPU seconds, worker processes included,
    are added to CPU_SECONDS under the command."""
    env = {key: value for key, value in (env or os.environ).items() if key != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall


#: The CPU seconds of the last run `seconds` timed (the process and every worker it waited for).
LAST_CPU = [0.0]


def validate_run(root: Path, key: Path | None, cache: Path | None) -> tuple[list[str], dict[str, str]]:
    """The command and environment of `pingan validate` with `key`: cold (no cache) when `cache` is None,
    else keeping its cache in `cache` (CI's and the unit's each their own, so one never replaces the other's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PINGAN_AGE_KEY_FILE", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY")}
    if key is not None:
        env["PINGAN_AGE_KEY_FILE"] = str(key)
    caching = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    return [PINGAN, "validate", "--root", str(root), *caching], env


#: `pingan validate` with every record read by the YAML parser, as all were when issue 15 was filed: its
#: "today's plaintext cold validation". Since then a plaintext record as pingan writes it is read without
#: the parser (loader._written), three times faster, which moved that baseline, not the encrypted run.
PARSER_VALIDATE = ("import sys\n"
                   "from pingan import loader\n"
                   "loader._written = lambda loaded, text: loader._UNREAD\n"
                   "from pingan.cli import main\n"
                   "sys.exit(main(sys.argv[1:]))\n")


def parser_run(command: list[str]) -> list[str]:
    """The same `pingan` command, its records read by the YAML parser alone (see PARSER_VALIDATE)."""
    return [sys.executable, "-c", PARSER_VALIDATE, *command[1:]]


def unit_sizes(root: Path, unit: str) -> list[int]:
    return [path.stat().st_size for path in sorted((root / "data/volunteers" / unit).glob("*.yaml"))]


def main(argv: list[str] | None = None) -> int:
    from pingan import demo
    from pingan.agekeys import new_identity
    from pingan.migrate import encrypt_all

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000, help="records in the synthetic repository")
    parser.add_argument("--work", type=Path, default=SCRIPTS.parent / "build/bench-encryption")
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    old, new = args.work / "old", args.work / "new"
    for _ in demo.generate(SCRIPTS.parent, old, args.count, seed=0):
        pass
    demo.commit(old)
    print(f"{args.count} records, {os.cpu_count()} CPUs")

    keyed = args.work / "keyed"  # the plaintext repository stays as it is, for the plaintext runs below
    shutil.copytree(old, keyed, symlinks=True)
    demo.add_keys(keyed)
    demo.commit(keyed)
    secrets = keyed / demo.KEYS_FOLDER
    start = time.perf_counter()
    encrypt_all(keyed, new)
    migrate = time.perf_counter() - start
    ci, unit_key = secrets / "ci.agekey", secrets / f"{UNIT}.agekey"
    runs = {  # name: (command, environment, folder)
        "parse": ([sys.executable, "-c", PARSE_ONLY, "1"], None, old),
        "plain cold": (*validate_run(old, None, None), old),
        "plain parser": (parser_run(validate_run(old, None, None)[0]), validate_run(old, None, None)[1], old),
        "CI cold": (*validate_run(new, ci, None), new),
        "CI warm": (*validate_run(new, ci, args.work / "ci-cache"), new),
        "unit cold": (*validate_run(new, unit_key, None), new),
        "unit warm": (*validate_run(new, unit_key, args.work / "unit-cache"), new),
    }
    for name in ("CI warm", "unit warm"):  # fill the caches
        command, env, folder = runs[name]
        seconds(command, folder, env)
    # Every measurement in turn, round after round: a busy spell of the machine falls on all of them alike,
    # not on the one that happened to run then (the medians of two runs of this script once differed by half).
    timings: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(RUNS):
        for name, (command, env, folder) in runs.items():
            timings[name].append(seconds(command, folder, env))
            cpu[name].append(LAST_CPU[0])
    parse, plain_cold, plain_parser, ci_cold, ci_warm, unit_cold, unit_warm = (
        statistics.median(timings[name]) for name in runs)
    for name, values in timings.items():
        print(f"{name + ':':14s} wall {' '.join(f'{v:6.2f}' for v in values)} s (median {statistics.median(values):.2f}); "
              f"CPU {' '.join(f'{v:6.2f}' for v in cpu[name])} s (median {statistics.median(cpu[name]):.2f})")
    # The verdicts are on wall time, what a user waits for; the CPU-time ratio is the steadier estimate of the
    # same work on a shared machine, printed beside it.
    print(f"CPU-time ratio, CI cold / plaintext cold read by the parser: "
          f"{statistics.median(cpu['CI cold']) / statistics.median(cpu['plain parser']):.3f}; "
          f"/ plaintext cold as read now: {statistics.median(cpu['CI cold']) / statistics.median(cpu['plain cold']):.3f}")

    files = sorted((new / "data/volunteers").glob("*/*.yaml"))
    average = sum(path.stat().st_size for path in files) / len(files)
    before = unit_sizes(new, UNIT)
    unit_file = new / f"data/units/{UNIT}.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace(f"  - {UNIT}-demo", f"  - {UNIT}-demo\n  - second"),
                         encoding="utf-8")
    with (new / f"keys/{UNIT}.txt").open("a", encoding="utf-8") as out:
        out.write(f"{new_identity(secrets / 'second.agekey')} # second\n")
    env = {**os.environ, "PINGAN_AGE_KEY_FILE": str(secrets / "office.agekey")}
    measure([PINGAN, "keys", "sync", "--root", str(new)], new, env)
    after = unit_sizes(new, UNIT)
    extra = (sum(after) - sum(before)) / len(before)

    rows = [
        ("encrypt-all", migrate, 90.0, "s"),
        ("CI cold / plaintext cold, parser (issue)", ci_cold / plain_parser, 2.0, "×"),
        ("CI warm validation / parse baseline", ci_warm / parse, 0.1, "×"),
        ("unit local cold / parse baseline", unit_cold / parse, 1.0, "×"),
        ("unit local warm / parse baseline", unit_warm / parse, 1.0, "×"),
        ("average record, 4 recipients (KB)", average / KB, 6.0, "KB"),
        ("one more recipient (KB per file)", extra / KB, 0.5, "KB"),
    ]
    print(f"encrypt-all {migrate:.1f} s; CI cold {ci_cold:.2f} s, warm {ci_warm:.2f} s; "
          f"unit cold {unit_cold:.2f} s, warm {unit_warm:.2f} s; plaintext cold {plain_parser:.2f} s read by the "
          f"parser, {plain_cold:.2f} s as read now (CI cold {ci_cold / plain_cold:.3f} × that, not a target)")
    for label, value, limit, unit in rows:
        print(f"{label:40s} {value:7.3f} {unit:2s} (limit {limit:g}) {'达标' if value <= limit else '未达标'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
