"""CI definitions are valid for their hosts (offline schemas shipped with check-jsonschema) and call the gate."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT

CHECK = Path(sys.executable).parent / "check-jsonschema"


@pytest.mark.parametrize("rel, schema", [(".github/workflows/validate.yml", "vendor.github-workflows"),
                                         (".gitlab-ci.yml", "vendor.gitlab-ci")])
def test_workflow_matches_its_schema(rel: str, schema: str) -> None:
    done = subprocess.run([CHECK, "--builtin-schema", schema, PROJECT / rel], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_github_workflow_is_read_only_and_runs_the_gate() -> None:
    text = (PROJECT / ".github/workflows/validate.yml").read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    assert flow[True] == {"pull_request": {"branches": ["main"]}}  # "on" is a YAML 1.1 boolean
    assert flow["permissions"] == {"contents": "read"}
    steps = flow["jobs"]["validate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert ".venv" in cache["with"]["path"] and ".cache/pingan" in cache["with"]["path"]
    assert "requirements/runtime.txt" in cache["with"]["key"] and "pyproject.toml" in cache["with"]["key"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs[0] == "make venv"
    assert 'pingan validate --changed-since "origin/$BASE_REF" --author "$PR_AUTHOR" --format github' in runs[1]


def test_gitlab_pipeline_reports_code_quality() -> None:
    ci = yaml.safe_load((PROJECT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert {"validate", "build", "deploy"} <= set(ci["stages"])
    job = ci["validate:merge-request"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert any("--format codeclimate" in line and "--changed-since" in line for line in job["script"])


def test_pre_commit_hooks_call_pingan_validate() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["entry"] == "pingan validate" and hooks[0]["files"] == "^data/"
    assert config["repos"][0]["hooks"][0]["entry"].endswith("pingan validate")
