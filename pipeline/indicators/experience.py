"""Knowledge questions 2 and 3: the client-experience interviews (yes/no items, grades) and the
open answers coded by the researchers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table, by_group, describe, mean_n
from pipeline.load import CleanData


def survey_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Client-experience interviews of analysed cases: yes/no items, grades by year and team."""
    survey = a.client_survey
    items = {}
    item_table = Table(["item"])
    for item in cb.codes("survey_item"):
        values = survey[item]
        if item == "leaflet_useful":
            values = values[survey["leaflet_received"].fillna(False).astype(bool)]
        value, n = stats.share_yes(values)
        items[item] = value
        item_table.add(item, "count_yes", int(values.dropna().astype(bool).sum()), n)
        item_table.add(item, "pct_yes", value, n)
    grade = survey["grade"]
    years = survey["date_interview"].dt.year.dropna().astype(int)
    by_year = {str(y): stats.mean(grade[survey["date_interview"].dt.year == y]) for y in sorted(years.unique())}
    by_team = {k: mean_n(v) for k, v in by_group(grade, survey["team"], cb.codes("team")).items()}
    figures = {
        "n": int(len(survey)),
        "grade_mean": stats.mean(grade),
        "grade_n": stats.count(grade),
        "grade_by_year": by_year,
        "item_pct": items,
        "grade_by_team": by_team,
    }
    grades = Table(["breakdown", "group"])
    describe(grades, "total", TOTAL, grade)
    for y in by_year:
        describe(grades, "interview_year", y, grade[survey["date_interview"].dt.year == int(y)])
    for k in cb.codes("team"):
        describe(grades, "team", k, grade[survey["team"] == k])
    for k in cb.codes("target"):
        describe(grades, "target", k, grade[survey["target"] == k])
    return {"survey": figures}, {"survey_items": item_table.frame(), "survey_grades": grades.frame()}


def open_answer_tables(clean: CleanData, cb: Codebook, coded_sheet: Path | None) -> dict[str, pd.DataFrame]:
    """Open answers per question (answers, coded) and, when a coded sheet exists, theme counts."""
    from pipeline.coding import open_answers, read_coded_sheet, theme_table

    answers = open_answers(clean, cb)
    coded = read_coded_sheet(coded_sheet, answers, cb) if coded_sheet is not None else None
    summary = Table(["question"])
    for question in cb.open_answers.get("questions", {}):
        n_answers = int((answers["vraag_code"] == question).sum())
        n_coded = int(coded.loc[coded["vraag_code"] == question, "antwoord_id"].nunique()) if coded is not None else 0
        summary.add(question, "answers", n_answers, n_answers)
        summary.add(question, "coded", n_coded, n_answers)
    return {"open_answers": summary.frame(), "open_answer_themes": theme_table(coded, answers, cb)}
