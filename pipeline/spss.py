"""SPSS hand-off: clean tables as ``.sav`` with Dutch labels, measurement levels and formats.

Everything an SPSS user sees comes from the codebook (its ``spss`` section and the form columns):
the variable labels, the value labels (a code list's labels; yes/no as 1/0 with the labels of the
codebook's ``yes_no_sav_codes``), the measurement level (nominal codes and yes/no, ordinal years,
scale counts, days, ages, hours and scores) and the display format (``F8.0`` for whole numbers,
``DATE11`` for dates). Codes are written as numbers with value labels, not as pandas categoricals
(which pyreadstat writes as text). The file's creation stamp in the header is set from
``peildatum`` so that a rerun of unchanged inputs writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook, SpssVariable

_HEADER_DATE = slice(92, 101)  # creation date (dd mmm yy) in the .sav header
_HEADER_TIME = slice(101, 109)  # creation time (hh:mm:ss)

# clean form table → codebook form (the tidy tables of docs/clean-data.md)
FORM_TABLES = {
    "start_forms": "startformulier",
    "contact_forms": "contactformulier",
    "end_forms": "eindformulier",
    "client_survey": "clientervaring",
    "noncase_contacts": "niet_casus_contacten",
}


@dataclass(frozen=True)
class SavLayout:
    """What pyreadstat writes beside the data: labels, value labels, formats and levels."""

    data: pd.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[float, str]]
    formats: dict[str, str]
    levels: dict[str, str]


def yes_no_labels(codebook: Codebook) -> dict[float, str]:
    """The value labels of a yes/no variable: 1 and 0 with the codebook's labels."""
    codes = codebook.yes_no_sav_codes
    return {1.0: codes.get(1, "1"), 0.0: codes.get(0, "0")}


def case_variables(codebook: Codebook) -> dict[str, SpssVariable]:
    """Every column of the case table, from the codebook's ``spss.case_variables``."""
    return dict(codebook.spss.case_variables)


def form_variables(form_name: str, codebook: Codebook) -> dict[str, SpssVariable]:
    """Every column of a clean form table: the columns all forms have, then the form's own
    columns with their ``label_nl`` (a multi-select as one yes/no per code, its count and
    whether it was asked; free text marked as redacted)."""
    spec = codebook.spss
    variables = dict(spec.form_variables)
    for name, column in codebook.forms[form_name].columns.items():
        if column.type in ("case_number", "name"):
            continue  # identifiers: never in the clean data (expert → expert_id)
        if column.type == "multi":
            for code in codebook.codes(column.code_list):
                label = spec.multi_code.format(column=column.label_nl, code=codebook.label(column.code_list, code))
                variables[f"{column.prefix}{code}"] = SpssVariable(label, "yes_no")
            variables[f"{name}_n"] = SpssVariable(spec.multi_count.label.format(column=column.label_nl), spec.multi_count.type)
            variables[f"{name}_asked"] = SpssVariable(
                spec.multi_asked.label.format(column=column.label_nl), spec.multi_asked.type
            )
        elif column.type == "text":
            variables[name] = SpssVariable(spec.redacted_text.format(column=column.label_nl), "text")
        else:
            variables[name] = SpssVariable(column.label_nl, column.type, column.code_list)
    return variables


def _numbered_codes(values: pd.Series, codes: list[str]) -> pd.Series:
    """Codes as 1, 2, ... in the code list's order (the value labels say which is which)."""
    return values.map({code: float(i + 1) for i, code in enumerate(codes)}).astype("float64")


