"""Statistics releases: periods, frozen files, sums of releases, and attackers who difference or average them.

OpenDP draws its noise from a cryptographically secure generator that cannot be
seeded, so the attack test is statistical: it runs many independent releases
and allows a margin (10 percentage points) far above both the attacker's
theoretical gain at ε = 0.1 per table (see `test_differencing_attack_gains_little`)
and the sampling error of the measured rates (a few tenths of a point of the
difference, since both rates are measured on the same targets).
"""
from __future__ import annotations

import json
import math
import random
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from conftest import PROJECT
from pingan import cli, demo, releases, site, stats
from pingan.reader import Repository, load_settings

TODAY = date(2026, 11, 29)
SETTINGS = load_settings(PROJECT)
UNITS, PROVINCE = SETTINGS.units, SETTINGS.province
assert PROVINCE is not None


def people_of(root: Path) -> list[stats.Person]:
    with Repository(root, TODAY).verdicts(use_cache=False) as verdicts:
        return stats.count_people(verdicts).people


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A skewed demo: 400 records registered over 2014–2026; taiyuan has 1, datong 2, yangquan 9."""
    root = tmp_path_factory.mktemp("releases") / "repo"
    for _ in demo.generate(PROJECT, root, 400, seed=14, registered_until=date(2026, 6, 30),
                           unit_counts={"taiyuan": 1, "datong": 2, "yangquan": 9}):
        pass
    return root


# ---------------------------------------------------------------------------------------------
# Periods and due releases

def test_periods() -> None:
    assert releases.period_of(date(2015, 3, 31), "月") == releases.Period(date(2015, 3, 1), date(2015, 3, 31), "2015-03")
    assert releases.period_of(date(2015, 12, 31), "季") == releases.Period(date(2015, 10, 1), date(2015, 12, 31),
                                                                           "2015Q4")
    assert releases.parse_period("2015Q1") == releases.period_of(date(2015, 2, 1), "季")
    assert releases.parse_period("2015-02") == releases.period_of(date(2015, 2, 10), "月")
    assert [releases.parse_period(x) for x in ("2015Q5", "2015-13", "2015-1", "x")] == [None] * 4
    assert releases.period_of(date(2016, 1, 1), "季").months() == ("2016-01", "2016-02", "2016-03")


def test_a_release_is_due_after_its_period_and_the_backfill_days() -> None:
    assert PROVINCE is not None
    quarterly = PROVINCE.model_copy(update={"release_cadence": "季", "backfill_days": 90})
    labels = [p.label for p in releases.due(quarterly, date(2015, 4, 1))]
    assert labels == ["2014Q4"]  # 2014-12-31 + 90 days = 2015-03-31 is the last day of waiting
    assert [p.label for p in releases.due(quarterly, date(2015, 3, 31))] == []
    monthly = PROVINCE.model_copy(update={"release_cadence": "月", "backfill_days": 0})
    assert [p.label for p in releases.due(monthly, date(2014, 12, 1))] == ["2014-10", "2014-11"]
    # A stored quarter covers its months: after a change of cadence they are not released again.
    stored = [releases.parse_period("2014Q4")]
    assert [p.label for p in releases.due(monthly, date(2015, 2, 1), [p for p in stored if p])] == ["2015-01"]


# ---------------------------------------------------------------------------------------------
# Release files

def test_release_holds_only_noisy_numbers_and_round_trips(small_demo: Path) -> None:
    people = people_of(small_demo)
    period = releases.period_of(date(2015, 4, 1), "季")
    release = releases.noisy_release(people, list(UNITS), period, "季", TODAY)
    inside = [p for p in people if period.holds(p.day)]
    differs = 0
    for spec, table in zip(stats.table_specs(), release.tables):
        true = spec.counts(inside, table.rows, table.columns)
        differs += sum(a != b for r, n in zip(true, table.counts) for a, b in zip(r, n))
        assert table.epsilon == releases.EPSILON_PER_TABLE and table.scale == table.sensitivity * 10
    assert differs > 0.5 * sum(len(t.rows) * len(t.columns) for t in release.tables)
    path = small_demo / "x" / f"{period.label}.json"
    text = releases.to_json(release)
    assert releases.from_json(text, path) == release
    assert set(json.loads(text)) == {"format", "period", "cadence", "start", "end", "made", "mechanism", "epsilon",
                                     "note", "tables"}
    assert release.epsilon == 1.0


@pytest.mark.parametrize("change", [
    lambda body: body.update(period="2015Q3"),
    lambda body: body["tables"][0]["counts"][0].append(1),
    lambda body: body["tables"][0]["counts"][0].__setitem__(0, 1.5),
    lambda body: body["tables"].pop(),
    lambda body: body.update(format=2),
])
def test_a_changed_release_file_is_refused(small_demo: Path, tmp_path: Path, change: object) -> None:
    period = releases.period_of(date(2015, 4, 1), "季")
    body = json.loads(releases.to_json(releases.noisy_release([], list(UNITS), period, "季", TODAY)))
    change(body)  # type: ignore[operator]
    with pytest.raises(releases.ReleaseInvalid):
        releases.from_json(json.dumps(body), tmp_path / "2015Q2.json")


def test_release_command_makes_due_releases_once_and_the_site_refuses_a_broken_one(
        small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_demo = shutil.copytree(small_demo, tmp_path / "repo", ignore=shutil.ignore_patterns("releases"))
    assert cli.main(["release", "--root", str(small_demo)]) == 0
    first = capsys.readouterr().out
    assert "共发布 47 期" in first and "2026Q2" in first  # 2014Q4 … 2026Q2; 2026Q3 is due on 2026-12-30
    files = {p.name: p.read_bytes() for p in releases.folder(small_demo).glob("*.json")}
    assert len(files) == 47
    assert cli.main(["release", "--root", str(small_demo)]) == 0
    assert "没有到期的统计发布（已有 47 期）" in capsys.readouterr().out
    with pytest.raises(FileExistsError):
        releases.write_new(small_demo, releases.from_json(files["2015Q1.json"].decode(), Path("2015Q1.json")))
    assert {p.name: p.read_bytes() for p in releases.folder(small_demo).glob("*.json")} == files
    broken = releases.folder(small_demo) / "2015Q1.json"
    broken.write_text(files["2015Q1.json"].decode().replace('"made": "2026-11-29"', '"made": "someday"'),
                      encoding="utf-8")
    try:
        with pytest.raises(releases.ReleaseInvalid):
            site.generate(small_demo, tmp_path / "docs", TODAY)
        assert cli.main(["release", "--root", str(small_demo)]) == 3
        assert "统计发布文件有误" in capsys.readouterr().err
    finally:
        broken.write_bytes(files["2015Q1.json"])


# ---------------------------------------------------------------------------------------------
# Averaging: rebuilding publishes the same numbers

def test_rebuilding_two_dozen_times_publishes_the_same_numbers(small_demo: Path, tmp_path: Path) -> None:
    assert PROVINCE is not None
    people = people_of(small_demo)
    published = set()
    for _ in range(24):
        stored, _made = releases.release(small_demo, TODAY)
        st = stats.compute(people, UNITS, PROVINCE, TODAY, tables=releases.cumulative(stored, UNITS),
                           releases=[r.note for r in stored])
        published.add(site.render_csv(st))
    assert len(published) == 1
    pages = []
    for n in range(2):
        generated = site.generate(small_demo, tmp_path / f"docs{n}", TODAY)
        assert generated.made == []
        out = tmp_path / f"docs{n}" / site.GENERATED
        pages.append([(out / "stats.csv").read_bytes(), (out / "releases/2015Q1.csv").read_bytes()])
    assert pages[0] == pages[1]


def test_cumulative_tables_add_releases_and_their_totals_add_up(small_demo: Path) -> None:
    stored = releases.load_all(small_demo) or releases.release(small_demo, TODAY)[0]
    tables = releases.cumulative(stored, UNITS)
    by_key = {t.key: t for t in tables}
    assert [t.key for t in tables] == [s.key for s in stats.table_specs()]
    sex = by_key["sex"]
    assert len(sex.rows) == len(UNITS) and sex.rows[0] == stats.ordered_units(UNITS)[0].name
    for t in tables:
        assert all(v >= 0 for row in t.counts for v in row)
        assert t.total == sum(t.row_totals) == sum(t.column_total(j) for j in range(len(t.columns)))
    raw = sum(r.tables[4].counts[0][0] for r in stored)  # 民族: 汉族, before it is made non-negative
    assert by_key["ethnicity"].counts[0][0] == max(0, raw)
    assert by_key["month"].columns[0] == "2014-10" and by_key["month"].columns[-1] == "2026-06"


# ---------------------------------------------------------------------------------------------
# Differencing: one person added or removed between two releases

ATTACKED = ("sex", "political", "ethnicity")


def _guess(observed: dict[str, list[int]], others: dict[str, list[int]], unit: str,
           prior: Counter[tuple[str, str, str]], scales: dict[str, float]) -> tuple[str, str, str]:
    """The Bayes-optimal guess: the attributes with the largest prior × likelihood of the observed noisy counts.

    Discrete Laplace noise of scale b: P(noise = z) ∝ exp(−|z| / b), independently per count and per table.
    """
    specs = {s.key: s for s in stats.table_specs()}
    best, best_score = None, float("-inf")
    total = sum(prior.values())
    for values, weight in prior.items():
        score = 0.0
        for key, value in zip(ATTACKED, values):
            columns = specs[key].columns
            j = columns.index(value)
            expected = [o + (1 if k == j else 0) for k, o in enumerate(others[key])]
            score -= sum(abs(y - e) for y, e in zip(observed[key], expected)) / scales[key]
        score += math.log(weight / total)
        if score > best_score:
            best, best_score = values, score
    assert best is not None
    return best


def _cells(spec: stats.TableSpec, people: list[stats.Person], unit: str) -> list[int]:
    """The counts of `spec` an attacker compares: the unit's row of a unit table, else the province row."""
    rows = (unit,) if spec.per_unit else (stats.PROVINCE_ROW,)
    return spec.counts(people, rows, spec.columns)[0]


