"""The benchmark command at a tiny scale: every stage and scale in the results (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_bench_records_every_stage_and_scale(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "bench", "--scale", "0.1", "--scale", "0.2", "--pairs", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())["results"]
    seen = {(r["scale"], r["stage"]) for r in results}
    for scale in (0.1, 0.2):
        for stage in [
            "floor",
            "ingest_1_process",
            "ingest",
            "indicators",
            "figures",
            "report",
            "ingest+indicators",
            "ingest_1_process+indicators",
            "dvc repro ingest+indicators",
            "dvc repro (all stages)",
            "dvc repro (nothing to do)",
            "dvc repro ingest+indicators, median of 2 pairs",  # the first pair and one more
        ]:
            assert (scale, stage) in seen
    for r in results:
        assert r["seconds"] > 0 and r["peak_mib"] > 0 and r["rows"] > 0
    ratio = [r for r in results if r["stage"].endswith("+indicators")]
    assert len(ratio) == 6 and all(r["ratio_to_floor"] > 0 for r in ratio)
    paired = [r for r in results if r["stage"].endswith("pairs")]
    assert len(paired) == 2 and all(r["ratio_to_floor"] > 0 for r in paired)
    assert "| scale |" in done.stdout
