"""Open answers: export a coding sheet, read the researchers' coded sheet back, count themes.

The 2018-2020 report coded the open answers (goals of the deployment, results achieved, what is
still needed, what clients valued or would improve) by theme. Here:

1. ``export_coding_sheet`` writes every non-blank open answer of an analysed case (already
   redacted in the clean data) to an xlsx sheet: one row per answer with a pseudonymous
   ``antwoord_id``, the question, doelgroep, start year, the text, and empty theme columns; a second
   sheet lists the themes per question (from the codebook).
2. Researchers fill in the themes and save the sheet as ``data/coding/*gecodeerd*.xlsx``.
3. ``read_coded_sheet`` reads it back; ``theme_table`` counts the themes per question, overall, by
   doelgroep and by start year (n = coded answers). An id that matches no current answer, or a
   theme not in the question's list, is a clear error (:class:`ConfigurationError`): nothing is
   silently lost.

The answer id is a hash of question, case pseudonym and source row, so it is stable between runs
with the same exports and key, and says nothing about the person.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook, load_codebook
from pipeline.errors import ConfigurationError
from pipeline.load import CleanData
from pipeline.vector import in_index

FORM_TABLE = {"startformulier": "start_forms", "eindformulier": "end_forms", "clientervaring": "client_survey"}
CODED_GLOB = "*gecodeerd*.xlsx"


def _answer_ids(question: str, frame: pd.DataFrame) -> pd.Series:
    keys = (
        question
        + "|"
        + frame["case_id"].astype(str)
        + "|"
        + frame["source_file"].astype(str)
        + "|"
        + frame["source_row"].astype(str)
    )
    return keys.map(lambda k: "A-" + hashlib.sha256(k.encode("utf-8")).hexdigest()[:12])


def open_answers(clean: CleanData, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every non-blank open answer of an analysed case: id, question, target, start year, text."""
    cb = codebook or load_codebook()
    analysed = clean.cases[clean.cases["analysed"].astype(bool)].set_index("case_id")[["target", "start_year"]]
    parts = []
    for question, spec in cb.open_answers.get("questions", {}).items():
        forms = getattr(clean, FORM_TABLE[spec["form"]])
        forms = forms[in_index(forms["case_id"], analysed.index) & forms[spec["column"]].notna().to_numpy()]
        if forms.empty:
            continue
        part = pd.DataFrame(
            {
                "antwoord_id": _answer_ids(question, forms).to_numpy(),
                "vraag_code": question,
                "vraag": spec["label_nl"],
                "target": forms["case_id"].map(analysed["target"]).to_numpy(),
                "startjaar": forms["case_id"].map(analysed["start_year"]).astype("Int64").to_numpy(),
                "tekst": forms[spec["column"]].astype(str).to_numpy(),
            }
        )
        parts.append(part)
    columns = ["antwoord_id", "vraag_code", "vraag", "target", "startjaar", "tekst"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def sheet_names(codebook: Codebook) -> tuple[str, str]:
    """The coding sheet's tab of answers and its tab of theme lists (codebook, ``open_answers``)."""
    spec = codebook.open_answers
    if not spec.get("sheet_answers") or not spec.get("sheet_themes"):
        raise ConfigurationError(
            "codeboek: open_answers mist sheet_answers of sheet_themes (de namen van de tabbladen van het codeerblad)"
        )
    return str(spec["sheet_answers"]), str(spec["sheet_themes"])


def theme_columns(codebook: Codebook) -> list[str]:
    return [f"thema_{i}" for i in range(1, int(codebook.open_answers.get("theme_columns", 3)) + 1)]


def export_coding_sheet(clean: CleanData, out: Path, codebook: Codebook | None = None) -> int:
    """Write the coding sheet (xlsx) to ``out``; return the number of answers."""
    cb = codebook or load_codebook()
    answers = open_answers(clean, cb)
    sheet_tab, themes_tab = sheet_names(cb)
    sheet = answers.assign(doelgroep=answers["target"].map(cb.labels("target")))[
        ["antwoord_id", "vraag_code", "vraag", "doelgroep", "startjaar", "tekst"]
    ]
    for column in theme_columns(cb):
        sheet[column] = ""
    themes = pd.DataFrame(
        [
            {"vraag_code": q, "vraag": spec["label_nl"], "thema": theme}
            for q, spec in cb.open_answers.get("questions", {}).items()
            for theme in spec["themes"]
        ]
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet.to_excel(writer, sheet_name=sheet_tab, index=False)
        themes.to_excel(writer, sheet_name=themes_tab, index=False)
        writer.sheets[sheet_tab].column_dimensions["F"].width = 80
        writer.sheets[sheet_tab].freeze_panes = "A2"
    atomic.write_bytes(Path(out), buffer.getvalue())
    return len(sheet)


def find_coded_sheet(coding_dir: Path) -> Path | None:
    """The one coded sheet in ``coding_dir`` (``*gecodeerd*.xlsx``), or None; two is an error."""
    found = sorted(p for p in Path(coding_dir).glob(CODED_GLOB) if not p.name.startswith("~$"))
    if len(found) > 1:
        raise ConfigurationError(
            f"{coding_dir}: meer dan één gecodeerd blad ({', '.join(p.name for p in found)}); laat er één staan"
        )
    return found[0] if found else None


def read_coded_sheet(path: Path, answers: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Long table (antwoord_id, vraag_code, target, startjaar, thema) of the coded answers.

    Every id must be an answer of the current data and every theme must be in its question's list;
    otherwise a :class:`ConfigurationError` names the sheet row. Rows without any theme are answers
    not coded (yet) and are left out.
    """
    cb = codebook or load_codebook()
    sheet_tab, _ = sheet_names(cb)
    try:
        sheet = pd.read_excel(path, sheet_name=sheet_tab, dtype=str, engine="calamine").fillna("")
    except Exception as exc:
        raise ConfigurationError(f"gecodeerd blad {path.name} is niet te lezen (tabblad '{sheet_tab}'): {exc}") from exc
    if "antwoord_id" not in sheet.columns:
        raise ConfigurationError(f"gecodeerd blad {path.name}: kolom 'antwoord_id' ontbreekt")
    known = answers.set_index("antwoord_id")
    columns = [c for c in theme_columns(cb) if c in sheet.columns]
    sheet["antwoord_id"] = sheet["antwoord_id"].str.strip()
    unknown = sheet[~sheet["antwoord_id"].isin(known.index)]
    if len(unknown):
        row = int(unknown.index[0]) + 2
        raise ConfigurationError(
            f"gecodeerd blad {path.name}, rij {row}: antwoord_id '{unknown.iloc[0]['antwoord_id']}' hoort bij geen huidig open antwoord "
            f"({len(unknown)} zulke rijen). Het blad past niet meer bij de data (andere export of sleutel?): "
            "maak een nieuw codeerblad met `python -m pipeline coding-sheet` en neem de codes over."
        )
    long = sheet.melt(id_vars=["antwoord_id"], value_vars=columns, value_name="thema")
    long["thema"] = long["thema"].str.strip()
    long = long[long["thema"] != ""].drop(columns="variable")
    long = long.join(known[["vraag_code", "target", "startjaar"]], on="antwoord_id")
    questions = cb.open_answers.get("questions", {})
    allowed = {(q, t.casefold()): t for q, spec in questions.items() for t in spec["themes"]}
    canonical = [allowed.get((q, t.casefold())) for q, t in zip(long["vraag_code"], long["thema"])]
    bad = [i for i, c in zip(long.index, canonical) if c is None]
    if bad:
        first = long.loc[bad[0]]
        row = int(sheet.index[sheet["antwoord_id"] == first["antwoord_id"]][0]) + 2
        raise ConfigurationError(
            f"gecodeerd blad {path.name}, rij {row}: thema '{first['thema']}' staat niet in de lijst van vraag "
            f"'{first['vraag_code']}' (het codeboek in de configuratiemap, open_answers)"
        )
    long["thema"] = canonical
    return long.drop_duplicates(["antwoord_id", "thema"]).reset_index(drop=True)


def theme_table(coded: pd.DataFrame | None, answers: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Tidy table: question, breakdown (totaal/target/start_year), group, theme, measure, value, n.

    n = coded answers of the question in the group (an answer with at least one theme); ``count``
    = answers naming the theme; ``pct`` = count / n · 100. Empty when nothing is coded.
    """
    cb = codebook or load_codebook()
    columns = ["question", "breakdown", "group", "theme", "measure", "value", "n"]
    if coded is None or coded.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for question, spec in cb.open_answers.get("questions", {}).items():
        q = coded[coded["vraag_code"] == question]
        groups = [("total", "totaal", q)]
        groups += [("target", t, q[q["target"] == t]) for t in cb.codes("target")]
        groups += [("start_year", str(y), q[q["startjaar"] == y]) for y in sorted(q["startjaar"].dropna().unique())]
        for breakdown, group, part in groups:
            n = int(part["antwoord_id"].nunique())
            for theme in spec["themes"]:
                count = int((part["thema"] == theme).sum())
                rows.append(
                    {
                        "question": question,
                        "breakdown": breakdown,
                        "group": group,
                        "theme": theme,
                        "measure": "count",
                        "value": float(count),
                        "n": n,
                    }
                )
                rows.append(
                    {
                        "question": question,
                        "breakdown": breakdown,
                        "group": group,
                        "theme": theme,
                        "measure": "pct",
                        "value": (100.0 * count / n) if n else None,
                        "n": n,
                    }
                )
    frame = pd.DataFrame(rows, columns=columns)
    frame["n"] = frame["n"].astype("Int64")
    return frame