def test_differencing_attack_gains_little(small_demo: Path) -> None:
    """200 single additions and removals; the attacker knows the unit, the priors, both releases — and even
    every other person's record. Its success at sex + 政治面貌 + 民族 must stay within 10 points of guessing
    the most common combination (ε = 0.1 per table bounds the odds at e^0.3 ≈ 1.35 × the prior's)."""
    people = people_of(small_demo)
    key = lambda p: (p.sex, p.political, p.ethnic_group)  # noqa: E731
    prior = Counter(map(key, people))
    mode = prior.most_common(1)[0][0]
    specs = {s.key: s for s in stats.table_specs()}
    rng = random.Random(14)
    hits = baseline = trials = 0
    for n in range(200):
        target = rng.choice(people)
        period = releases.period_of(date.fromisoformat(target.day), "季")
        others = [p for p in people if p is not target and period.holds(p.day)]
        # Addition: the release of the target's period is made after it registered (the one before lacks it).
        # Removal: the target's release was made while it was there and is frozen; the next release lacks it.
        # Either way exactly one of the two releases counts the target, against everyone else of its period.
        with_target = others + [target]
        for _ in range(4):
            observed, known, scales = {}, {}, {}
            for name in ATTACKED:
                spec = specs[name]
                noisy, scale = releases.noisy_counts(_cells(spec, with_target, target.unit), spec.sensitivity,
                                                     releases.EPSILON_PER_TABLE)
                observed[name], known[name], scales[name] = noisy, _cells(spec, others, target.unit), scale
            guess = _guess(observed, known, target.unit, prior, scales)
            trials += 1
            hits += guess == key(target)
            baseline += mode == key(target)
        if n % 2:  # a removal: the later release, without the target, tells nothing about it (checked here)
            later = releases.noisy_counts(_cells(specs["sex"], others, target.unit), 1, releases.EPSILON_PER_TABLE)
            assert len(later[0]) == 2
    success, prior_mode = hits / trials, baseline / trials
    print(f"differencing attack: success {success:.3f}, prior-mode guess {prior_mode:.3f}, trials {trials}")
    assert success <= prior_mode + 0.10


# ---------------------------------------------------------------------------------------------
# Demo options for small and skewed demos

def test_demo_unit_counts_and_registration_spread(small_demo: Path) -> None:
    people = people_of(small_demo)
    per_unit = Counter(p.unit for p in people)
    assert (per_unit["taiyuan"], per_unit["datong"], per_unit["yangquan"], len(people)) == (1, 2, 9, 400)
    days = sorted(p.day for p in people)
    assert days[0] >= "2014-10-08" and days[-1] <= "2026-06-30"
    assert {d[:4] for d in days} >= {"2015", "2020", "2025"}


def test_demo_options_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    assert cli.main(["demo-data", "--root", str(PROJECT), "--out", str(out), "--count", "5",
                     "--unit-count", "taiyuan=3", "--registered-until", "2020-01-01"]) == 0
    assert len(list((out / "data/volunteers/taiyuan").glob("*.yaml"))) == 3
    assert cli.main(["demo-data", "--root", str(PROJECT), "--out", str(tmp_path / "e"), "--unit-count", "x"]) == 2
    assert cli.main(["demo-data", "--root", str(PROJECT), "--out", str(tmp_path / "f"),
                     "--unit-count", "nowhere=3"]) == 2
    assert "没有单位" in capsys.readouterr().err