def sav_layout(
    frame: pd.DataFrame, variables: dict[str, SpssVariable], codebook: Codebook, python_strings: bool = False
) -> SavLayout:
    """The frame as pyreadstat wants it, with labels, value labels, formats and levels.

    ``python_strings``: text columns as Python strings rather than Arrow-backed (the same bytes
    written): pyreadstat then writes them a third faster, but each cell is a Python object, which
    costs memory on a table that grows with the export (the case table has one row per case)."""
    spec = codebook.spss
    out, labels, value_labels, formats, levels = {}, {}, {}, {}, {}
    for name in frame.columns:  # the frame's column order
        variable = variables[name]
        series = frame[name]
        labels[name] = variable.label
        levels[name] = spec.level(variable.type)
        if variable.type == "yes_no":
            out[name] = series.astype("boolean").astype("Float64").astype("float64")
            value_labels[name] = yes_no_labels(codebook)
        elif variable.type == "code":
            codes = codebook.codes(variable.code_list)
            out[name] = _numbered_codes(series, codes)
            value_labels[name] = {float(i + 1): codebook.label(variable.code_list, c) for i, c in enumerate(codes)}
        elif variable.type == "date":
            out[name] = series.dt.date.astype(object).where(series.notna(), None)
        elif variable.type in ("text", "string", "pseudonym", "case_number", "name"):
            out[name] = series.astype(object).where(series.notna(), "").astype(str)
            if python_strings:
                out[name] = out[name].astype(object)
        else:  # integer, number, safety, year
            out[name] = series.astype("Float64").astype("float64")
        display = spec.format(variable.type)
        if display and variable.type not in ("text", "string", "pseudonym"):
            formats[name] = display
    return SavLayout(pd.DataFrame(out), labels, value_labels, formats, levels)


def stamp_sav_header(data: bytes, stamp: dt.date) -> bytes:
    """The ``.sav`` bytes with the header's creation date set to ``stamp`` and time to 00:00:00."""
    raw = bytearray(data)
    raw[_HEADER_DATE] = stamp.strftime("%d %b %y").encode("ascii")
    raw[_HEADER_TIME] = b"00:00:00"
    return bytes(raw)


def stamp_sav_file(path: Path, stamp: dt.date) -> None:
    """:func:`stamp_sav_header` on a file, in place: a contact table's ``.sav`` runs to gigabytes
    at national scale, and only its header's 17 bytes change."""
    if Path(path).stat().st_size < _HEADER_TIME.stop:  # too short to be a .sav: left for a reader to reject
        return
    with open(path, "r+b") as handle:
        header = handle.read(_HEADER_TIME.stop)
        stamped = stamp_sav_header(header, stamp)
        handle.seek(0)
        handle.write(stamped)


def write_sav(
    frame: pd.DataFrame,
    path: Path,
    variables: dict[str, SpssVariable],
    codebook: Codebook,
    stamp: dt.date,
    file_label: str,
    python_strings: bool = False,
) -> None:
    """Write ``frame`` as an SPSS file with labels, levels and formats, atomically and reproducibly
    (``python_strings``: see :func:`sav_layout`)."""
    import pyreadstat

    missing = [c for c in frame.columns if c not in variables]
    if missing:
        raise ValueError(f"spss: the codebook gives no SPSS variable for {', '.join(missing)} ({Path(path).name})")
    layout = sav_layout(frame, variables, codebook, python_strings)

    def writer(tmp: Path) -> None:
        pyreadstat.write_sav(
            layout.data,
            str(tmp),
            file_label=file_label,
            column_labels=layout.column_labels,
            variable_value_labels=layout.value_labels,
            variable_format=layout.formats,
            variable_measure=layout.levels,
        )
        stamp_sav_file(tmp, stamp)

    atomic.write_with(Path(path), writer)


def write_form_sav(table: str, frame: pd.DataFrame, out_dir: Path, codebook: Codebook, peildatum: dt.date) -> None:
    """One clean form table (a key of :data:`FORM_TABLES`) as ``<table>.sav``."""
    form_name = FORM_TABLES[table]
    label = codebook.spss.file_label.format(table=codebook.forms[form_name].label_nl)
    write_sav(frame, Path(out_dir) / f"{table}.sav", form_variables(form_name, codebook), codebook, peildatum, label)


def write_form_savs(tables: dict[str, pd.DataFrame], out_dir: Path, codebook: Codebook, peildatum: dt.date) -> None:
    """Every clean form table as ``<table>.sav``."""
    for table in FORM_TABLES:
        write_form_sav(table, tables[table], out_dir, codebook, peildatum)


def write_cases_sav(cases: pd.DataFrame, path: Path, codebook: Codebook, peildatum: dt.date) -> None:
    """The case table as ``cases.sav``."""
    label = codebook.spss.file_label.format(table=codebook.spss.case_table_label)
    write_sav(cases, path, case_variables(codebook), codebook, peildatum, label, python_strings=True)
