"""Knowledge question 12: contacts with people who are not in a case (all kept rows, every year)."""

from __future__ import annotations

import math

import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.tidy import TOTAL, Table
from pipeline.load import CleanData

DURATION_BANDS = [("lt15", 0, 15), ("15_29", 15, 30), ("30_59", 30, 60), ("60plus", 60, math.inf)]


def noncase_figures(clean: CleanData, cb: Codebook) -> tuple[dict, dict]:
    """Contacts with people not in a case (chapter 5, tables 16-18): all kept rows."""
    nc = clean.noncase_contacts
    n = int(len(nc))
    minutes = pd.to_numeric(nc["minutes"], errors="coerce").dropna()
    bands = {
        name: stats.pct(int(((minutes >= low) & (minutes < high)).sum()), len(minutes)) for name, low, high in DURATION_BANDS
    }
    conversation = nc["conversation"].dropna()

    def shares(column: str, code_list: str) -> tuple[dict, int]:
        filled = nc[column].dropna()
        return {k: stats.pct(int((filled == k).sum()), len(filled)) for k in cb.codes(code_list)}, int(len(filled))

    type_pct, type_n = shares("contact_type", "nc_contact_type")
    who_pct, who_n = shares("seeker", "seeker")
    via_pct, via_n = shares("via", "via")
    support_pct = {k: stats.pct(int(nc[f"support_{k}"].sum()), n) for k in cb.codes("support")}
    figures = {
        "n": n,
        "duration_mean_min": stats.mean(minutes),
        "duration_band_pct": bands,
        "first_pct": stats.pct(int((conversation == "first").sum()), len(conversation)),
        "type_pct": type_pct,
        "who_pct": who_pct,
        "via_pct": via_pct,
        "support_pct": support_pct,
    }
    # report tables 16-18 and chapter 5: per question the count and % of each answer (n = the rows with an answer;
    # for the support given, all kept rows)
    table = Table(["question", "answer"])
    table.add(("duration", TOTAL), "mean_minutes", figures["duration_mean_min"], len(minutes))
    table.add(("duration", TOTAL), "median_minutes", stats.median(minutes), len(minutes))
    band_counts = {name: int(((minutes >= low) & (minutes < high)).sum()) for name, low, high in DURATION_BANDS}
    for name, value in bands.items():
        table.add(("duration_band", name), "count", band_counts[name], len(minutes))
        table.add(("duration_band", name), "pct", value, len(minutes))
    for code in cb.codes("conversation"):
        count = int((conversation == code).sum())
        table.add(("conversation", code), "count", count, len(conversation))
        table.add(("conversation", code), "pct", stats.pct(count, len(conversation)), len(conversation))
    counts = {
        "type": nc["contact_type"].value_counts(),
        "who": nc["seeker"].value_counts(),
        "via": nc["via"].value_counts(),
        "support": pd.Series({k: int(nc[f"support_{k}"].sum()) for k in cb.codes("support")}, dtype=int),
    }
    for question, values, denominator in [
        ("type", type_pct, type_n),
        ("who", who_pct, who_n),
        ("via", via_pct, via_n),
        ("support", support_pct, n),
    ]:
        for code, value in values.items():
            table.add((question, code), "count", int(counts[question].get(code, 0)), denominator)
            table.add((question, code), "pct", value, denominator)
    by_year = Table(["year_folder"])
    for year, count in nc["year_folder"].value_counts().sort_index().items():
        by_year.add(year, "contacts", int(count), int(count))
    return {"noncase": figures}, {"noncase": table.frame(), "noncase_by_year": by_year.frame()}
