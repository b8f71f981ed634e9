"""The labelled corpus planted in every free-text column of every format of the demo export.

Every answer of ``tests/data/free_text_corpus.txt`` is written into a free-text cell of a kept
row: start forms (xlsx, cp1252 csv, sav), contact forms (xlsx, csv), end forms (xlsx), interviews
(xlsx, csv, sav) and non-case contacts (csv), every free-text column among them; some go in the
casuslijst's ``Opmerkingen``, which is never stored. Then ingest, the SPSS hand-off, the coding
sheet and the report are made, and each output is read back:

- every planted cell's text in the clean data and in the SPSS files is exactly what the run's
  redactor makes of that answer, so no column or format escapes the redaction, and the score on
  each output equals the direct test's;
- the coding sheet holds the same texts for the answers it carries;
- no identifying token of an identifier the redaction removes, and none of the casuslijst remarks,
  is anywhere in the outputs (clean tables, SPSS files, coding sheet, indicator tables, report);
  numbers are checked cell by cell (in one text of all outputs together, numbers run into each other).
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import free_text_corpus
import messy_exports as mx
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from free_text_corpus import format_misses, format_table, leftovers, load_corpus, score

from pipeline.codebook import load_codebook
from pipeline.errors import StructuralError  # noqa: F401  (a failure names its file)

pytestmark = pytest.mark.slow
PEIL = dt.date(2021, 1, 1)
KEY = "corpus-end-to-end-test-key-0123456789ab"
CB = load_codebook()


def _text_columns(form: str) -> list[str]:
    return [c.header for c in CB.forms[form].columns.values() if c.type == "text"]


def _slots(raw: Path, processed) -> dict[tuple[str, str], list[int]]:
    """(file, header as written) → the spreadsheet rows of kept rows, for every free-text column."""
    slots = {}
    for parsed in processed.forms:
        kept = parsed.rows[(parsed.status == "kept").to_numpy()]
        for name, column in parsed.mapped.form.columns.items():
            if column.type == "text" and name in parsed.mapped.positions:
                header = parsed.mapped.raw.headers[parsed.mapped.positions[name]]
                slots[(parsed.export.rel, header)] = [int(r) for r in kept]
    return slots


def _encodable(text: str, rel: str, raw: Path) -> bool:
    if rel.endswith(".csv") and mx.read_csv(raw / rel).encoding == "cp1252":
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return False
    return True


def _plant(raw: Path, planted: dict[tuple[str, str], dict[int, str]]) -> None:
    """Write the texts into their cells, each file in its own format."""
    by_file: dict[str, dict[tuple[str, int], str]] = {}
    for (rel, header), rows in planted.items():
        for row, text in rows.items():
            by_file.setdefault(rel, {})[(header, row)] = text
    for rel, cells in by_file.items():
        path = raw / rel
        if rel.endswith(".xlsx"):
            book = openpyxl.load_workbook(path)
            sheet = book.worksheets[0]
            headers = [c.value for c in sheet[1]]
            for (header, row), text in cells.items():
                sheet.cell(row=row, column=headers.index(header) + 1, value=text)
            book.save(path)
        elif rel.endswith(".csv"):
            table = mx.read_csv(path)
            for (header, row), text in cells.items():
                record = table.records[row - 1]
                record[table.headers.index(header)] = text
            mx.write_csv(path, table)
        else:
            frame, meta = pyreadstat.read_sav(str(path), dates_as_pandas_datetime=False)
            labels = meta.column_names_to_labels
            for (header, row), text in cells.items():
                name = next(n for n, label in labels.items() if label == header)
                frame[name] = frame[name].astype(object)
                frame.loc[row - 2, name] = text
            formats = {n: f for n, f in meta.original_variable_types.items() if f.startswith("DATE")}
            pyreadstat.write_sav(
                frame, str(path), column_labels=labels, variable_value_labels=meta.variable_value_labels, variable_format=formats
            )


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from pipeline.clean_tables import build_clean_tables, make_redactor
    from pipeline.coding import export_coding_sheet
    from pipeline.indicators import compute_indicators
    from pipeline.ingest import process_exports
    from pipeline.params import Params
    from pipeline.pseudonym import PseudonymKey
    from pipeline.report.context import build_context
    from pipeline.report.settings import load_report_settings
    from pipeline.report.stage import pipeline_version, render_qmd
    from pipeline.spss import FORM_TABLES, write_form_savs
    from pipeline.stages import write_clean

    root = tmp_path_factory.mktemp("corpus")
    raw = root / "raw"
    shutil.copytree(mx.DEMO, raw)
    answers = load_corpus("all")
    slots = _slots(raw, process_exports(raw, PEIL))
    groups = sorted(slots)
    planted: dict[tuple[str, str], dict[int, str]] = {g: {} for g in groups}
    where: dict[tuple[str, int, str], object] = {}
    turn = 0
    remarks = answers[::25]  # also in the casuslijst's Opmerkingen, which is never stored
    for answer in answers:
        for _ in range(len(groups)):
            group = groups[turn % len(groups)]
            turn += 1
            free = [r for r in slots[group] if r not in planted[group]]
            if free and _encodable(answer.text, group[0], raw):
                planted[group][free[0]] = answer.text
                where[(group[0], free[0], group[1])] = answer
                break
    book = openpyxl.load_workbook(raw / "casuslijst.xlsx")
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("Opmerkingen") + 1
    numbers = [sheet.cell(row=r, column=1).value for r in range(1, sheet.max_row + 1)]
    unique_rows = [r for r in range(2, sheet.max_row + 1) if numbers.count(numbers[r - 1]) == 1]  # not the planted duplicate
    for row, answer in zip(unique_rows, remarks):
        sheet.cell(row=row, column=column, value=answer.text)
    book.save(raw / "casuslijst.xlsx")
    _plant(raw, planted)

    processed = process_exports(raw, PEIL)
    redactor = make_redactor(processed)
    result = build_clean_tables(processed, PseudonymKey(KEY.encode(), "test"))
    clean_dir, spss_dir = root / "clean", root / "spss"
    write_clean(result, clean_dir, PEIL)
    spss_dir.mkdir()
    write_form_savs({t: getattr(result.clean, t) for t in FORM_TABLES}, spss_dir, CB, PEIL)
    export_coding_sheet(result.clean, root / "codeerblad.xlsx")
    indicators = compute_indicators(result.clean, PEIL, 5, forms_unlinked=result.forms_unlinked)
    params = Params(raw_dir=raw, peildatum=PEIL, min_group_n=5)
    qmd = render_qmd(
        build_context(
            indicators.kerncijfers,
            indicators.tables,
            [],
            params,
            result.manifest,
            result.data_quality,
            result.flow,
            CB,
            load_report_settings(),
            Path(__file__).resolve().parent.parent / "report" / "tekst",
            pipeline_version(),
        )
    )
    return {
        "root": root,
        "where": where,
        "redactor": redactor,
        "result": result,
        "clean_dir": clean_dir,
        "spss_dir": spss_dir,
        "qmd": qmd,
        "indicators": indicators,
        "remarks": remarks,
        "groups": groups,
    }


def _outputs(frames: dict[str, pd.DataFrame], where) -> dict[tuple[str, int, str], str]:
    """The stored text of every planted cell, found by its source file and row."""
    found = {}
    for form, table in [(f, t) for f, t in frames.items()]:
        columns = {c.header: n for n, c in CB.forms[form].columns.items() if c.type == "text"}
        index = {(f, int(r)): i for i, (f, r) in enumerate(zip(table["source_file"], table["source_row"]))}
        for (rel, row, header), _answer in where.items():
            if (rel, row) in index and header in columns:
                value = table.iloc[index[(rel, row)]][columns[header]]
                found[(rel, row, header)] = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return found


def test_every_format_and_free_text_column_is_planted(run):
    formats = {Path(rel).suffix for rel, _h in run["groups"]}
    assert formats == {".xlsx", ".csv", ".sav"}
    headers = {h for _rel, h in run["groups"]}
    for form in ("startformulier", "contactformulier", "eindformulier", "clientervaring", "niet_casus_contacten"):
        assert any(h in headers for h in _text_columns(form)), form
    assert len({a.index for a in run["where"].values()}) == len(load_corpus("all"))  # every answer planted


def test_clean_data_and_spss_hold_exactly_the_redacted_text_and_reach_the_direct_score(run, capsys):
    redact = run["redactor"].redact
    where = run["where"]
    clean = run["result"].clean
    forms = {
        "startformulier": clean.start_forms,
        "contactformulier": clean.contact_forms,
        "eindformulier": clean.end_forms,
        "clientervaring": clean.client_survey,
        "niet_casus_contacten": clean.noncase_contacts,
    }
    spss = {
        form: pyreadstat.read_sav(str(run["spss_dir"] / f"{table}.sav"))[0]
        for form, table in [
            ("startformulier", "start_forms"),
            ("contactformulier", "contact_forms"),
            ("eindformulier", "end_forms"),
            ("clientervaring", "client_survey"),
            ("niet_casus_contacten", "noncase_contacts"),
        ]
    }
    answers = list({a.index: a for a in where.values()}.values())
    direct = score(redact, answers=answers)
    for name, frames in [("schone data", forms), ("SPSS", spss)]:
        outputs = _outputs(frames, where)
        assert len(outputs) == len(where), f"{name}: {len(where) - len(outputs)} planted cells not found"
        wrong = [(key, text) for key, text in outputs.items() if text != redact(where[key].text)]
        assert not wrong, f"{name}: {len(wrong)} cells differ from the redactor's text, e.g. {wrong[:2]}"
        by_text = {where[key].text: text for key, text in outputs.items()}
        table = score(lambda text, by_text=by_text: by_text[text], answers=answers)
        assert {k: (r.total, r.hits) for k, r in table.rows.items()} == {k: (r.total, r.hits) for k, r in direct.rows.items()}
    with capsys.disabled():
        print()
        print("Door de hele keten, met de namen van de demo-export bekend (schone data en SPSS gelijk):")
        print(format_table(direct))
        print(format_misses(direct))


def test_the_coding_sheet_holds_the_same_redacted_answers(run):
    sheet = pd.read_excel(run["root"] / "codeerblad.xlsx", sheet_name="Open antwoorden", dtype=str, engine="openpyxl")
    redacted = {run["redactor"].redact(a.text) for a in run["where"].values()}
    texts = set(sheet["tekst"].dropna())
    assert texts and texts <= redacted | set(run["result"].clean.start_forms["goal_text"].dropna()) | set(
        run["result"].clean.end_forms["results_text"].dropna()
    ) | set(run["result"].clean.client_survey["liked_text"].dropna())
    assert len(texts & redacted) > 50


def _all_output_text(run) -> str:
    parts = [run["qmd"]]
    for path in sorted(run["clean_dir"].glob("*.parquet")):
        frame = pd.read_parquet(path)
        parts += [
            " ".join(frame[c].dropna().astype(str))
            for c in frame.columns
            if frame[c].dtype == object or str(frame[c].dtype) == "string"
        ]
    for path in sorted(run["spss_dir"].glob("*.sav")):
        frame = pyreadstat.read_sav(str(path))[0]
        parts += [" ".join(frame[c].dropna().astype(str)) for c in frame.columns if frame[c].dtype == object]
    for frame in pd.read_excel(run["root"] / "codeerblad.xlsx", sheet_name=None, dtype=str, engine="openpyxl").values():
        parts += [" ".join(frame[c].dropna()) for c in frame.columns]
    for table in run["indicators"].tables.values():
        parts.append(table.to_csv(index=False))
    for name in ("data_quality.csv", "flow.csv", "manifest.json"):
        parts.append((run["clean_dir"] / name).read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_no_removed_identifier_and_no_remark_is_anywhere_in_the_outputs(run, monkeypatch):
    for name in ("output_words", "address_tokens"):  # the outputs are tokenised once, not once per span
        monkeypatch.setattr(free_text_corpus, name, functools.lru_cache(maxsize=16)(getattr(free_text_corpus, name)))
    everything = _all_output_text(run)

    vocabulary = run["redactor"].vocabulary
    ordinary = vocabulary.dutch_words | vocabulary.places | vocabulary.professions | vocabulary.common_surname_words

    def words_left(span, text: str) -> list[str]:
        """Word tokens (names, streets, handles, e-mail) of ``span`` in ``text`` that are no ordinary Dutch word or
        place name (those occur in other answers too); digits are checked per cell above (in one joined text of
        every output, numbers run into each other)."""
        return [t for t in leftovers(span, text) if not t.isdigit() and len(t) >= 4 and t not in ordinary]

    redact = run["redactor"].redact
    planted = list({a.index: a for a in run["where"].values()}.values())
    outputs = {a.index: redact(a.text) for a in planted}
    missed = {t for a in planted for span in a.identifiers for t in leftovers(span, outputs[a.index])}  # misses stay misses
    leaks = []
    for answer in planted:
        for span in answer.identifiers:
            if not leftovers(span, outputs[answer.index]):  # removed in its own cell: then nowhere else either
                left = [t for t in words_left(span, everything) if t not in missed]
                if left:
                    leaks.append((answer.index, span.text, left))
    for answer in run["remarks"]:  # the casuslijst's remarks are never stored: none of their identifiers anywhere
        for span in answer.identifiers:
            left = [t for t in words_left(span, everything) if t not in missed]
            if left:
                leaks.append((answer.index, span.text, left))
    assert not leaks, leaks[:10]
