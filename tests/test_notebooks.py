"""Every analyst notebook executes on the demo data (a notebook that breaks fails CI).

The notebooks are kept as jupytext percent files (``notebooks/*.py``): no outputs in git. Here
each is converted and executed with nbclient in a fresh kernel whose project root
(``CIRKEL_ROOT``) is a temporary folder holding the demo's clean data and indicators.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(ROOT / "config", root / "config")
    (root / "params.yaml").write_text(
        (ROOT / "params.yaml").read_text().replace("raw_dir: data/demo", f"raw_dir: {ROOT / 'data' / 'demo'}")
    )
    env = dict(os.environ, CIRKEL_ROOT=str(root))
    env.pop("CIRKEL_PSEUDONYM_KEY", None)
    env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(root / "none.key")
    for stage in ["ingest", "indicators"]:
        subprocess.run([sys.executable, "-m", "pipeline", stage], cwd=root, env=env, check=True, capture_output=True)
    return root


def test_there_are_at_least_three_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, project, monkeypatch):
    import jupytext
    from nbclient import NotebookClient

    monkeypatch.setenv("CIRKEL_ROOT", str(project))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = jupytext.read(path)
    assert not any(cell.get("outputs") for cell in notebook.cells), "outputs belong out of git"
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(project)}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
