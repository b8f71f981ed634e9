"""The ingest stage on messy variants of the demo export (see ``messy_exports.py``).

Every variant is built once per session (in a temporary folder) and run through the pipeline in
process. Harmless variants must give exactly the untouched demo's key figures; stops must raise a
``StructuralError`` with a Dutch message naming file, row, column (and sheet) and leave the
outputs byte-identical; value problems must appear in ``data_quality.csv``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import messy_exports as mx
import pandas as pd
import pytest

PEIL = dt.date(2021, 1, 1)
TEST_KEY = "messy-exports-test-key-0123456789abcdefg"  # 40 characters
assert len(TEST_KEY) == 40
MIN_GROUP_N = 5
LIBRARY_WORDS = ["Traceback", "Error", "error:", "Exception", "calamine", "readstat", "pandas", "codec", "Expected", "line "]


def _set_key(mp: pytest.MonkeyPatch, missing_key_file: Path) -> None:
    mp.setenv("CIRKEL_PSEUDONYM_KEY", TEST_KEY)
    mp.setenv("CIRKEL_PSEUDONYM_KEY_FILE", str(missing_key_file))


@pytest.fixture()
def keyed(monkeypatch, tmp_path):
    _set_key(monkeypatch, tmp_path / "no-such-dir" / "pseudonym.key")


@dataclass
class Built:
    variant: mx.Variant
    raw: Path
    outcome: mx.Outcome | None
    error: str | None


@dataclass
class Baseline:
    kerncijfers: dict
    clean: Path
    indicators: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Built]:
    """Every variant, built once (a builder failure is reported by that variant's test)."""
    root = tmp_path_factory.mktemp("messy")
    out = {}
    for v in mx.VARIANTS:
        if v.name == "end_form_as_xls":
            try:
                import xlwt  # noqa: F401
            except ImportError:
                out[v.name] = Built(v, root / v.name, None, "SKIP: xlwt is not installed (pip install xlwt)")
                continue
        try:
            outcome = mx.build_variant(v, root / v.name)
            out[v.name] = Built(v, root / v.name, outcome, None)
        except Exception as exc:  # shown by the variant's own test
            import traceback

            out[v.name] = Built(v, root / v.name, None, "".join(traceback.format_exception(exc)))
    return out


@pytest.fixture(scope="session")
def baseline(tmp_path_factory) -> Baseline:
    """The untouched demo: its key figures, and the data/clean and data/indicators it writes."""
    from pipeline.indicators import compute_indicators
    from pipeline.stages import run_indicators, run_ingest

    root = tmp_path_factory.mktemp("baseline")
    raw = root / "demo"
    shutil.copytree(mx.DEMO, raw)
    with pytest.MonkeyPatch.context() as mp:
        _set_key(mp, root / "no-such-dir" / "pseudonym.key")
        clean, indicators, coding = root / "data" / "clean", root / "data" / "indicators", root / "coding"
        coding.mkdir()
        result = run_ingest(raw, PEIL, clean)
        kerncijfers = compute_indicators(
            result.clean, PEIL, min_group_n=MIN_GROUP_N, forms_unlinked=result.forms_unlinked
        ).kerncijfers
        run_indicators(PEIL, MIN_GROUP_N, clean_dir=clean, out_dir=indicators, coding_dir=coding)
    return Baseline(kerncijfers, clean, indicators)


def _params(group: str):
    return [pytest.param(v.name, id=v.name) for v in mx.VARIANTS if v.group == group]


def _get(built: dict[str, Built], name: str, kind: str) -> Built:
    b = built[name]
    if b.error and b.error.startswith("SKIP:"):
        pytest.skip(b.error[5:].strip())
    if b.error:
        pytest.fail(f"the builder of variant {name} failed (not a pipeline failure):\n{b.error}")
    assert b.outcome.kind == kind
    return b


# --------------------------------------------------------------------------- comparing key figures


def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        if not value:
            out[prefix] = {}
        return out
    if isinstance(value, (list, tuple)):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{i}]"))
        if not value:
            out[prefix] = []
        return out
    return {prefix: value}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def kerncijfers_diff(got: dict, want: dict) -> list[str]:
    g, w = _flatten(got), _flatten(want)
    lines = []
    for key in sorted(set(g) | set(w)):
        if key not in g:
            lines.append(f"{key}: missing (demo: {w[key]!r})")
        elif key not in w:
            lines.append(f"{key}: {g[key]!r} (not in the demo's figures)")
        elif not _same(g[key], w[key]):
            lines.append(f"{key}: {g[key]!r} (demo: {w[key]!r})")
    return lines


