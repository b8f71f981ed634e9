"""The streamed ingest (the stage itself) gives what the whole-file path gives.

- On the demo export and at 30× (every file one chunk): every file of ``data/clean`` byte for byte.
- In small chunks, in this process and in worker processes: the same tables, data-quality lines,
  flow, manifest and SPSS file, also where an exact duplicate, an unknown answer or a column in a
  format that is not read spans chunks (the rules that look at a whole file).
- Property: for random contact forms with duplicates and bad cells, any chunk size gives the
  data-quality lines of the whole-file path.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pandas as pd
import pytest
from exportkit import CASELIST_HEADERS, CONTACT_HEADERS, START_HEADERS, caselist_row, contact_row, start_row, write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import stream
from pipeline.errors import StructuralError
from pipeline.stages import clean_run, run_ingest, write_clean
from pipeline.stream import ENV_CHUNK_ROWS

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
PEIL = dt.date(2021, 1, 1)
TABLES = ["cases", "start_forms", "contact_forms", "end_forms", "client_survey", "noncase_contacts"]
BYTE_FILES = ["data_quality.csv", "flow.csv", "manifest.json", "cases.sav"]


def _whole(raw: Path, out: Path, peil: dt.date = PEIL) -> Path:
    write_clean(clean_run(raw, peil), out, peil)
    return out


def _same_files(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    return [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]


def _same_content(a: Path, b: Path) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{table}.parquet"), pd.read_parquet(b / f"{table}.parquet"))
    for name in BYTE_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_the_demo_export_gives_the_same_bytes(tmp_path, keyed):
    whole = _whole(DEMO, tmp_path / "whole")
    run_ingest(DEMO, PEIL, tmp_path / "streamed")
    assert _same_files(whole, tmp_path / "streamed") == []


@pytest.mark.parametrize("chunk, workers", [("97", "1"), ("50", "2")])
def test_small_chunks_in_this_process_and_in_workers_give_the_same_data(tmp_path, keyed, monkeypatch, chunk, workers):
    whole = _whole(DEMO, tmp_path / "whole")
    monkeypatch.setenv(ENV_CHUNK_ROWS, chunk)
    monkeypatch.setenv("CIRKEL_WORKERS", workers)
    run_ingest(DEMO, PEIL, tmp_path / "streamed")
    _same_content(whole, tmp_path / "streamed")


@pytest.mark.slow
def test_a_30x_export_gives_the_same_bytes(tmp_path, keyed):
    from pipeline.demo import write_demo_export

    raw = tmp_path / "raw"
    write_demo_export(raw, scale=30)
    whole = _whole(raw, tmp_path / "whole")
    run_ingest(raw, PEIL, tmp_path / "streamed")
    assert _same_files(whole, tmp_path / "streamed") == []


def _contacts(root: Path, rows: list[list[object]]) -> Path:
    """One case, its start form, and the contact forms ``rows`` (csv: read in chunks)."""
    write_table(
        root / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [caselist_row("CIR-0001", "Zoë de Wit", exp_start=dt.date(2019, 2, 1), exp_end=dt.date(2019, 12, 1))],
    )
    write_table(root / "2019" / "startformulier.csv", START_HEADERS, [start_row("CIR-0001")])
    write_table(root / "2019" / "contactformulier.csv", CONTACT_HEADERS, rows)
    return root


def _stop_in_chunks_of_three(raw: Path, out: Path, monkeypatch, workers: str | None = None) -> str:
    """The message the streamed ingest stops with, in chunks of three rows (``workers``: their
    number); it is the whole-file path's message, and nothing is written."""
    with pytest.raises(StructuralError) as whole:
        clean_run(raw, PEIL)
    monkeypatch.setenv(ENV_CHUNK_ROWS, "3")
    if workers is not None:
        monkeypatch.setenv("CIRKEL_WORKERS", workers)
    with pytest.raises(StructuralError) as streamed:
        run_ingest(raw, PEIL, out)
    assert str(streamed.value) == str(whole.value)
    assert not out.exists()  # nothing written
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the cycle collector as it was
    return str(streamed.value)


