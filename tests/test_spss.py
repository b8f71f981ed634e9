"""The SPSS hand-off (stage `spss`): every clean table as .sav, read back with pyreadstat with every label intact."""

from __future__ import annotations

import pyreadstat
import pytest

from pipeline.codebook import load_codebook
from pipeline.pseudonym import ENV_KEY, ENV_KEY_FILE
from pipeline.spss import CASE_VARIABLES, FORM_TABLES, form_variables
from pipeline.stages import run_ingest, run_spss
from test_indicators import PEIL, write_export

CB = load_codebook()


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("spss")
    mp.setenv(ENV_KEY, "s" * 40)
    mp.setenv(ENV_KEY_FILE, str(root / "none.key"))
    try:
        result = run_ingest(write_export(root / "raw"), PEIL, root / "clean")
        run_spss(PEIL, root / "clean", root / "spss")
        return root / "spss", result
    finally:
        mp.undo()


@pytest.mark.parametrize("table", ["cases", *FORM_TABLES])
def test_round_trip_keeps_every_variable_and_value_label(clean_dir, table):
    folder, result = clean_dir
    frame, meta = pyreadstat.read_sav(str(folder / f"{table}.sav"))
    source = getattr(result.clean, table)
    assert list(frame.columns) == list(source.columns)
    assert len(frame) == len(source)
    variables = CASE_VARIABLES if table == "cases" else form_variables(FORM_TABLES[table], CB)
    labels = meta.column_names_to_labels
    for column in source.columns:
        label, value_source = variables[column]
        assert labels[column] == label, column
        if value_source == "bool":
            assert meta.variable_value_labels[column] == {0.0: "Nee", 1.0: "Ja"}, column
        elif value_source not in (None, "status"):
            expected = {float(i + 1): CB.label(value_source, c) for i, c in enumerate(CB.codes(value_source))}
            assert meta.variable_value_labels[column] == expected, column


def test_codes_read_back_as_their_dutch_labels(clean_dir):
    folder, _ = clean_dir
    frame, _ = pyreadstat.read_sav(str(folder / "cases.sav"), apply_value_formats=True)
    assert set(frame["target"].dropna()) == {"Slachtoffer", "Pleger"}
    starts, _ = pyreadstat.read_sav(str(folder / "start_forms.sav"), apply_value_formats=True)
    assert set(starts["sex"].dropna()) <= {"Vrouw", "Man", "Anders"}
    assert "Ja" in set(starts["problem_domestic_violence"])


def test_no_identifier_in_any_sav(clean_dir):
    folder, _ = clean_dir
    for path in folder.glob("*.sav"):
        data = path.read_bytes()
        for identifier in [b"CIR-0", b"Anna Jansen", b"Bram Vos", "Zoë".encode(), b"1980"]:
            assert identifier not in data, (identifier, path.name)
