"""From processed exports to the clean tables (pseudonymised, redacted, derived).

No direct identifier leaves this module: case numbers and expert names become keyed
pseudonyms, client names are used for linking only, birth dates only to compute the age at the
expert's start, and free text is redacted (see :mod:`pipeline.redact`). The casuslijst's
``Opmerkingen`` are not stored at all: no indicator uses them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.cells import code_lookup, parse_multi
from pipeline.codebook import Codebook, Form
from pipeline.definitions import FORM_FIELDS, derive_case_fields
from pipeline.ingest import KEPT, ParsedFile, Processed, flow_table
from pipeline.load import CleanData
from pipeline.parallel import available_workers
from pipeline.pseudonym import PseudonymKey, pseudonymise
from pipeline.redact import Redactor
from pipeline.vector import map_distinct, python_strings

# Clean table name of each year form.
FORM_TABLES = {
    "startformulier": "start_forms",
    "contactformulier": "contact_forms",
    "eindformulier": "end_forms",
    "clientervaring": "client_survey",
    "niet_casus_contacten": "noncase_contacts",
}
PROVENANCE = ["source_file", "source_row", "year_folder"]
TEMPORARY_COLUMNS = ["birth_date"]  # used in memory to derive the age, never written


@dataclass
class CleanResult:
    clean: CleanData
    data_quality: pd.DataFrame
    flow: pd.DataFrame
    manifest: dict
    forms_unlinked: int


def has_free_text(forms: list[ParsedFile]) -> bool:
    """Whether any kept row of a form holds a free-text answer (only then is deduce loaded)."""
    for parsed in forms:
        kept = (parsed.status == KEPT).to_numpy()
        for name, column in parsed.mapped.form.columns.items():
            if column.type == "text" and parsed.text[name][kept].notna().any():
                return True
    return False


def kept_texts(forms: list[ParsedFile]) -> list[str]:
    """Every distinct free-text answer of a kept form row (what the clean data will hold, redacted)."""
    seen: dict[str, None] = {}
    for parsed in forms:
        kept = (parsed.status == KEPT).to_numpy()
        for name, column in parsed.mapped.form.columns.items():
            if column.type == "text":
                seen.update(dict.fromkeys(parsed.text[name][kept].dropna().unique()))
    return list(seen)


def make_redactor(processed: Processed) -> Redactor:
    """A redactor that knows every name and case number in this run's exports, with deduce as its
    second pass when there is free text to redact (one instance, loaded here, in the main process)."""
    return new_redactor([processed.caselist, *processed.forms], [], [], False, processed.codebook)


def new_redactor(
    files: list[ParsedFile], names: list, numbers: list, free_text: bool, codebook: Codebook, annotator=None
) -> Redactor:
    """A redactor that knows the names and case numbers of ``files`` and the ones given, with
    deduce as its second pass when ``free_text`` or a kept row of ``files`` holds free text
    (``annotator``: a loaded :class:`~pipeline.deid.DeduceAnnotator`, or a future of one)."""
    names, numbers = list(names), list(numbers)
    for parsed in files:
        for name, column in parsed.mapped.form.columns.items():
            if column.type == "name":
                names.extend(parsed.text[name].dropna().unique())
            elif column.type == "case_number":
                numbers.extend(parsed.text[name].dropna().unique())
    organisations = codebook.keep_organisations
    second_pass = None
    if free_text or has_free_text([f for f in files if f.export.year is not None]):
        if annotator is None:
            from pipeline.deid import DeduceAnnotator

            annotator = DeduceAnnotator(organisations)
        elif hasattr(annotator, "result"):
            annotator = annotator.result()
        second_pass = annotator.redact
    return Redactor(names=names, case_numbers=numbers, organisations=organisations, second_pass=second_pass)


def _form_columns(
    parsed: ParsedFile, rows: pd.Index, key: PseudonymKey, redactor: Redactor, codebook: Codebook, redacted: dict | None = None
) -> dict:
    """The clean columns of one form file's kept rows, driven by the codebook's column types
    (``redacted``: the redaction of every free text, computed beforehand; else here)."""
    form: Form = parsed.mapped.form
    values = parsed.values.loc[rows]
    text = parsed.text.loc[rows]
    out: dict[str, pd.Series | np.ndarray] = {}
    for name, column in form.columns.items():
        if column.type in ("case_number",) or name == "client_name":
            continue  # identifiers: used for linking only
        if column.type == "name":
            out[f"{name}_id"] = pseudonymise(key, "expert", values[name])
        elif column.type == "multi":
            codes = codebook.codes(column.code_list)
            flags = parse_multi(text[name], code_lookup(codebook, column), codes)
            for code in codes:
                out[f"{column.prefix}{code}"] = flags[code].astype(bool)
            out[f"{name}_n"] = flags.sum(axis=1).astype(int)
            if column.required is not True:
                out[f"{name}_asked"] = pd.Series(name in parsed.mapped.positions, index=rows, dtype=bool)
        elif column.type == "text":
            out[name] = (
                map_distinct(text[name], redacted.__getitem__) if redacted is not None else redactor.redact_series(text[name])
            )
        elif column.type == "code":
            out[name] = values[name].astype("string")
        else:
            out[name] = values[name]
    return out


def form_table(
    files: list[ParsedFile],
    form: Form,
    case_ids: pd.Series,
    key: PseudonymKey,
    redactor: Redactor,
    codebook: Codebook,
    redacted: dict | None = None,
) -> pd.DataFrame:
    """All kept rows of one form over the years, in file order (casuslijst positions → case_id)."""
    frames = []
    for parsed in files:
        kept = parsed.status.index[parsed.status == KEPT]
        columns: dict = {}
        if form.is_case_form:
            columns["case_id"] = parsed.case_pos.loc[kept].map(case_ids).astype("string")
        columns["source_file"] = pd.Series(parsed.export.rel, index=kept, dtype="string")
        columns["source_row"] = pd.Series(parsed.rows[kept.to_numpy()], index=kept, dtype="int64")
        columns["year_folder"] = pd.Series(parsed.export.year or "", index=kept, dtype="string")
        columns.update(_form_columns(parsed, kept, key, redactor, codebook, redacted))
        frames.append(pd.DataFrame(columns, index=kept))
    if frames:
        return pd.concat(frames, ignore_index=True)
    # No file of this form at all: an empty table with the same columns and types.
    empty = _empty_parsed(form, codebook)
    return form_table([empty], form, case_ids, key, redactor, codebook) if empty is not None else pd.DataFrame()


def _empty_parsed(form: Form, codebook: Codebook) -> ParsedFile:
    from pipeline.cells import MappedTable
    from pipeline.exports import ExportFile
    from pipeline.ingest import _parse_values
    from pipeline.readers import RawTable

    headers = [c.header for c in form.columns.values()]
    raw = RawTable(
        file="",
        format="csv",
        headers=headers,
        cells=pd.DataFrame({i: [] for i in range(len(headers))}, dtype=object),
        rows=np.array([], dtype=int),
    )
    mapped = MappedTable(
        raw=raw,
        form=form,
        positions={n: i for i, n in enumerate(form.columns)},
        link="case_number" if form.is_case_form else None,
    )
    text = pd.DataFrame({n: pd.Series([], dtype=object) for n in form.columns})
    failures = pd.DataFrame({"index": pd.Series(dtype=int), "column": pd.Series(dtype=str), "check": pd.Series(dtype=str)})
    values = _parse_values(mapped, text, failures, codebook, pivot_year=2000)  # no rows: the pivot plays no part
    export = ExportFile(form.name, None, Path(), "")  # no file behind it
    return ParsedFile(export, mapped, text, values, raw.rows, pd.Series([], dtype=object), failures, pd.Series([], dtype="Int64"))


def case_base(caselist: ParsedFile, key: PseudonymKey) -> pd.DataFrame:
    """The listed cases (kept rows of the case list) with their pseudonyms and dates; index = list position."""
    kept = caselist.status.index[caselist.status == KEPT]
    v = caselist.values.loc[kept]
    return pd.DataFrame(
        {
            "case_id": pseudonymise(key, "case", v["case_number"]),
            "team": v["team"].astype("string"),
            "target": v["target"].astype("string"),
            "expert_1_id": pseudonymise(key, "expert", v["expert_1"]),
            "expert_2_id": pseudonymise(key, "expert", v["expert_2"]),
            "professional_start": v["professional_start"],
            "professional_end": v["professional_end"],
            "expert_start": v["expert_start"],
            "expert_end": v["expert_end"],
            "aftercare_end": v["aftercare_end"],
        },
        index=kept,
    )


def case_fields(table_name: str, table: pd.DataFrame) -> pd.DataFrame:
    """What :func:`derive_cases` reads of a one-per-case form's clean table: its case ids and
    the columns of :data:`pipeline.definitions.FORM_FIELDS` (the rest may be let go)."""
    wanted = ["case_id", *FORM_FIELDS.get(table_name, ())]
    return table[[c for c in table.columns if c in wanted]].copy()


def derive_cases(
    cases: pd.DataFrame, caselist: ParsedFile, tables: dict[str, pd.DataFrame], counts: dict[str, pd.Series], peildatum: dt.date
) -> tuple[pd.DataFrame, np.ndarray]:
    """The case table (:func:`pipeline.definitions.derive_case_fields`) and the case-list
    positions of the analysed cases. ``counts``: forms per case id of the tables not in ``tables``."""
    derived = derive_case_fields(
        cases.reset_index(drop=True),
        tables["start_forms"],
        tables.get("contact_forms"),
        tables["end_forms"],
        tables.get("client_survey"),
        peildatum,
        counts=counts,
    )
    analysed_ids = python_strings(derived.loc[derived["analysed"], "case_id"])
    return derived, cases.index[python_strings(cases["case_id"]).isin(analysed_ids).to_numpy()].to_numpy()


def build_clean_tables(processed: Processed, key: PseudonymKey) -> CleanResult:
    """Pseudonymise, redact and derive: every clean table of docs/clean-data.md (all in memory;
    the ingest stage itself streams the large forms, :mod:`pipeline.stream`)."""
    codebook = processed.codebook
    cases = case_base(processed.caselist, key)
    case_ids = cases["case_id"]
    redactor = make_redactor(processed)
    redacted = redactor.redact_distinct(kept_texts(processed.forms), available_workers())  # in workers when there are many
    tables = {}
    for form_name, table_name in FORM_TABLES.items():
        form = codebook.forms[form_name]
        tables[table_name] = form_table(processed.files_of(form_name), form, case_ids, key, redactor, codebook, redacted)
    derived, analysed_positions = derive_cases(cases, processed.caselist, tables, {}, processed.peildatum)
    tables["start_forms"] = tables["start_forms"].drop(columns=TEMPORARY_COLUMNS)
    flow = flow_table(processed, analysed_positions)
    forms_unlinked = int((processed.data_quality["rule"] == "unknown_case").sum())
    clean = CleanData(cases=derived, **tables)
    return CleanResult(clean, processed.data_quality, flow, processed.manifest, forms_unlinked)


def peildatum_of(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
