"""The SPSS hand-off (stage `spss`): every clean table as .sav, read back with pyreadstat with every label intact."""

from __future__ import annotations

import pyreadstat
import pytest
from test_indicators import PEIL, write_export

from pipeline.codebook import load_codebook
from pipeline.spss import FORM_TABLES, case_variables, form_variables
from pipeline.stages import run_ingest, run_spss

CB = load_codebook()


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory, test_key):
    root = tmp_path_factory.mktemp("spss")
    with test_key(root):
        result = run_ingest(write_export(root / "raw"), PEIL, root / "clean")
        run_spss(PEIL, root / "clean", root / "spss")
    return root / "spss", result


@pytest.mark.parametrize("table", ["cases", *FORM_TABLES])
def test_round_trip_keeps_every_variable_and_value_label(clean_dir, table):
    folder, result = clean_dir
    frame, meta = pyreadstat.read_sav(str(folder / f"{table}.sav"))
    source = getattr(result.clean, table)
    assert list(frame.columns) == list(source.columns)
    assert len(frame) == len(source)
    variables = case_variables(CB) if table == "cases" else form_variables(FORM_TABLES[table], CB)
    labels = meta.column_names_to_labels
    for column in source.columns:
        variable = variables[column]
        assert labels[column] == variable.label, column
        if variable.type == "yes_no":
            assert meta.variable_value_labels[column] == {0.0: CB.yes_no_sav_codes[0], 1.0: CB.yes_no_sav_codes[1]}, column
        elif variable.type == "code":
            expected = {float(i + 1): CB.label(variable.code_list, c) for i, c in enumerate(CB.codes(variable.code_list))}
            assert meta.variable_value_labels[column] == expected, column
        else:
            assert column not in meta.variable_value_labels, column


# What an SPSS user expects of each kind of variable (issue: everything was Nominal F8.2).
EXPECTED_LEVEL_AND_FORMAT = {
    "cases": {
        "team": ("nominal", "F2.0"),
        "analysed": ("nominal", "F1.0"),
        "start_year": ("ordinal", "F4.0"),
        "lead_time_days": ("scale", "F8.0"),
        "expert_duration_days": ("scale", "F8.0"),
        "age": ("scale", "F8.0"),
        "n_contact_forms": ("scale", "F8.0"),
        "expert_start": ("scale", "DATE11"),
        "case_id": ("nominal", None),
    },
    "contact_forms": {
        "hours": ("scale", "F8.2"),
        "contact_type": ("nominal", "F2.0"),
        "org_police": ("nominal", "F1.0"),
        "network_n": ("scale", "F8.0"),
        "source_row": ("scale", "F8.0"),
        "date": ("scale", "DATE11"),
    },
    "start_forms": {"safety_client": ("scale", "F2.0"), "n_children": ("scale", "F8.0"), "sex": ("nominal", "F2.0")},
    "client_survey": {"grade": ("scale", "F8.0"), "click": ("nominal", "F1.0")},
}


@pytest.mark.parametrize("table", list(EXPECTED_LEVEL_AND_FORMAT))
def test_measurement_levels_and_formats_suit_each_kind_of_variable(clean_dir, table):
    folder, _ = clean_dir
    _, meta = pyreadstat.read_sav(str(folder / f"{table}.sav"))
    for column, (level, display) in EXPECTED_LEVEL_AND_FORMAT[table].items():
        assert meta.variable_measure[column] == level, column
        if display is not None:
            assert meta.original_variable_types[column] == display, column
        else:
            assert meta.original_variable_types[column].startswith("A"), column
    assert "unknown" not in meta.variable_measure.values()


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


def test_the_header_stamp_is_the_peildatum_and_patched_in_place(clean_dir, tmp_path):
    """The creation stamp is set from peildatum (a rerun writes the same bytes); the file is
    patched in place, and gives the bytes that stamping it in memory gives."""
    from pipeline.spss import stamp_sav_file, stamp_sav_header

    folder, _ = clean_dir
    original = (folder / "cases.sav").read_bytes()
    assert original[92:109] == PEIL.strftime("%d %b %y").encode() + b"00:00:00"
    copy = tmp_path / "copy.sav"
    copy.write_bytes(original[:92] + b"01 Jan 99" + b"12:34:56" + original[109:])
    stamp_sav_file(copy, PEIL)
    assert copy.read_bytes() == original == stamp_sav_header(copy.read_bytes(), PEIL)
    short = tmp_path / "short.sav"
    short.write_bytes(b"$FL2")
    stamp_sav_file(short, PEIL)  # too short to be a .sav: left alone
    assert short.read_bytes() == b"$FL2"


def test_text_as_python_strings_writes_the_same_bytes(clean_dir, tmp_path):
    """The case table's text columns go to pyreadstat as Python strings (faster); the file is the
    same, byte for byte, as with Arrow-backed strings."""
    import pandas as pd

    from pipeline.spss import write_sav

    spss_dir, _ = clean_dir
    cases = pd.read_parquet(spss_dir.parent / "clean" / "cases.parquet")
    assert len(cases) and any(str(dtype) in ("str", "string") for dtype in cases.dtypes)
    codebook = load_codebook()
    written = {}
    for python_strings in (False, True):
        path = tmp_path / f"cases_{python_strings}.sav"
        write_sav(cases, path, case_variables(codebook), codebook, PEIL, "label", python_strings=python_strings)
        written[python_strings] = path.read_bytes()
    assert written[True] == written[False]
