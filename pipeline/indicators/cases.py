"""Knowledge questions 1 and 8: registrations and flow, cases by start year, team and doelgroep,
status per year, background of the clients, and the experts by experience."""

from __future__ import annotations

import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table
from pipeline.load import CleanData


def flow_figures(clean: CleanData, a: Analysed, forms_unlinked: int) -> tuple[dict, dict]:
    """Registrations and flow (report tables 1-2)."""
    status = clean.cases["status"].value_counts()
    flow = {
        "cases_listed": int(len(clean.cases)),
        "cases_no_registration": int(status.get("no_registration", 0)),
        "cases_after_peildatum": int(status.get("after_peildatum", 0)),
        "cases_analysed": int(status.get("analysed", 0)),
        "forms_unlinked": int(forms_unlinked),
    }
    forms = {
        "start": int(len(a.start_forms)),
        "contact": a.contacts.total,
        "end": int(len(a.end_forms)),
        "client_survey": int(len(a.client_survey)),
        "noncase": int(len(clean.noncase_contacts)),
    }
    table = Table(["part"])
    for key, value in flow.items():
        table.add("flow", key, value, value)
    for key, value in forms.items():
        table.add("forms", key, value, value)
    registrations = Table(["form", "year_folder"])
    for name, frame in [
        ("start", a.start_forms),
        ("contact", None),
        ("end", a.end_forms),
        ("client_survey", a.client_survey),
        ("noncase", clean.noncase_contacts),
    ]:
        counts = pd.Series(a.contacts.by_year_folder, dtype=int) if frame is None else frame["year_folder"].value_counts()
        for year, n in counts.sort_index().items():
            registrations.add((name, year), "forms", int(n), int(n))
    return {"flow": flow, "forms": forms}, {"flow": table.frame(), "registrations_by_year": registrations.frame()}


def case_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Cases by start year, doelgroep, team; closed/running; status per year (tables 3-5)."""
    cases = a.cases
    years = a.years
    start_year = cases["start_year"].astype("Int64")
    by_year = {str(y): int((start_year == y).sum()) for y in years}
    by_target = {t: int((cases["target"] == t).sum()) for t in cb.codes("target")}
    by_team = {t: int((cases["team"] == t).sum()) for t in cb.codes("team")}
    closed = cases["closed"].astype(bool)
    status_by_year = {}
    end = cases["expert_end"].where(closed)
    for y in years:
        year_end = pd.Timestamp(y, 12, 31)
        started_by = cases["expert_start"] <= year_end
        closed_by = closed & (end <= year_end).fillna(False)
        status_by_year[str(y)] = {
            "started": int((start_year == y).sum()),
            "closed": int((closed & (end.dt.year == y).fillna(False)).sum()),
            "running_end": int((started_by & ~closed_by).sum()),
        }
    figures = {
        "by_start_year": by_year,
        "by_target": by_target,
        "closed": int(closed.sum()),
        "running": int((~closed).sum()),
        "by_team": by_team,
        "status_by_year": status_by_year,
    }

    team_year = Table(["team", "start_year"])
    for team in cb.codes("team"):
        for y in years:
            n = int(((cases["team"] == team) & (start_year == y)).sum())
            team_year.add((team, y), "cases", n, n)
        team_year.add((team, TOTAL), "cases", by_team[team], by_team[team])
    for y in years:
        team_year.add((TOTAL, y), "cases", by_year[str(y)], by_year[str(y)])
    team_year.add((TOTAL, TOTAL), "cases", len(cases), len(cases))
    status = Table(["year"])
    for y, values in status_by_year.items():
        for measure, value in values.items():
            status.add(y, measure, value, value)
    target_year = Table(["target", "start_year"])
    for t in cb.codes("target"):
        for y in years:
            in_year = int((start_year == y).sum())
            n = int(((cases["target"] == t) & (start_year == y)).sum())
            target_year.add((t, y), "cases", n, in_year)
            target_year.add((t, y), "pct", stats.pct(n, in_year), in_year)
        target_year.add((t, TOTAL), "cases", by_target[t], len(cases))
        target_year.add((t, TOTAL), "pct", stats.pct(by_target[t], len(cases)), len(cases))
    return {"cases": figures}, {
        "cases_by_team_year": team_year.frame(),
        "status_by_year": status.frame(),
        "target_by_year": target_year.frame(),
    }


def background_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Age, sex and children of analysed cases (from the start form)."""
    cases = a.cases
    sex = cases["sex"].dropna()
    sex = sex[sex.isin(cb.codes("sex"))]
    female_pct = stats.pct(int((sex == "female").sum()), len(sex))
    children_pct, children_n = stats.share_yes(cases["children_involved"])
    figures = {
        "age_mean": stats.mean(cases["age"]),
        "age_n": stats.count(cases["age"]),
        "female_pct": female_pct,
        "children_pct": children_pct,
    }
    table = Table(["target"])
    for target, group in [(TOTAL, cases), *((t, cases[cases["target"] == t]) for t in cb.codes("target"))]:
        ages = group["age"]
        for measure, value in [
            ("age_mean", stats.mean(ages)),
            ("age_median", stats.median(ages)),
            ("age_min", stats.minimum(ages)),
            ("age_max", stats.maximum(ages)),
        ]:
            table.add(target, measure, value, stats.count(ages))
        g_sex = group["sex"].dropna()
        g_sex = g_sex[g_sex.isin(cb.codes("sex"))]
        for code in cb.codes("sex"):
            table.add(target, f"sex_{code}_pct", stats.pct(int((g_sex == code).sum()), len(g_sex)), len(g_sex))
        pct_yes, n_yes = stats.share_yes(group["children_involved"])
        table.add(target, "children_pct", pct_yes, n_yes)
        table.add(target, "n_children_mean", stats.mean(group["n_children"]), stats.count(group["n_children"]))
    return {"background": figures}, {"background": table.frame()}


def expert_figures(a: Analysed) -> tuple[dict, dict]:
    """Distinct experts, per start year, and cases per expert (two experts: the case counts for both)."""
    long = (
        pd.concat(
            [
                a.cases[["case_id", "start_year", "expert_1_id"]].rename(columns={"expert_1_id": "expert"}),
                a.cases[["case_id", "start_year", "expert_2_id"]].rename(columns={"expert_2_id": "expert"}),
            ]
        )
        .dropna(subset=["expert"])
        .drop_duplicates(["case_id", "expert"])
    )
    per_expert = long.groupby("expert")["case_id"].nunique()
    figures = {
        "distinct": int(per_expert.size),
        "by_start_year": {str(y): int(long.loc[long["start_year"] == y, "expert"].nunique()) for y in a.years},
        "cases_per_expert_min": int(per_expert.min()) if per_expert.size else None,
        "cases_per_expert_max": int(per_expert.max()) if per_expert.size else None,
    }
    table = Table(["start_year"])
    for y in a.years:
        table.add(y, "distinct_experts", figures["by_start_year"][str(y)], figures["by_start_year"][str(y)])
    table.add(TOTAL, "distinct_experts", figures["distinct"], figures["distinct"])
    for measure, value in [
        ("cases_per_expert_min", figures["cases_per_expert_min"]),
        ("cases_per_expert_max", figures["cases_per_expert_max"]),
        ("cases_per_expert_mean", stats.mean(per_expert)),
        ("cases_per_expert_median", stats.median(per_expert)),
    ]:
        table.add(TOTAL, measure, value, int(per_expert.size))
    return {"experts": figures}, {"experts": table.frame()}
