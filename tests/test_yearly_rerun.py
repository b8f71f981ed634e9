"""The README's yearly-rerun recipe, as written, in a temporary clone.

Recipe: put the new year's folder (and the new cumulative casuslijst) in the export folder, set
`peildatum`, run `dvc repro`; `dvc metrics diff` shows how the key figures moved and
`dvc params diff` what changed.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from test_dvc_pipeline import ROOT, _run, _tracked_files

pytestmark = pytest.mark.slow


def test_new_year_folder_rerun_and_metrics_diff(tmp_path):
    repo = tmp_path / "repo"
    for rel in _tracked_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    _run(["git", "init", "-q"], repo)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "add", "-A"], repo)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "commit", "-qm", "last year"], repo)
    _run(["dvc", "repro"], repo)  # last year's run (dvc.lock of the copy may be stale: rebuild it)
    _run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "commit", "-qam", "last year's run", "--allow-empty"],
        repo,
    )

    # the new exports: one more year folder and the new cumulative case list
    _run(["python", "-m", "pipeline", "demo-data", str(tmp_path / "new"), "--years", "2018-2021"], repo)
    shutil.copytree(tmp_path / "new" / "2021", repo / "data" / "demo" / "2021")
    shutil.copy2(tmp_path / "new" / "casuslijst.xlsx", repo / "data" / "demo" / "casuslijst.xlsx")
    params = repo / "params.yaml"
    params.write_text(re.sub(r'peildatum: "[^"]+"', 'peildatum: "2022-01-01"', params.read_text()))

    # the folder now holds exports the demo generator did not write there: real data, so a real key
    done = _run(["dvc", "repro"], repo, env_extra={"CIRKEL_PSEUDONYM_KEY": "y" * 40})
    assert "Running stage 'ingest'" in done.stdout and "Running stage 'report'" in done.stdout
    metrics = json.loads(_run(["dvc", "metrics", "diff", "--json"], repo).stdout)["data/indicators/kerncijfers.json"]
    assert "2021" in json.loads((repo / "data/indicators/kerncijfers.json").read_text())["cases"]["by_start_year"]
    assert metrics["flow.cases_listed"]["new"] != metrics["flow.cases_listed"]["old"]
    assert any(key.startswith("cases.by_start_year.2021") for key in metrics)
    changed = json.loads(_run(["dvc", "params", "diff", "--json"], repo).stdout)["params.yaml"]
    assert changed["peildatum"] == {"old": "2021-01-01", "new": "2022-01-01"}
