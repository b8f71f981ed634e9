"""SPSS hand-off: clean tables as ``.sav`` with Dutch variable labels and value labels.

Codes are written as numbers with value labels (not as pandas categoricals, which pyreadstat
writes as text), dates as SPSS ``DATE11`` variables, yes/no as 1/0 with labels Ja/Nee. The
file's creation stamp in the header is set from ``peildatum`` so that a rerun of unchanged
inputs writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook

# Variable label (Dutch) and value-label source of every case-table column.
CASE_VARIABLES: dict[str, tuple[str, str | None]] = {
    "case_id": ("Casus (pseudoniem)", None),
    "team": ("Team (afkomst casus)", "team"),
    "target": ("Doelgroep", "target"),
    "expert_1_id": ("Ervaringsdeskundige 1 (pseudoniem)", None),
    "expert_2_id": ("Ervaringsdeskundige 2 (pseudoniem)", None),
    "professional_start": ("Start casusverantwoordelijke", None),
    "professional_end": ("Einde casusverantwoordelijke", None),
    "expert_start": ("Start ervaringsdeskundige", None),
    "expert_end": ("Einde ervaringsdeskundige", None),
    "aftercare_end": ("Einde nazorg", None),
    "status": ("Status op peildatum", "status"),
    "analysed": ("Geanalyseerde casus", "bool"),
    "start_year": ("Startjaar ervaringsdeskundige", None),
    "closed": ("Afgesloten voor peildatum", "bool"),
    "end_year": ("Jaar van afsluiten", None),
    "lead_time_days": ("Dagen tot inzet ervaringsdeskundige", None),
    "expert_duration_days": ("Duur inzet ervaringsdeskundige (dagen)", None),
    "professional_duration_days": ("Duur inzet casusverantwoordelijke (dagen)", None),
    "n_start_forms": ("Aantal startformulieren", None),
    "n_contact_forms": ("Aantal contactformulieren", None),
    "n_end_forms": ("Aantal eindformulieren", None),
    "n_interviews": ("Aantal cliëntinterviews", None),
    "age": ("Leeftijd cliënt bij start", None),
    "sex": ("Geslacht cliënt", "sex"),
    "children_involved": ("Kinderen betrokken", "bool"),
    "n_children": ("Aantal kinderen", None),
    "aftercare": ("Nazorg", "bool"),
}
STATUS_LABELS = {"analysed": "Geanalyseerd", "no_registration": "Geen registratie", "after_peildatum": "Start na peildatum"}
BOOL_LABELS = {1: "Ja", 0: "Nee"}
_HEADER_DATE = slice(92, 101)  # creation date (dd mmm yy) in the .sav header
_HEADER_TIME = slice(101, 109)  # creation time (hh:mm:ss)


def _labelled_codes(values: pd.Series, codes: list[str]) -> tuple[pd.Series, dict[int, str]]:
    numbers = {code: i + 1 for i, code in enumerate(codes)}
    return values.map(numbers).astype("float64"), numbers


def spss_frame(frame: pd.DataFrame, variables: dict[str, tuple[str, str | None]], codebook: Codebook):
    """The frame as pyreadstat wants it, with column labels, value labels and formats."""
    out = {}
    column_labels, value_labels, formats = {}, {}, {}
    for name in [c for c in frame.columns if c in variables]:  # the frame's column order
        label, source = variables[name]
        series = frame[name]
        column_labels[name] = label
        if source == "bool":
            out[name] = series.astype("boolean").astype("Float64").astype("float64")
            value_labels[name] = BOOL_LABELS
        elif source == "status":
            out[name], numbers = _labelled_codes(series, list(STATUS_LABELS))
            value_labels[name] = {numbers[c]: STATUS_LABELS[c] for c in STATUS_LABELS}
        elif source is not None:
            codes = codebook.codes(source)
            out[name], numbers = _labelled_codes(series, codes)
            value_labels[name] = {numbers[c]: codebook.label(source, c) for c in codes}
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[name] = series.dt.date.astype(object).where(series.notna(), None)
            formats[name] = "DATE11"
        elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            out[name] = series.astype("Float64").astype("float64")
        else:
            out[name] = series.astype(object).where(series.notna(), "").astype(str)
    return pd.DataFrame(out), column_labels, value_labels, formats


def stamp_sav_header(data: bytes, stamp: dt.date) -> bytes:
    """The ``.sav`` bytes with the header's creation date set to ``stamp`` and time to 00:00:00."""
    raw = bytearray(data)
    raw[_HEADER_DATE] = stamp.strftime("%d %b %y").encode("ascii")
    raw[_HEADER_TIME] = b"00:00:00"
    return bytes(raw)


