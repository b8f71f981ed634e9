"""Case-level definitions (docs/definitions.md, "Case-level definitions")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def completed_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Age in completed years on ``on``: the year difference, minus 1 when (month, day) of ``on``
    is before (month, day) of birth. Blank when either date is blank."""
    years = on.dt.year - birth.dt.year
    before_birthday = (on.dt.month < birth.dt.month) | ((on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day))
    return (years - before_birthday.astype("Int64")).astype("Int64").where(birth.notna() & on.notna())


def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from ``start`` to ``end``; blank when either is blank or the difference is negative."""
    days = (end - start).dt.days.astype("Int64")
    return days.where(days >= 0)


START_FORM_FACTS = ("sex", "children_involved", "n_children")  # copied from a case's start form
# Every column of the one-per-case forms' clean tables that the case table reads (beside case_id).
FORM_FIELDS = {"start_forms": ("birth_date", *START_FORM_FACTS), "end_forms": ("aftercare",)}


def derive_case_fields(
    cases, start_forms, contact_forms, end_forms, client_survey, peildatum: dt.date, counts: dict | None = None
) -> pd.DataFrame:
    """Status, years, durations and the start/end-form facts of every listed case.

    ``counts``: forms per case id for a table that is not given (``contact_forms`` or
    ``client_survey`` as None: the ingest streams them and counts as it goes)."""
    peil = pd.Timestamp(peildatum)
    out = cases.copy()
    given = counts or {}

    def per_case(table, name: str) -> pd.Series:
        return table["case_id"].value_counts() if table is not None else given[name]

    counts = {
        "n_start_forms": per_case(start_forms, "start_forms"),
        "n_contact_forms": per_case(contact_forms, "contact_forms"),
        "n_end_forms": per_case(end_forms, "end_forms"),
        "n_interviews": per_case(client_survey, "client_survey"),
    }
    for name, series in counts.items():
        out[name] = out["case_id"].map(series).fillna(0).astype(int)
    started = (out["expert_start"] < peil).fillna(False)
    has_form = (out["n_start_forms"] + out["n_contact_forms"] + out["n_end_forms"]) > 0
    out["status"] = np.where(started & has_form, "analysed", np.where(started, "no_registration", "after_peildatum"))
    out["analysed"] = out["status"] == "analysed"
    out["start_year"] = out["expert_start"].dt.year.astype("Int64")
    out["closed"] = (out["expert_end"] < peil).fillna(False).astype(bool)
    out["end_year"] = out["expert_end"].dt.year.astype("Int64").where(out["closed"])
    out["lead_time_days"] = days_between(out["professional_start"], out["expert_start"])
    out["expert_duration_days"] = days_between(out["expert_start"], out["expert_end"]).where(out["closed"])
    prof_ok = out["closed"] & (out["professional_end"] < peil).fillna(False)
    out["professional_duration_days"] = days_between(out["professional_start"], out["professional_end"]).where(prof_ok)
    start = start_forms.drop_duplicates("case_id").set_index("case_id")
    from_start = out[["case_id"]].join(start, on="case_id")  # keeps each column's dtype, also when empty
    birth = pd.to_datetime(from_start["birth_date"]) if "birth_date" in from_start else pd.Series(pd.NaT, index=out.index)
    age = completed_years(birth, out["expert_start"])
    out["age"] = age  # as the definition has it: left out only when a date is blank (a negative age counts)
    for column in START_FORM_FACTS:
        out[column] = from_start[column]
    end = end_forms.drop_duplicates("case_id").set_index("case_id")
    (aftercare,) = FORM_FIELDS["end_forms"]
    said_yes = out[["case_id"]].join(end[[aftercare]], on="case_id")[aftercare].astype("boolean").fillna(False).astype(bool)
    out["aftercare"] = said_yes | out["aftercare_end"].notna()
    return out
