"""Knowledge questions 7 and 9: the days until the expert is brought in, and how long the support
lasts (closed cases; Kaplan-Meier with the running cases censored)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table, by_group, describe, mean_n


def lead_time_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Days from the professional's start to the expert's start (negative values left out)."""
    cases = a.cases
    lead = cases["lead_time_days"]
    figures = {
        "mean": stats.mean(lead),
        "median": stats.median(lead),
        "min": stats.as_int_or_none(stats.minimum(lead)),
        "max": stats.as_int_or_none(stats.maximum(lead)),
        "n": stats.count(lead),
        "by_team": {k: mean_n(v) for k, v in by_group(lead, cases["team"], cb.codes("team")).items()},
        "by_start_year": {k: mean_n(v) for k, v in by_group(lead, cases["start_year"], a.years).items()},
        "by_target": {k: mean_n(v) for k, v in by_group(lead, cases["target"], cb.codes("target")).items()},
    }
    table = Table(["breakdown", "group"])
    describe(table, "total", TOTAL, lead)
    for breakdown, column, keys in [
        ("team", "team", cb.codes("team")),
        ("start_year", "start_year", a.years),
        ("target", "target", cb.codes("target")),
    ]:
        for key, values in by_group(lead, cases[column], keys).items():
            describe(table, breakdown, key, values)
    return {"lead_time_days": figures}, {"lead_time": table.frame()}


def duration_figures(a: Analysed, cb: Codebook, peildatum: dt.date) -> tuple[dict, dict]:
    """Expert and professional durations of closed cases; Kaplan-Meier with running cases censored."""
    cases = a.cases
    expert = cases["expert_duration_days"]
    professional = cases["professional_duration_days"]
    targets = cb.codes("target")
    figures = {
        "expert": {
            "mean": stats.mean(expert),
            "n": stats.count(expert),
            "by_target": {k: mean_n(v) for k, v in by_group(expert, cases["target"], targets).items()},
            "by_start_year": {k: mean_n(v) for k, v in by_group(expert, cases["start_year"], a.years).items()},
        },
        "professional": {
            "mean": stats.mean(professional),
            "n": stats.count(professional),
            "by_target": {k: mean_n(v) for k, v in by_group(professional, cases["target"], targets).items()},
        },
    }
    table = Table(["kind", "breakdown", "group"])
    for kind, values in [("expert", expert), ("professional", professional)]:
        sub = Table(["breakdown", "group"])
        describe(sub, "total", TOTAL, values)
        for key, part in by_group(values, cases["target"], targets).items():
            describe(sub, "target", key, part)
        for key, part in by_group(values, cases["start_year"], a.years).items():
            describe(sub, "start_year", key, part)
        for row in sub.rows:
            table.rows.append({"kind": kind, **row})
    # Kaplan-Meier: closed cases are events at their duration, running cases censored at the peildatum
    peil = pd.Timestamp(peildatum)
    closed = cases["closed"].astype(bool)
    follow_up = pd.Series(
        np.where(
            closed, cases["expert_duration_days"].astype("Float64"), (peil - cases["expert_start"]).dt.days.astype("Float64")
        ),
        index=cases.index,
    )
    follow_up = follow_up.where(~closed | cases["expert_duration_days"].notna())  # a negative duration is left out
    km = Table(["target"])
    for key, mask in [(TOTAL, pd.Series(True, index=cases.index)), *((t, cases["target"] == t) for t in targets)]:
        result = stats.kaplan_meier(follow_up[mask], closed[mask])
        km.add(key, "km_median_days", result.median, result.n)
        km.add(key, "events", result.events, result.n)
        km.add(key, "censored", result.n - result.events, result.n)
    return {"duration_days": figures}, {"duration": table.frame(), "duration_kaplan_meier": km.frame()}
