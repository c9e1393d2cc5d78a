#!/usr/bin/env python3
"""encrypt-all at the programme's size: a synthetic plaintext repository (30,000 records by default) with keys for
every unit, the office and CI, migrated into a new encrypted repository. Prints the seconds against the 90 s limit.

The demo is generated and committed first (as `pingan demo-data --git` does), with one maintainer key per unit,
two office keys and a CI key written before the commit; only `encrypt_all` itself is timed. With --validate, the
new repository is also validated with the CI key (as CI would), and that time is printed too.

Usage: scripts/bench_encrypt_all.py [--count 30000] [--validate]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT_SECONDS = 90.0


def add_keys(root: Path, secrets: Path) -> Path:
    """Public keys under root/keys/ (a maintainer "<unit>-keeper" per unit, two office keys, CI); the CI secret key."""
    from pingan import settings
    from pingan.agekeys import new_identity

    keys = root / settings.KEYS_DIR
    keys.mkdir()
    for unit_file in sorted((root / settings.UNITS_DIR).glob("*.yaml")):
        login = f"{unit_file.stem}-keeper"
        text = unit_file.read_text(encoding="utf-8")
        unit_file.write_text(re.sub(r"维护者: \[\]", f"维护者:\n  - {login}", text), encoding="utf-8")
        recipient = new_identity(secrets / f"{unit_file.stem}.agekey")
        (keys / f"{unit_file.stem}.txt").write_text(f"{recipient} # {login}\n", encoding="utf-8")
    office = [new_identity(secrets / f"office-{n}.agekey") for n in "ab"]
    (keys / "office.txt").write_text("".join(f"{r} # 办公室\n" for r in office), encoding="utf-8")
    (keys / "ci.txt").write_text(f"{new_identity(secrets / 'ci.agekey')} # CI\n", encoding="utf-8")
    return secrets / "ci.agekey"


def main(argv: list[str] | None = None) -> int:
    from pingan import demo
    from pingan.agekeys import Keyring
    from pingan.migrate import encrypt_all
    from pingan.reader import Repository

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000, help="records in the synthetic repository")
    parser.add_argument("--validate", action="store_true", help="also validate the new repository with the CI key")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pingan-encrypt-all-") as tmp:
        old, new, secrets = Path(tmp) / "old", Path(tmp) / "new", Path(tmp) / "secrets"
        secrets.mkdir()
        for _ in demo.generate(ROOT, old, args.count, seed=0):
            pass
        ci_key = add_keys(old, secrets)
        demo.commit(old)
        start = time.perf_counter()
        done = encrypt_all(old, new)
        seconds = time.perf_counter() - start
        print(f"encrypt-all: {done.records} records, {done.copied} other files, {os.cpu_count()} CPUs: {seconds:.1f} s "
              f"({1000 * seconds / max(done.records, 1):.2f} ms per record; limit {LIMIT_SECONDS:.0f} s at 30,000)")
        if args.validate:
            from pingan.agekeys import read_identity_file

            start = time.perf_counter()
            repo = Repository(new, keyring=Keyring.of(read_identity_file(ci_key)), cache_dir=Path(tmp) / "cache")
            with repo.verdicts() as verdicts:
                tally = verdicts.tally()
                errors = sum(1 for p in verdicts.problems if p.level == "错误")
            print(f"validate NEW with the CI key: {time.perf_counter() - start:.1f} s; {tally}; {errors} errors")
    scaled = seconds * 30000 / max(args.count, 1)
    print(f"encrypt-all within {LIMIT_SECONDS:.0f} s for 30,000 records: {'达标' if scaled <= LIMIT_SECONDS else '未达标'}"
          + ("" if args.count == 30000 else f" (scaled from {args.count}: {scaled:.1f} s)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
