"""The demo generator: deterministic, every format, the planted mess lands where the contract says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.demo import parse_years, write_demo_export
from pipeline.ingest import process_exports

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"


def test_parse_years():
    assert parse_years("2018-2020") == [2018, 2019, 2020]
    assert parse_years("2021, 2019") == [2019, 2021]
    with pytest.raises(ValueError):
        parse_years("twintig")
    with pytest.raises(ValueError):
        parse_years("2020-2018")


def test_committed_demo_folder_is_what_the_generator_writes(tmp_path):
    meta = json.loads((DEMO / "demo.json").read_text())
    summary = write_demo_export(tmp_path / "demo", seed=meta["seed"], years=meta["years"], scale=meta["scale"])
    written = sorted(p.relative_to(tmp_path / "demo").as_posix() for p in (tmp_path / "demo").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*") if p.is_file())
    assert written == committed == summary.files
    for rel in written:
        assert (tmp_path / "demo" / rel).read_bytes() == (DEMO / rel).read_bytes(), f"{rel} differs: regenerate data/demo"


def test_every_format_and_the_planted_problems(tmp_path):
    summary = write_demo_export(tmp_path / "d", seed=7, years=[2018, 2019, 2020, 2021], scale=0.5)
    suffixes = {Path(f).suffix for f in summary.files}
    assert {".xlsx", ".csv", ".sav"} <= suffixes
    raw = [(tmp_path / "d" / f).read_bytes() for f in summary.files if f.endswith(".csv")]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw) and any(not b.startswith(b"\xef\xbb\xbf") for b in raw)
    assert any(_not_utf8(b) for b in raw), "one csv is cp1252"
    processed = process_exports(tmp_path / "d", __import__("datetime").date(2022, 1, 1))
    rules = set(processed.data_quality["rule"])
    assert {
        "duplicate_row",
        "unknown_case",
        "after_peildatum",
        "second_form",
        "invalid_date",
        "safety_out_of_range",
        "end_before_start",
        "expert_before_professional",
    } <= rules
    assert summary.identifiers and summary.n_cases > 20


def test_scale_multiplies_cases(tmp_path):
    small = write_demo_export(tmp_path / "s", seed=1, years=[2019, 2020], scale=0.5)
    large = write_demo_export(tmp_path / "l", seed=1, years=[2019, 2020], scale=2.0)
    assert large.n_cases > 3 * small.n_cases


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