def write_sav(frame: pd.DataFrame, path: Path, variables: dict[str, tuple[str, str | None]], codebook: Codebook, stamp: dt.date, file_label: str) -> None:
    """Write ``frame`` as an SPSS file with labels, atomically and reproducibly."""
    import pyreadstat

    data, column_labels, value_labels, formats = spss_frame(frame, variables, codebook)

    def writer(tmp: Path) -> None:
        pyreadstat.write_sav(
            data,
            str(tmp),
            file_label=file_label,
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_format=formats,
        )
        tmp.write_bytes(stamp_sav_header(tmp.read_bytes(), stamp))

    atomic.write_with(Path(path), writer)


# clean form table → codebook form (the tidy tables of docs/clean-data.md)
FORM_TABLES = {
    "start_forms": "startformulier",
    "contact_forms": "contactformulier",
    "end_forms": "eindformulier",
    "client_survey": "clientervaring",
    "noncase_contacts": "niet_casus_contacten",
}
COMMON_VARIABLES: dict[str, tuple[str, str | None]] = {
    "case_id": ("Casus (pseudoniem)", None),
    "source_file": ("Bronbestand (map/bestand)", None),
    "source_row": ("Rij in het bronbestand", None),
    "year_folder": ("Jaarmap van de export", None),
    "expert_id": ("Ervaringsdeskundige (pseudoniem)", None),
}


def form_variables(form_name: str, codebook: Codebook) -> dict[str, tuple[str, str | None]]:
    """Dutch variable label and value-label source of every column of a clean form table."""
    variables = dict(COMMON_VARIABLES)
    for name, column in codebook.forms[form_name].columns.items():
        if column.type in ("case_number", "name"):
            continue  # identifiers: never in the clean data (expert → expert_id above)
        if column.type == "multi":
            for code in codebook.codes(column.code_list):
                variables[f"{column.prefix}{code}"] = (f"{column.label_nl}: {codebook.label(column.code_list, code)}", "bool")
            variables[f"{name}_n"] = (f"{column.label_nl}: aantal genoemd", None)
            variables[f"{name}_asked"] = (f"{column.label_nl}: vraag gesteld", "bool")
        elif column.type == "code":
            variables[name] = (column.label_nl, column.code_list)
        elif column.type == "yes_no":
            variables[name] = (column.label_nl, "bool")
        elif column.type == "text":
            variables[name] = (f"{column.label_nl} (geredigeerd)", None)
        else:
            variables[name] = (column.label_nl, None)
    return variables


def write_form_savs(tables: dict[str, pd.DataFrame], out_dir: Path, codebook: Codebook, peildatum: dt.date) -> None:
    """Every clean form table as ``<table>.sav`` with Dutch variable and value labels."""
    for table, form_name in FORM_TABLES.items():
        frame = tables[table]
        variables = {k: v for k, v in form_variables(form_name, codebook).items() if k in frame.columns}
        missing = [c for c in frame.columns if c not in variables]
        if missing:
            raise ValueError(f"spss: no label for {table}.{', '.join(missing)}")
        write_sav(frame, Path(out_dir) / f"{table}.sav", variables, codebook, peildatum,
                  f"De Cirkel is Rond - {codebook.forms[form_name].label_nl}")


def write_cases_sav(cases: pd.DataFrame, path: Path, codebook: Codebook, peildatum: dt.date) -> None:
    write_sav(cases, path, CASE_VARIABLES, codebook, peildatum, "De Cirkel is Rond - casussen")