def test_the_cycle_collector_is_left_as_it_was_found(tmp_path, keyed, monkeypatch):
    """The run turns Python's cycle collector off while it builds its large objects and freezes
    them before streaming; after the run, and after a stop before or during the streaming, the
    collector is as the caller had it and nothing stays frozen."""
    monkeypatch.setenv("CIRKEL_WORKERS", "2")
    run_ingest(DEMO, PEIL, tmp_path / "out")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "casuslijst.csv").write_bytes(b"\xff\xfeC\x00")  # UTF-16: stops before anything is streamed
    with pytest.raises(StructuralError):
        run_ingest(broken, PEIL, tmp_path / "none")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        run_ingest(DEMO, PEIL, tmp_path / "again")
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_duplicate_in_a_later_chunk_is_a_duplicate(tmp_path, keyed, monkeypatch):
    rows = [contact_row("CIR-0001", date=f"{d:02d}-03-2019", hours=1.0) for d in range(1, 11)]
    rows.append(contact_row("CIR-0001", date="02-03-2019", hours=1.0))  # the second row again, in the last chunk
    rows.append(contact_row("CIR-0001", date="2-3-2019", hours=1.0))  # the same date written otherwise: the same value
    raw = _contacts(tmp_path / "raw", rows)
    whole = _whole(raw, tmp_path / "whole")
    monkeypatch.setenv(ENV_CHUNK_ROWS, "3")
    run_ingest(raw, PEIL, tmp_path / "streamed")
    _same_content(whole, tmp_path / "streamed")
    dq = pd.read_csv(tmp_path / "streamed" / "data_quality.csv")
    duplicates = dq[(dq["file"] == "2019/contactformulier.csv") & (dq["rule"] == "duplicate_row")]
    assert duplicates["row"].tolist() == [12, 13]  # spreadsheet rows of the 11th and 12th data row


@pytest.mark.parametrize("bad, message", [("Per postduif", "staat niet in de codelijst"), (None, "grotendeels in een vorm")])
def test_whole_file_checks_over_chunks_stop_with_the_whole_files_message(tmp_path, keyed, monkeypatch, bad, message):
    if bad:  # two unknown answers, in different chunks
        rows = [contact_row("CIR-0001", date=f"{d:02d}-03-2019") for d in range(1, 9)]
        rows[2][3] = bad
        rows[6][3] = bad
    else:  # a duration column written in words: every cell fails, across every chunk
        rows = [contact_row("CIR-0001", date=f"{d:02d}-03-2019", hours="anderhalf uur") for d in range(1, 9)]
    raw = _contacts(tmp_path / "raw", rows)
    assert message in _stop_in_chunks_of_three(raw, tmp_path / "streamed", monkeypatch)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_files_streamed_side_by_side_stop_on_the_first_files_problem(tmp_path, keyed, monkeypatch, workers):
    """With workers, the next file is read while the last chunks of a file are parsed; a problem
    of each file still stops the run with the first file's message, as in one process."""
    rows = [contact_row("CIR-0001", date=f"{d:02d}-03-2019") for d in range(1, 9)]
    rows[6][3] = "Per postduif"  # 2019: an unknown answer in its last chunk
    raw = _contacts(tmp_path / "raw", rows)
    later = [contact_row("CIR-0001", date=f"{d:02d}-03-2020") for d in range(1, 9)]
    later[0][3] = "Per duif"  # 2020: another unknown answer, in its first chunk
    write_table(raw / "2020" / "contactformulier.csv", CONTACT_HEADERS, later)
    message = _stop_in_chunks_of_three(raw, tmp_path / "streamed", monkeypatch, workers)
    assert "2019/contactformulier.csv" in message and "Per postduif" in message


def test_a_year_folder_of_streamed_files_without_a_kept_row_stops_naming_only_the_rules_that_applied(tmp_path, keyed):
    raw = _contacts(tmp_path / "raw", [contact_row("CIR-0001", date="01-03-2019")])
    unknown = [contact_row("CIR-0099", date=f"{d:02d}-03-2020") for d in range(1, 5)]  # no listed case
    write_table(raw / "2020" / "contactformulier.csv", CONTACT_HEADERS, unknown)
    with pytest.raises(StructuralError) as stop:
        run_ingest(raw, PEIL, tmp_path / "out")
    message = str(stop.value)
    assert "2020" in message and "4 rijen" in message and "geen enkele rij blijft over" in message
    assert "4 × " in message and "0 × " not in message  # the one rule that applied, no empty counts
    assert not (tmp_path / "out").exists()