# --------------------------------------------------------------------------- data-quality report


def read_quality(out_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(out_dir / "data_quality.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["file", "row", "column", "rule", "action"], list(frame.columns)
    return frame


def check_quality(out_dir: Path, outcome: mx.Outcome) -> None:
    dq = read_quality(out_dir)
    got = {mx.Line(f, int(r), c, rule) for f, r, c, rule in zip(dq["file"], dq["row"], dq["column"], dq["rule"])}
    problems = []
    for line in outcome.lines:
        if line not in got:
            problems.append(f"missing: {line}")
    for file, rule in outcome.exact:
        want = {x for x in outcome.lines if (x.file, x.rule) == (file, rule)}
        extra = sorted((x for x in got if (x.file, x.rule) == (file, rule) and x not in want), key=lambda x: x.row)
        for x in extra[:10]:
            problems.append(f"unexpected: {x}")
        if len(extra) > 10:
            problems.append(f"... and {len(extra) - 10} more unexpected {rule} lines in {file}")
    for file, row, rule in outcome.absent:
        hits = [x for x in got if x.file == file and x.rule == rule and (row is None or x.row == row)]
        for x in hits[:5]:
            problems.append(f"must not be reported: {x}")
    if outcome.lines:
        actions = dq.loc[dq["rule"].isin({x.rule for x in outcome.lines}), "action"]
        if (actions.str.strip() == "").any():
            problems.append("a report line without an action")
    if problems:
        shown = dq[dq["file"].isin({x.file for x in outcome.lines} | {f for f, _r, _u in outcome.absent})]
        pytest.fail("data_quality.csv:\n  " + "\n  ".join(problems) + "\nreport lines of these files:\n" + shown.to_string())


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("name", _params("A"))
def test_harmless_variant_gives_the_demo_key_figures(name, built, baseline, keyed, tmp_path):
    from pipeline.indicators import compute_indicators
    from pipeline.stages import run_ingest

    b = _get(built, name, "harmless")
    result = run_ingest(b.raw, PEIL, tmp_path / "clean")
    kerncijfers = compute_indicators(
        result.clean, PEIL, min_group_n=MIN_GROUP_N, forms_unlinked=result.forms_unlinked
    ).kerncijfers
    diff = kerncijfers_diff(kerncijfers, baseline.kerncijfers)
    if diff:
        pytest.fail(f"{name}: key figures differ from the untouched demo's ({len(diff)} keys):\n  " + "\n  ".join(diff[:40]))
    check_quality(tmp_path / "clean", b.outcome)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _number_in(text: str, number: int) -> bool:
    return re.search(rf"(?<![\d/.\-]){number}(?![\d/.\-])", text) is not None


@pytest.mark.parametrize("name", _params("B"))
def test_stop_variant_raises_and_keeps_outputs(name, built, baseline, keyed, tmp_path):
    from pipeline.errors import StructuralError
    from pipeline.stages import run_ingest

    b = _get(built, name, "stop")
    o = b.outcome
    data = tmp_path / "data"
    clean, indicators = data / "clean", data / "indicators"
    shutil.copytree(baseline.clean, clean)
    shutil.copytree(baseline.indicators, indicators)
    before = {"clean": _snapshot(clean), "indicators": _snapshot(indicators)}

    with pytest.raises(StructuralError) as info:
        run_ingest(b.raw, PEIL, clean)
    exc = info.value
    message = str(exc)
    problems = []

    if isinstance(o.file, tuple):
        if exc.file not in o.file:
            problems.append(f".file is {exc.file!r}, expected one of {o.file}")
    elif o.file is not mx.ANY and exc.file != o.file:
        problems.append(f".file is {exc.file!r}, expected {o.file!r}")
    if o.row is not mx.ANY:
        allowed = o.row if isinstance(o.row, tuple) else (o.row,)
        if exc.row not in allowed:
            problems.append(f".row is {exc.row!r}, expected {' or '.join(map(repr, allowed))}")
    if o.column is not mx.ANY and exc.column != o.column:
        problems.append(f".column is {exc.column!r}, expected {o.column!r}")
    if o.sheet is not mx.ANY and getattr(exc, "sheet", None) != o.sheet:
        problems.append(f".sheet is {getattr(exc, 'sheet', '<no attribute>')!r}, expected {o.sheet!r}")
    if not getattr(exc, "detail", None):
        problems.append(".detail is empty")

    files = o.file if isinstance(o.file, tuple) else (o.file,) if o.file is not mx.ANY else ()
    if files and not any(f in message for f in files):
        problems.append(f"the message does not name the file {files}")
    if isinstance(o.row, int) and not _number_in(message, o.row):
        problems.append(f"the message does not name row {o.row}")
    if o.mentions_row is not None and not _number_in(message, o.mentions_row):
        problems.append(f"the message does not name the first row {o.mentions_row}")
    if isinstance(o.column, str) and o.column not in message:
        problems.append(f"the message does not name the column {o.column!r}")
    for text in o.mentions:
        if text not in message:
            problems.append(f"the message does not mention {text!r}")
    if o.mentions_any and not any(text in message for text in o.mentions_any):
        problems.append(f"the message names none of the values found (e.g. {o.mentions_any[0]!r})")
    for word in LIBRARY_WORDS:
        if word in message:
            problems.append(f"untranslated library text in the message: {word!r}")

    after = {"clean": _snapshot(clean), "indicators": _snapshot(indicators)}
    for part in ("clean", "indicators"):
        if after[part].keys() != before[part].keys():
            problems.append(f"data/{part}: files changed: {sorted(set(after[part]) ^ set(before[part]))}")
        elif any(after[part][k] != before[part][k] for k in before[part]):
            problems.append(f"data/{part}: bytes changed: {[k for k in before[part] if after[part][k] != before[part][k]]}")
    leftovers = sorted(p.name for p in data.iterdir() if p.name not in ("clean", "indicators"))
    if leftovers:
        problems.append(f"left behind next to data/clean: {leftovers}")
    if problems:
        pytest.fail(f"{name}:\n  " + "\n  ".join(problems) + f"\nmessage: {message}")


@pytest.mark.parametrize("name", _params("C"))
def test_value_problem_variant_is_reported(name, built, keyed, tmp_path):
    from pipeline.stages import run_ingest

    b = _get(built, name, "value")
    run_ingest(b.raw, PEIL, tmp_path / "clean")
    check_quality(tmp_path / "clean", b.outcome)


RULES = {
    "empty_row",
    "duplicate_row",
    "unknown_case",
    "after_peildatum",
    "second_form",
    "invalid_date",
    "safety_out_of_range",
    "end_before_start",
    "expert_before_professional",
}


def test_the_corpus_covers_the_contract(built):
    """At least 40 variants, and every value-problem rule of the contract has a variant of its own."""
    assert len(mx.VARIANTS) >= 40
    assert len({v.name for v in mx.VARIANTS}) == len(mx.VARIANTS)
    assert {v.group for v in mx.VARIANTS} == {"A", "B", "C"}
    assert all(v.description for v in mx.VARIANTS)
    covered = {line.rule for b in built.values() if b.outcome and b.variant.group == "C" for line in b.outcome.lines}
    assert covered == RULES
