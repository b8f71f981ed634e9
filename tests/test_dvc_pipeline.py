"""The DVC pipeline end to end, in a temporary copy of the repository.

`dvc repro` on a fresh copy runs every stage; a second `dvc repro` runs nothing; a change of
`peildatum` shows up in `dvc metrics diff`; the demo's identifiers occur in no output byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line and (ROOT / line).exists()]


def _run(args: list[str], cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(cwd))
    env.pop("CIRKEL_ROOT", None)
    env.pop("CIRKEL_PSEUDONYM_KEY", None)
    env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(cwd / "no-such.key")  # the demo folder's own key is used
    env.update(env_extra or {})
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A copy of the working tree (tracked and new files, not ignored ones) as a fresh git repo."""
    dest = tmp_path_factory.mktemp("repo")
    for rel in _tracked_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    for generated in [
        "data/clean",
        "data/indicators/tables",
        "report/figures",
        "report/report.qmd",
        "report/report.html",
        "report/report.pdf",
    ]:
        shutil.rmtree(dest / generated, ignore_errors=True) if (dest / generated).is_dir() else (dest / generated).unlink(
            missing_ok=True
        )
    (dest / "dvc.lock").unlink(missing_ok=True)
    _run(["git", "init", "-q"], dest)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "add", "-A"], dest)
    _run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", "commit", "-qm", "copy"], dest)
    _run(["dvc", "repro"], dest)
    return dest


def test_repro_runs_every_stage_and_writes_outputs(repo):
    for rel in [
        "data/clean/cases.parquet",
        "data/clean/data_quality.csv",
        "data/clean/flow.csv",
        "data/clean/cases.sav",
        "data/indicators/kerncijfers.json",
    ]:
        assert (repo / rel).is_file(), rel
    kerncijfers = json.loads((repo / "data/indicators/kerncijfers.json").read_text())
    assert kerncijfers["flow"]["cases_analysed"] > 0
    html = (repo / "report/report.html").read_text(encoding="utf-8")
    for n in range(1, 5):
        assert f"Figuur {n}:" in html, n
    for n in range(2, 19):
        assert f"Tabel {n}:" in html, n
    assert html.count('alt="') >= 4 and "data:image/svg+xml" in html  # self-contained, with alt texts
    from pypdf import PdfReader

    from pipeline.fmt import fmt_int, fmt_number

    pdf_text = " ".join(p.extract_text() for p in PdfReader(repo / "report/report.pdf").pages)
    assert f"{fmt_int(kerncijfers['flow']['cases_analysed'])} casussen" in pdf_text
    assert f"gemiddeld {fmt_number(kerncijfers['lead_time_days']['mean'], 0)} dagen" in pdf_text
    assert f"rapportcijfer {fmt_number(kerncijfers['survey']['grade_mean'])}" in pdf_text


def test_second_repro_runs_nothing(repo):
    done = _run(["dvc", "repro"], repo)
    assert "Running stage" not in done.stdout, done.stdout
    status = _run(["dvc", "status"], repo)
    assert "up to date" in status.stdout.lower() or status.stdout.strip() == "", status.stdout


def test_no_demo_identifier_in_any_output_byte(repo):
    sys.path.insert(0, str(repo))
    from pipeline.demo import write_demo_export  # the generator tells what it planted

    regenerated = write_demo_export(repo.parent / "demo-again", **_demo_args(repo))
    identifiers = {i for i in regenerated.identifiers if len(i) >= 4}
    assert identifiers
    outputs = [p for d in ["data/clean", "data/indicators", "report"] for p in (repo / d).rglob("*") if p.is_file()]
    outputs += [repo / "dvc.lock"]
    assert outputs
    for path in outputs:
        if path.suffix in {".j2", ".md"} and "report" in path.parts and "figures" not in path.parts and path.name != "report.qmd":
            continue  # templates and narrative text are written by people, not from the data
        data = path.read_bytes()
        text = data.decode("utf-8", errors="ignore").casefold()
        for identifier in identifiers:
            assert identifier.encode("utf-8") not in data, f"{identifier!r} in {path}"
            assert identifier.casefold() not in text, f"{identifier!r} in {path}"
    from pypdf import PdfReader

    pdf_text = " ".join(p.extract_text() for p in PdfReader(repo / "report/report.pdf").pages).casefold()
    for identifier in identifiers:
        assert identifier.casefold() not in pdf_text, f"{identifier!r} in report.pdf"
    for path in (repo / "data/clean").glob("*.parquet"):  # parquet may compress text: check the values too
        import pandas as pd

        frame = pd.read_parquet(path)
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                values = " ".join(frame[column].dropna().astype(str)).casefold()
                for identifier in identifiers:
                    assert identifier.casefold() not in values, f"{identifier!r} in {path.name}:{column}"


def _demo_args(repo: Path) -> dict:
    meta = json.loads((repo / "data/demo/demo.json").read_text())
    return {"seed": meta["seed"], "years": meta["years"], "scale": meta["scale"]}


def test_peildatum_change_shows_in_metrics_diff(repo):
    """Last in this module: it changes params.yaml of the copy. An earlier peildatum analyses fewer cases."""
    import re

    params = repo / "params.yaml"
    text = params.read_text()
    params.write_text(re.sub(r'peildatum: "[^"]+"', 'peildatum: "2020-07-01"', text))
    _run(["dvc", "repro"], repo)
    diff = json.loads(_run(["dvc", "metrics", "diff", "--json"], repo).stdout)
    changes = diff["data/indicators/kerncijfers.json"]
    assert changes["flow.cases_analysed"]["new"] < changes["flow.cases_analysed"]["old"]
    assert "cases.running" in changes
