"""The ingest stage as a whole: CLI, atomic outputs, flow reconciliation, privacy, SPSS."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pandas as pd
import pyreadstat
from exportkit import CONTACT_HEADERS, contact_row, minimal_export, write_table

from pipeline.pseudonym import ENV_KEY, ENV_KEY_FILE
from pipeline.stages import run_ingest

PEIL = dt.date(2021, 1, 1)
KEY = "k" * 40


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env)


def test_cli_ingest_writes_clean_tables_and_reconciles_flow(tmp_path, keyed):
    raw = minimal_export(tmp_path / "raw")
    out = tmp_path / "clean"
    done = run_cli("ingest", "--raw-dir", str(raw), "--peildatum", "2021-01-01", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "[pipeline" in done.stderr  # progress lines on stderr
    for name in [
        "cases.parquet",
        "start_forms.parquet",
        "contact_forms.parquet",
        "end_forms.parquet",
        "client_survey.parquet",
        "noncase_contacts.parquet",
        "cases.sav",
        "data_quality.csv",
        "flow.csv",
        "manifest.json",
    ]:
        assert (out / name).is_file(), name
    flow = pd.read_csv(out / "flow.csv")
    parts = flow[["kept", "excluded", "duplicate_row", "unknown_case", "after_peildatum", "second_form"]].sum(axis=1)
    assert (flow["rows_read"] == parts).all()
    # casuslijst: 3 cases; CIR-0001 and CIR-0002 have forms (analysed), CIR-0003 has none.
    assert flow.set_index("file").loc["casuslijst.xlsx", ["rows_read", "kept", "excluded"]].tolist() == [3, 2, 1]
    cases = pd.read_parquet(out / "cases.parquet")
    assert sorted(cases["status"]) == ["analysed", "analysed", "no_registration"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == {
        "casuslijst.xlsx",
        "2019/startformulier.csv",
        "2019/contactformulier.csv",
        "2019/eindformulier.csv",
    }


def test_structural_problem_exits_nonzero_with_file_row_column_and_keeps_outputs(tmp_path, keyed):
    raw = minimal_export(tmp_path / "raw")
    out = tmp_path / "clean"
    assert run_cli("ingest", "--raw-dir", str(raw), "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_table(raw / "2019" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0001", kind="Duif")])
    done = run_cli("ingest", "--raw-dir", str(raw), "--out", str(out))
    assert done.returncode == 1
    assert "2019/contactformulier.csv" in done.stderr and "rij 2" in done.stderr and "Soort contact" in done.stderr
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".clean")]  # no staging left behind


def test_no_key_on_real_data_stops_with_instructions(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    raw = minimal_export(tmp_path / "raw")
    done = run_cli(
        "ingest", "--raw-dir", str(raw), "--out", str(tmp_path / "clean"), env_extra={ENV_KEY_FILE: str(tmp_path / "none.key")}
    )
    assert done.returncode == 2
    assert "make-key" in done.stderr and ENV_KEY in done.stderr
    assert not (tmp_path / "clean").exists()


def test_validate_reads_without_writing(tmp_path):
    raw = minimal_export(tmp_path / "raw")
    before = sorted(p for p in raw.rglob("*"))
    done = run_cli("validate", str(raw), "--peildatum", "2021-01-01")
    assert done.returncode == 0, done.stderr
    assert "Geen structurele problemen" in done.stdout and "2019/startformulier.csv" in done.stdout
    assert sorted(p for p in raw.rglob("*")) == before
    write_table(raw / "2019" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0001", kind="Duif")])
    done = run_cli("validate", str(raw))
    assert done.returncode == 1 and "STRUCTURELE PROBLEMEN (1)" in done.stdout
    assert "bestand 2019/contactformulier.csv, rij 2, kolom 'Soort contact'" in done.stdout


def test_spss_case_table_round_trip_keeps_labels(tmp_path, keyed):
    raw = minimal_export(tmp_path / "raw")
    run_ingest(raw, PEIL, tmp_path / "clean")
    frame, meta = pyreadstat.read_sav(str(tmp_path / "clean" / "cases.sav"))
    labels = meta.column_names_to_labels
    assert labels["team"] == "Team (afkomst casus)" and labels["lead_time_days"] == "Dagen tot inzet ervaringsdeskundige"
    assert meta.variable_value_labels["target"] == {1.0: "Slachtoffer", 2.0: "Pleger"}
    assert meta.variable_value_labels["status"][1.0] == "Geanalyseerd"
    assert meta.original_variable_types["expert_start"].startswith("DATE")
    assert frame.shape[0] == 3
    again = tmp_path / "again"
    run_ingest(raw, PEIL, again)
    assert (again / "cases.sav").read_bytes() == (tmp_path / "clean" / "cases.sav").read_bytes()
    for name in ["cases.parquet", "contact_forms.parquet", "data_quality.csv", "flow.csv"]:
        assert (again / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name


def test_pseudonyms_are_stable_across_runs_and_change_with_the_key(tmp_path, monkeypatch, keyed):
    raw = minimal_export(tmp_path / "raw")
    first = run_ingest(raw, PEIL, tmp_path / "a").clean.cases["case_id"].tolist()
    assert run_ingest(raw, PEIL, tmp_path / "b").clean.cases["case_id"].tolist() == first
    monkeypatch.setenv(ENV_KEY, "z" * 40)
    other = run_ingest(raw, PEIL, tmp_path / "c").clean.cases["case_id"].tolist()
    assert not set(other) & set(first)


def test_free_text_is_redacted_in_clean_tables(tmp_path, keyed):
    raw = minimal_export(tmp_path / "raw")
    write_table(
        raw / "2019" / "contactformulier.csv",
        CONTACT_HEADERS,
        [contact_row("CIR-0001", note="Zoë belde met Piet Bakker via 06-98765432 en zoe@example.nl, 4811 AB")],
    )
    run_ingest(raw, PEIL, tmp_path / "clean")
    note = pd.read_parquet(tmp_path / "clean" / "contact_forms.parquet")["note_text"].iloc[0]
    assert note == "[naam] belde met [naam] via [telefoon] en [e-mail], [postcode]"


def test_worker_processes_give_the_same_clean_data(tmp_path, keyed):
    """Parsing in worker processes (large exports) writes byte-identical outputs."""
    from pipeline.demo import write_demo_export

    raw = tmp_path / "raw"
    write_demo_export(raw, seed=7, years=[2019, 2020], scale=0.3)
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"clean{workers}"
        done = run_cli("ingest", "--raw-dir", str(raw), "--out", str(out), env_extra={"CIRKEL_WORKERS": workers})
        assert done.returncode == 0, done.stderr
        outputs[workers] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert outputs["1"].keys() == outputs["2"].keys()
    assert outputs["1"] == outputs["2"]


def test_structural_problem_in_a_worker_names_the_first_file_in_order(tmp_path, keyed):
    """With workers, the message is that of the first broken file in export order, as without."""
    raw = minimal_export(tmp_path / "raw")
    write_table(raw / "2019" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0001", kind="Duif")])
    write_table(raw / "2020" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0002", kind="Valk")])
    messages = set()
    for workers in ("1", "2"):
        done = run_cli("ingest", "--raw-dir", str(raw), "--out", str(tmp_path / "clean"), env_extra={"CIRKEL_WORKERS": workers})
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        messages.add(done.stderr.strip().splitlines()[-1])
    assert len(messages) == 1
    (message,) = messages
    assert "2019/contactformulier.csv" in message and "rij 2" in message and "Soort contact" in message
    # validate goes on past it: both broken files are named, in the same order with or without workers
    outputs = {run_cli("validate", str(raw), env_extra={"CIRKEL_WORKERS": w}).stdout for w in ("1", "2")}
    assert len(outputs) == 1
    (output,) = outputs
    assert output.index("2019/contactformulier.csv, rij 2") < output.index("2020/contactformulier.csv, rij 2")


def test_files_outside_the_contract_are_listed_and_misnamed_exports_stop(tmp_path):
    """Files that are no export are listed, not read; a year folder or a form file that may hold
    data under a name the contract does not read stops the run (validate names each)."""
    raw = minimal_export(tmp_path / "raw")
    write_table(raw / "2019" / "contactformulieren.csv", CONTACT_HEADERS, [contact_row("CIR-0001")])
    (raw / "archief").mkdir()
    (raw / "2019" / "~$eindformulier.xlsx").write_bytes(b"lock")
    (raw / "2019" / "notities.txt").write_text("x")
    done = run_cli("validate", str(raw))
    assert done.returncode == 0, done.stdout
    for line in [
        "  2019/contactformulieren.csv (geen formulier van het exportcontract)",
        "  archief/ (geen jaarmap (jjjj))",
        "  2019/~$eindformulier.xlsx (Excel-vergrendelingsbestand)",
        "  2019/notities.txt (geen formulier",
    ]:
        assert line in done.stdout, line
    assert "] gelezen: 2019/contactformulieren.csv" not in done.stderr
    (raw / "2019" / "eindformulier.csv").rename(raw / "2019" / "eindformulier.txt")
    (raw / "2019").rename(raw / "2019 (kopie)")
    done = run_cli("validate", str(raw))
    assert done.returncode == 1
    assert "map 2019 (kopie)/: de mapnaam begint met een jaar" in done.stdout and "Hernoem de map naar 2019" in done.stdout
    (raw / "2019 (kopie)").rename(raw / "2019")
    done = run_cli("validate", str(raw))
    assert "bestand 2019/eindformulier.txt: dit bestand heet als het eindformulier" in done.stdout
    assert done.returncode == 1


def test_indicators_command_on_a_clean_folder_outside_the_project(tmp_path, keyed):
    """ingest --out X, then indicators --clean-dir X --out Y: the key figures of that export."""
    raw = minimal_export(tmp_path / "raw")
    clean, out = tmp_path / "clean", tmp_path / "indicators"
    assert run_cli("ingest", "--raw-dir", str(raw), "--peildatum", "2021-01-01", "--out", str(clean)).returncode == 0
    done = run_cli("indicators", "--clean-dir", str(clean), "--peildatum", "2021-01-01", "--out", str(out))
    assert done.returncode == 0, done.stderr
    figures = json.loads((out / "kerncijfers.json").read_text(encoding="utf-8"))
    assert figures["flow"]["cases_listed"] == 3
    assert figures["flow"]["cases_analysed"] == 2
    assert figures["forms"]["contact"] == 2
    assert (out / "tables" / "flow.csv").is_file()
    missing = run_cli("indicators", "--clean-dir", str(tmp_path / "nothing"), "--out", str(tmp_path / "other"))
    assert missing.returncode == 2 and "ingest" in missing.stderr and "Traceback" not in missing.stderr