_DATES = st.sampled_from(["01-03-2019", "1-3-2019", "2019-03-01", "02-03-2019", "31-02-2019", "", "2-3-2019"])
_HOURS = st.sampled_from([1.0, 1.5, 2.0, "", "x"])
_TYPES = st.sampled_from(["Telefonisch", "Face to face", "WhatsApp", ""])
_KEYS = st.sampled_from(["CIR-0001", " cir-0001 ", "CIR-0099", ""])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(_KEYS, _DATES, _TYPES, _HOURS), min_size=1, max_size=14),
    chunk=st.integers(min_value=1, max_value=6),
)
def test_any_chunk_size_gives_the_whole_files_data_quality_lines(tmp_path_factory, keyed, rows, chunk):
    root = tmp_path_factory.mktemp("prop")
    table = [contact_row(k or None, date=d or None, kind=t or None, hours=h if h != "" else None) for k, d, t, h in rows]
    raw = _contacts(root / "raw", table)
    try:
        whole = _whole(raw, root / "whole")
    except StructuralError as problem:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(ENV_CHUNK_ROWS, str(chunk))
            with pytest.raises(StructuralError) as streamed:
                run_ingest(raw, PEIL, root / "streamed")
        assert str(streamed.value) == str(problem)
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_CHUNK_ROWS, str(chunk))
        run_ingest(raw, PEIL, root / "streamed")
    _same_content(whole, root / "streamed")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_record_too_wide_in_a_later_chunk_stops_with_the_whole_files_line(tmp_path, keyed, monkeypatch, workers):
    """Each worker parses its own slice of the csv file; a record with more fields than the
    header in a later slice still stops with the whole file's message and line number."""
    raw = _contacts(tmp_path / "raw", [contact_row("CIR-0001", date=f"{d:02d}-03-2019") for d in range(1, 9)])
    path = raw / "2019" / "contactformulier.csv"
    lines = path.read_bytes().split(b"\n")
    lines[7] = lines[7].rstrip(b"\r") + b";te veel;velden" + (b"\r" if lines[7].endswith(b"\r") else b"")
    path.write_bytes(b"\n".join(lines))
    message = _stop_in_chunks_of_three(raw, tmp_path / "streamed", monkeypatch, workers)
    assert "rij 8" in message  # the spreadsheet row of the wide record


_SENT_BY_REFERENCE: list = []


class _CountedTableRows(stream.TableRows):
    def __init__(self, rel: str, start: int, stop: int):
        super().__init__(rel, start, stop)
        _SENT_BY_REFERENCE.append(rel)


def test_a_workbook_read_before_the_workers_fork_is_sent_to_them_as_row_numbers(tmp_path, keyed, monkeypatch):
    """The names pass reads a streamed workbook whole; the workers fork after it and hold it, so
    its chunks go to them as row numbers (not pickled cells): the same data."""
    whole = _whole(DEMO, tmp_path / "whole")
    monkeypatch.setattr(stream, "TableRows", _CountedTableRows)
    monkeypatch.setenv(ENV_CHUNK_ROWS, "40")
    monkeypatch.setenv("CIRKEL_WORKERS", "2")
    _SENT_BY_REFERENCE.clear()
    run_ingest(DEMO, PEIL, tmp_path / "streamed")
    _same_content(whole, tmp_path / "streamed")
    assert _SENT_BY_REFERENCE and set(_SENT_BY_REFERENCE) <= {"2018/contactformulier.xlsx", "2018/clientervaring.xlsx"}


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=60),
    subject=st.lists(st.booleans(), min_size=60, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=5),
)
def test_duplicates_over_chunks_are_the_rows_whose_whole_fingerprint_came_before(pairs, subject, cuts):
    """Rule ``duplicate_row`` over chunks: a row (not empty) is a duplicate when a row before it,
    in its chunk or an earlier one, has the same 128-bit fingerprint; few values, so that first
    halves often match with other second halves."""
    import numpy as np

    fingerprint = np.array(pairs, dtype=np.uint64).reshape(-1, 2)
    subject_rows = np.array(subject[: len(pairs)], dtype=bool)
    expected, seen = [], set()
    for row, is_subject in zip(pairs, subject_rows):
        expected.append(bool(is_subject) and row in seen)
        if is_subject:
            seen.add(row)
    state = stream._FileState()
    found: list[bool] = []
    bounds = sorted({0, len(pairs), *[c for c in cuts if c <= len(pairs)]})
    for start, stop in zip(bounds, bounds[1:]):
        found += stream._duplicates(fingerprint[start:stop], subject_rows[start:stop], state).tolist()
    assert found == expected


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_task_in_the_background_gives_its_result_or_its_error(monkeypatch, workers):
    """``in_background``: the task's result (computed in a forked worker, or here when it is asked
    for with one worker or when not enabled), and its error raised where the result is asked for."""
    import os

    from pipeline.parallel import in_background

    monkeypatch.setenv("CIRKEL_WORKERS", workers)
    here = os.getpid()
    result = in_background(lambda: (os.getpid(), [1, 2, 3]))
    pid, value = result()
    assert value == [1, 2, 3] and (pid != here) == (workers == "2")
    assert in_background(lambda: os.getpid(), enabled=False)() == here

    def broken() -> int:
        raise ValueError("kapot")

    failing = in_background(broken)
    with pytest.raises(ValueError, match="kapot"):
        failing()


def test_a_task_in_the_background_stops_when_closed(monkeypatch):
    """After an error elsewhere nobody asks for the result: ``close`` stops the worker at once
    (the run does not wait for it at exit)."""
    import time

    from pipeline.parallel import in_background

    monkeypatch.setenv("CIRKEL_WORKERS", "2")
    task = in_background(lambda: time.sleep(30))
    processes = list(task._pool._processes.values())
    started = time.monotonic()
    task.close()
    assert time.monotonic() - started < 10
    assert all(not p.is_alive() for p in processes)
    task.close()  # twice is harmless
