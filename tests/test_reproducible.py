"""A fresh clone's run, as a new user makes it.

`dvc repro` runs through `.venv/bin/dvc` without an activated virtualenv and without the venv on
PATH (the stages find the project's Python through `bin/cirkel`); afterwards `git status` is clean
(the committed `dvc.lock` and key figures are exactly what the run writes: nothing in the outputs
depends on the day, the machine or the git state); and `dvc repro -f` writes the same report bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_dvc_pipeline import ROOT, _run, _tracked_files

pytestmark = pytest.mark.slow
VENV = Path(sys.prefix)


def _bare_env(repo: Path) -> dict:
    """No virtualenv activated, no venv on PATH, no key but the demo folder's own."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CIRKEL_ROOT", "CIRKEL_PSEUDONYM_KEY", "PYTHONPATH"}}
    env["PATH"] = "/usr/bin:/bin"
    env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(repo / "no-such.key")
    return env


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The working tree as a fresh clone would be: tracked files (with the committed dvc.lock), one commit, and the
    project's virtualenv at .venv (as `make` leaves it)."""
    repo = tmp_path_factory.mktemp("clone")
    for rel in _tracked_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    _run(["git", "init", "-q"], repo)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "add", "-A"], repo)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "commit", "-qm", "clone"], repo)
    (repo / ".venv").symlink_to(VENV)  # after the commit: git would track a symlink
    done = subprocess.run(
        [str(repo / ".venv" / "bin" / "dvc"), "repro"], cwd=repo, env=_bare_env(repo), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


def test_repro_without_an_activated_venv_runs_every_stage(clone):
    for rel in ["data/clean/cases.parquet", "data/indicators/kerncijfers.json", "report/report.html", "report/report.pdf"]:
        assert (clone / rel).is_file(), rel


def test_a_fresh_clones_run_leaves_git_status_clean(clone):
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True).stdout
    assert status == "", (
        f"the run changed tracked files (is the committed dvc.lock current? run `make report` and commit):\n{status}"
    )


def test_forced_rerun_gives_byte_identical_report(clone):
    files = ["report/report.qmd", "report/report.html", "report/report.pdf"]
    before = {rel: _digest(clone / rel) for rel in files}
    done = subprocess.run(
        [str(clone / ".venv" / "bin" / "dvc"), "repro", "-f", "report"],
        cwd=clone,
        env=_bare_env(clone),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert {rel: _digest(clone / rel) for rel in files} == before
