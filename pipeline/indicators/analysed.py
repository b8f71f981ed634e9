"""The analysed cases and the kept forms that belong to them: the base of nearly every indicator."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.load import CleanData


@dataclass
class Analysed:
    """Analysed cases and the kept forms that belong to them."""

    cases: pd.DataFrame
    start_forms: pd.DataFrame
    contact_forms: pd.DataFrame
    end_forms: pd.DataFrame
    client_survey: pd.DataFrame
    years: list[int]


def analysed_view(clean: CleanData) -> Analysed:
    """Restrict the clean tables to analysed cases; forms carry their case's team, target, start year."""
    cases = clean.cases[clean.cases["analysed"].astype(bool)].copy()
    case_info = cases.set_index("case_id")[["team", "target", "start_year", "closed"]]

    def of_analysed(forms: pd.DataFrame) -> pd.DataFrame:
        positions = case_info.index.get_indexer(forms["case_id"])
        linked = positions >= 0
        kept = forms if linked.all() else forms[linked]
        info = case_info.iloc[positions[linked]].set_axis(kept.index)
        return kept.assign(**{column: info[column] for column in case_info.columns})

    years = sorted(int(y) for y in cases["start_year"].dropna().unique())
    return Analysed(
        cases,
        of_analysed(clean.start_forms),
        of_analysed(clean.contact_forms),
        of_analysed(clean.end_forms),
        of_analysed(clean.client_survey),
        years,
    )
