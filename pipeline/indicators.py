"""Indicators per knowledge question, and the key figures (``kerncijfers.json``).

Every definition is that of docs/definitions.md (the project's copy of the indicator contract).
All figures are over analysed cases and their kept forms, except the flow and the non-case
contacts. ``compute_indicators`` returns the key figures (a nested dict with exactly the
contract's keys, unrounded, ``None`` where a denominator is 0) and the tidy tables (one per
report table or figure, long format: group columns, ``measure``, ``value``, ``n``). Nothing here is
suppressed: suppression of small cells belongs to the report.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import atomic, stats
from pipeline.codebook import Codebook, load_codebook
from pipeline.load import CleanData

RATERS = ["client", "expert", "professional"]
MOMENTS = {"start": "start_forms", "end": "end_forms"}
DEVELOPMENT_ANSWERS = ["increased", "same", "decreased", "stopped"]
SURVEY_ITEMS = ["click", "reachable", "understood", "helped_solve", "would_recommend", "leaflet_received", "leaflet_useful"]
DURATION_BANDS = [("lt15", 0, 15), ("15_29", 15, 30), ("30_59", 30, 60), ("60plus", 60, math.inf)]
TOTAL = "totaal"  # the group value of an overall row in the tidy tables


@dataclass
class Indicators:
    """The indicator stage's result: key figures and tidy tables."""

    kerncijfers: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


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
    return Analysed(cases, of_analysed(clean.start_forms), of_analysed(clean.contact_forms), of_analysed(clean.end_forms),
                    of_analysed(clean.client_survey), years)


# --------------------------------------------------------------------------------------------
# tidy-table helper


class Table:
    """Collects rows of one tidy table: group columns, then measure, value, n."""

    def __init__(self, groups: list[str]):
        self.groups = groups
        self.rows: list[dict] = []

    def add(self, group: dict | tuple | str, measure: str, value: object, n: int | None) -> None:
        if not isinstance(group, dict):
            group = dict(zip(self.groups, group if isinstance(group, tuple) else (group,)))
        self.rows.append({**{g: str(group[g]) for g in self.groups}, "measure": measure, "value": _plain(value), "n": n})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=[*self.groups, "measure", "value", "n"])
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
        frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")
        return frame


def _plain(value: object) -> object:
    """numpy scalars → Python numbers; NaN → None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    return value


def _mean_n(values: pd.Series) -> dict:
    return {"mean": stats.mean(values), "n": stats.count(values)}


def _by(values: pd.Series, groups: pd.Series, keys: list) -> dict[str, pd.Series]:
    """``values`` split by ``groups`` for every key (an empty Series for a key without data)."""
    return {str(k): values[groups.astype("string") == str(k)] for k in keys}


def _describe(table: Table, breakdown: str, group: str, values: pd.Series) -> None:
    """Mean with 95% CI, median, min, max and n of ``values`` as rows of ``table``."""
    ci = stats.mean_ci(values)
    n = ci.n
    for measure, value in [("mean", ci.mean), ("ci_low", ci.low), ("ci_high", ci.high), ("median", stats.median(values)),
                           ("min", stats.minimum(values)), ("max", stats.maximum(values))]:
        table.add({"breakdown": breakdown, "group": group}, measure, value, n)


# --------------------------------------------------------------------------------------------
# knowledge questions


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
        "contact": int(len(a.contact_forms)),
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
    for name, frame in [("start", a.start_forms), ("contact", a.contact_forms), ("end", a.end_forms),
                        ("client_survey", a.client_survey), ("noncase", clean.noncase_contacts)]:
        for year, n in frame["year_folder"].value_counts().sort_index().items():
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
    figures = {"by_start_year": by_year, "by_target": by_target, "closed": int(closed.sum()),
               "running": int((~closed).sum()), "by_team": by_team, "status_by_year": status_by_year}

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
    return {"cases": figures}, {"cases_by_team_year": team_year.frame(), "status_by_year": status.frame(),
                                "target_by_year": target_year.frame()}


def background_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Age, sex and children of analysed cases (from the start form)."""
    cases = a.cases
    sex = cases["sex"].dropna()
    sex = sex[sex.isin(cb.codes("sex"))]
    female_pct = stats.pct(int((sex == "female").sum()), len(sex))
    children_pct, children_n = stats.share_yes(cases["children_involved"])
    figures = {"age_mean": stats.mean(cases["age"]), "age_n": stats.count(cases["age"]),
               "female_pct": female_pct, "children_pct": children_pct}
    table = Table(["target"])
    for target, group in [(TOTAL, cases), *((t, cases[cases["target"] == t]) for t in cb.codes("target"))]:
        ages = group["age"]
        for measure, value in [("age_mean", stats.mean(ages)), ("age_median", stats.median(ages)),
                               ("age_min", stats.minimum(ages)), ("age_max", stats.maximum(ages))]:
            table.add(target, measure, value, stats.count(ages))
        g_sex = group["sex"].dropna()
        g_sex = g_sex[g_sex.isin(cb.codes("sex"))]
        for code in cb.codes("sex"):
            table.add(target, f"sex_{code}_pct", stats.pct(int((g_sex == code).sum()), len(g_sex)), len(g_sex))
        pct_yes, n_yes = stats.share_yes(group["children_involved"])
        table.add(target, "children_pct", pct_yes, n_yes)
        table.add(target, "n_children_mean", stats.mean(group["n_children"]), stats.count(group["n_children"]))
    return {"background": figures}, {"background": table.frame()}


def lead_time_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Days from the professional's start to the expert's start (negative values left out)."""
    cases = a.cases
    lead = cases["lead_time_days"]
    figures = {"mean": stats.mean(lead), "median": stats.median(lead), "min": stats.as_int_or_none(stats.minimum(lead)),
               "max": stats.as_int_or_none(stats.maximum(lead)), "n": stats.count(lead),
               "by_team": {k: _mean_n(v) for k, v in _by(lead, cases["team"], cb.codes("team")).items()},
               "by_start_year": {k: _mean_n(v) for k, v in _by(lead, cases["start_year"], a.years).items()},
               "by_target": {k: _mean_n(v) for k, v in _by(lead, cases["target"], cb.codes("target")).items()}}
    table = Table(["breakdown", "group"])
    _describe(table, "total", TOTAL, lead)
    for breakdown, column, keys in [("team", "team", cb.codes("team")), ("start_year", "start_year", a.years),
                                    ("target", "target", cb.codes("target"))]:
        for key, values in _by(lead, cases[column], keys).items():
            _describe(table, breakdown, key, values)
    return {"lead_time_days": figures}, {"lead_time": table.frame()}


def duration_figures(a: Analysed, cb: Codebook, peildatum: dt.date) -> tuple[dict, dict]:
    """Expert and professional durations of closed cases; Kaplan-Meier with running cases censored."""
    cases = a.cases
    expert = cases["expert_duration_days"]
    professional = cases["professional_duration_days"]
    targets = cb.codes("target")
    figures = {
        "expert": {"mean": stats.mean(expert), "n": stats.count(expert),
                   "by_target": {k: _mean_n(v) for k, v in _by(expert, cases["target"], targets).items()},
                   "by_start_year": {k: _mean_n(v) for k, v in _by(expert, cases["start_year"], a.years).items()}},
        "professional": {"mean": stats.mean(professional), "n": stats.count(professional),
                         "by_target": {k: _mean_n(v) for k, v in _by(professional, cases["target"], targets).items()}},
    }
    table = Table(["kind", "breakdown", "group"])
    for kind, values in [("expert", expert), ("professional", professional)]:
        sub = Table(["breakdown", "group"])
        _describe(sub, "total", TOTAL, values)
        for key, part in _by(values, cases["target"], targets).items():
            _describe(sub, "target", key, part)
        for key, part in _by(values, cases["start_year"], a.years).items():
            _describe(sub, "start_year", key, part)
        for row in sub.rows:
            table.rows.append({"kind": kind, **row})
    # Kaplan-Meier: closed cases are events at their duration, running cases censored at the peildatum
    peil = pd.Timestamp(peildatum)
    closed = cases["closed"].astype(bool)
    follow_up = pd.Series(np.where(closed, cases["expert_duration_days"].astype("Float64"),
                                   (peil - cases["expert_start"]).dt.days.astype("Float64")), index=cases.index)
    follow_up = follow_up.where(~closed | cases["expert_duration_days"].notna())  # a negative duration is left out
    km = Table(["target"])
    for key, mask in [(TOTAL, pd.Series(True, index=cases.index)), *((t, cases["target"] == t) for t in targets)]:
        result = stats.kaplan_meier(follow_up[mask], closed[mask])
        km.add(key, "km_median_days", result.median, result.n)
        km.add(key, "events", result.events, result.n)
        km.add(key, "censored", result.n - result.events, result.n)
    return {"duration_days": figures}, {"duration": table.frame(), "duration_kaplan_meier": km.frame()}


def contact_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Contacts and hours per closed case, contact type, contact partner, organisations, network."""
    cases = a.cases
    contacts = a.contact_forms
    per_case = contacts.assign(hours_filled=contacts["hours"].astype("Float64").fillna(0).astype(float)).groupby("case_id").agg(
        contacts=("case_id", "size"), hours=("hours_filled", "sum"))  # a blank duration adds 0
    closed = cases[cases["closed"].astype(bool)].join(per_case, on="case_id", how="inner")

    def summary(frame: pd.DataFrame) -> dict:
        return {"closed_cases_n": int(len(frame)), "per_closed_case_mean": stats.mean(frame["contacts"]),
                "hours_per_closed_case_mean": stats.mean(frame["hours"])}

    typed = contacts["contact_type"].dropna()
    partner = contacts["contact_with"].dropna()
    figures = {
        **summary(closed),
        "type_pct": {k: stats.pct(int((typed == k).sum()), len(typed)) for k in cb.codes("contact_type")},
        "by_target": {k: summary(closed[closed["target"] == k]) for k in cb.codes("target")},
        "by_start_year": {str(y): summary(closed[closed["start_year"] == y]) for y in a.years},
        "partner_pct": {k: stats.pct(int((partner == k).sum()), len(partner)) for k in cb.codes("contact_partner")},
    }
    per_closed = Table(["breakdown", "group"])
    for breakdown, key, frame in [("total", TOTAL, closed), *(("target", t, closed[closed["target"] == t]) for t in cb.codes("target")),
                                  *(("start_year", y, closed[closed["start_year"] == y]) for y in a.years)]:
        n = int(len(frame))
        for measure, column in [("contacts", "contacts"), ("hours", "hours")]:
            ci = stats.mean_ci(frame[column])
            per_closed.add((breakdown, key), f"{measure}_mean", ci.mean, n)
            per_closed.add((breakdown, key), f"{measure}_ci_low", ci.low, n)
            per_closed.add((breakdown, key), f"{measure}_ci_high", ci.high, n)
            per_closed.add((breakdown, key), f"{measure}_median", stats.median(frame[column]), n)
            per_closed.add((breakdown, key), f"{measure}_sum", float(frame[column].sum()) if n else None, n)
    kind = Table(["target", "contact_type"])
    typed_contacts = contacts[["case_id", "target", "contact_type"]]
    for target, frame in [(TOTAL, typed_contacts), *((t, typed_contacts[typed_contacts["target"] == t]) for t in cb.codes("target"))]:
        f_typed = frame["contact_type"].dropna()
        n_cases = int(frame["case_id"].nunique())
        for k in cb.codes("contact_type"):
            kind.add((target, k), "forms", int((f_typed == k).sum()), len(f_typed))
            kind.add((target, k), "pct", stats.pct(int((f_typed == k).sum()), len(f_typed)), len(f_typed))
        kind.add((target, TOTAL), "cases_with_contact", n_cases, n_cases)
    partner_table = Table(["contact_with"])
    for k in cb.codes("contact_partner"):
        partner_table.add(k, "pct", figures["partner_pct"][k], len(partner))
    involved = Table(["question", "answer"])
    asked = contacts[contacts["organisations_asked"].astype(bool)] if "organisations_asked" in contacts else contacts.iloc[0:0]
    for code in cb.codes("organisation"):
        n = int(asked[f"org_{code}"].sum()) if len(asked) else 0
        involved.add(("organisations", code), "pct_forms", stats.pct(n, len(asked)), len(asked))
    network_answered = contacts[contacts["network_n"] > 0]
    for code in cb.codes("network"):
        n = int(network_answered[f"network_{code}"].sum())
        involved.add(("network", code), "pct_forms", stats.pct(n, len(network_answered)), len(network_answered))
    # per case (report table 11): a case "has" a network member when any of its contact forms names
    # them; "none" = no contact form of the case names anyone other than "Geen"
    members = [c for c in cb.codes("network") if c != "none"]
    per_case_net = contacts.groupby("case_id")[[f"network_{c}" for c in members]].any()
    per_case_net["network_none"] = ~per_case_net.any(axis=1)
    per_case_net = per_case_net.join(cases.set_index("case_id")["target"])
    per_case_orgs = contacts[contacts["organisations_asked"].astype(bool)].groupby("case_id")[
        [f"org_{c}" for c in cb.codes("organisation")]].any().join(cases.set_index("case_id")["target"])
    network_cases = Table(["question", "target", "answer"])
    for question, frame, codes, prefix in [("network", per_case_net, cb.codes("network"), "network_"),
                                           ("organisations", per_case_orgs, cb.codes("organisation"), "org_")]:
        for target, part in [(TOTAL, frame), *((t, frame[frame["target"] == t]) for t in cb.codes("target"))]:
            n = int(len(part))
            for code in codes:
                count = int(part[f"{prefix}{code}"].sum()) if n else 0
                network_cases.add((question, target, code), "cases", count, n)
                network_cases.add((question, target, code), "pct_cases", stats.pct(count, n), n)
    return {"contacts": figures}, {"contacts_per_closed_case": per_closed.frame(), "contact_type": kind.frame(),
                                   "contact_partner": partner_table.frame(), "organisations_network": involved.frame(),
                                   "network_organisations_by_case": network_cases.frame()}


def problem_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Problem areas at the start (share of start forms) and their development at the end."""
    areas = cb.codes("problem_area")
    start = a.start_forms
    n_start = int(len(start))
    counts = start["problems_n"] if n_start else pd.Series([], dtype=int)
    figures = {
        "start_forms_n": n_start,
        "pct": {k: stats.pct(int(start[f"problem_{k}"].sum()), n_start) for k in areas},
        "areas_count_pct": {"0": stats.pct(int((counts == 0).sum()), n_start), "1": stats.pct(int((counts == 1).sum()), n_start),
                            "2+": stats.pct(int((counts >= 2).sum()), n_start)},
        "development": {},
    }
    area_table = Table(["target", "area"])
    count_table = Table(["target", "areas_named"])
    for target, frame in [(TOTAL, start), *((t, start[start["target"] == t]) for t in cb.codes("target"))]:
        n = int(len(frame))
        for k in areas:
            area_table.add((target, k), "pct", stats.pct(int(frame[f"problem_{k}"].sum()), n), n)
        c = frame["problems_n"]
        for band, mask in [("0", c == 0), ("1", c == 1), ("2+", c >= 2)]:
            count_table.add((target, band), "pct", stats.pct(int(mask.sum()), n), n)
        count_table.add((target, TOTAL), "mean_areas", stats.mean(c), n)
    development = Table(["area", "answer"])
    for k in areas:
        answers = a.end_forms[f"dev_{k}"].dropna()
        answers = answers[answers.isin(DEVELOPMENT_ANSWERS)]
        n = int(len(answers))
        entry = {"n": n}
        for answer in DEVELOPMENT_ANSWERS:
            entry[f"{answer}_pct"] = stats.pct(int((answers == answer).sum()), n)
            development.add((k, answer), "pct", entry[f"{answer}_pct"], n)
        figures["development"][k] = entry
    return {"problems": figures}, {"problem_areas": area_table.frame(), "problem_area_count": count_table.frame(),
                                   "problem_development": development.frame()}


def closure_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Closure reasons over end forms that name at least one reason; and aftercare."""
    end = a.end_forms
    with_reason = end[end["reasons_n"] > 0]
    forms_n = int(len(with_reason))
    mentions = int(with_reason["reasons_n"].sum())
    reasons = {}
    table = Table(["reason"])
    for k in cb.codes("closure_reason"):
        n = int(with_reason[f"reason_{k}"].sum())
        reasons[k] = {"n": n, "pct_mentions": stats.pct(n, mentions), "pct_forms": stats.pct(n, forms_n)}
        table.add(k, "count", n, forms_n)
        table.add(k, "pct_mentions", reasons[k]["pct_mentions"], mentions)
        table.add(k, "pct_forms", reasons[k]["pct_forms"], forms_n)
    by_target = Table(["target", "reason"])
    for target in cb.codes("target"):
        part = with_reason[with_reason["target"] == target]
        t_forms, t_mentions = int(len(part)), int(part["reasons_n"].sum())
        for k in cb.codes("closure_reason"):
            n = int(part[f"reason_{k}"].sum())
            by_target.add((target, k), "count", n, t_forms)
            by_target.add((target, k), "pct_mentions", stats.pct(n, t_mentions), t_mentions)
            by_target.add((target, k), "pct_forms", stats.pct(n, t_forms), t_forms)
    aftercare = int(a.cases["aftercare"].astype(bool).sum())
    after = Table(["measure_of"])
    closed = int(a.cases["closed"].astype(bool).sum())
    after.add("cases", "aftercare_cases", aftercare, len(a.cases))
    after.add("cases", "aftercare_pct_of_closed", stats.pct(int((a.cases["aftercare"].astype(bool) & a.cases["closed"].astype(bool)).sum()), closed), closed)
    return ({"closure": {"forms_n": forms_n, "mentions_n": mentions, "reasons": reasons}, "aftercare": {"cases": aftercare}},
            {"closure_reasons": table.frame(), "closure_reasons_by_target": by_target.frame(), "aftercare": after.frame()})


def safety_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Safety means per rater and moment; the client's paired start and end scores."""
    means = {r: {m: stats.mean(getattr(a, frame)[f"safety_{r}"]) for m, frame in MOMENTS.items()} for r in RATERS}
    table = Table(["rater", "moment"])
    for r in RATERS:
        for m, frame in MOMENTS.items():
            values = getattr(a, frame)[f"safety_{r}"]
            ci = stats.mean_ci(values)
            table.add((r, m), "mean", ci.mean, ci.n)
            table.add((r, m), "ci_low", ci.low, ci.n)
            table.add((r, m), "ci_high", ci.high, ci.n)
    start = a.start_forms.set_index("case_id")["safety_client"]
    end = a.end_forms.set_index("case_id")["safety_client"]
    pairs = pd.DataFrame({"start": start, "end": end}).dropna()
    pairs = pairs.join(a.cases.set_index("case_id")[["team", "target"]])
    pairs["change"] = pairs["end"] - pairs["start"]

    def paired(frame: pd.DataFrame) -> dict:
        return {"n": int(len(frame)), "start_mean": stats.mean(frame["start"]), "end_mean": stats.mean(frame["end"]),
                "change_mean": stats.mean(frame["change"])}

    overall = paired(pairs)
    figures = {
        "mean": means,
        "client_paired": {
            **overall,
            "by_team": {k: {x: v for x, v in paired(pairs[pairs["team"] == k]).items() if x != "change_mean"} for k in cb.codes("team")},
            "by_target": {k: {x: v for x, v in paired(pairs[pairs["target"] == k]).items() if x in ("n", "change_mean")} for k in cb.codes("target")},
        },
    }
    paired_table = Table(["breakdown", "group"])
    for breakdown, key, frame in [("total", TOTAL, pairs), *(("team", t, pairs[pairs["team"] == t]) for t in cb.codes("team")),
                                  *(("target", t, pairs[pairs["target"] == t]) for t in cb.codes("target"))]:
        values = paired(frame)
        for measure in ["start_mean", "end_mean", "change_mean"]:
            paired_table.add((breakdown, key), measure, values[measure], values["n"])
        ci = stats.mean_ci(frame["change"])
        paired_table.add((breakdown, key), "change_ci_low", ci.low, ci.n)
        paired_table.add((breakdown, key), "change_ci_high", ci.high, ci.n)
        test = stats.wilcoxon_paired(frame["start"], frame["end"])
        paired_table.add((breakdown, key), "wilcoxon_statistic", test.statistic, test.n_nonzero)
        paired_table.add((breakdown, key), "wilcoxon_p", test.p_value, test.n_nonzero)
        paired_table.add((breakdown, key), "rank_biserial", test.rank_biserial, test.n_nonzero)
        for direction, mask in [("higher", frame["change"] > 0), ("same", frame["change"] == 0), ("lower", frame["change"] < 0)]:
            paired_table.add((breakdown, key), f"pairs_{direction}", int(mask.sum()), values["n"])
    by_rater = Table(["rater", "target"])
    for rater in RATERS:
        r_pairs = pd.DataFrame({"start": a.start_forms.set_index("case_id")[f"safety_{rater}"],
                                "end": a.end_forms.set_index("case_id")[f"safety_{rater}"]}).dropna()
        r_pairs = r_pairs.join(a.cases.set_index("case_id")[["target"]])
        for key, frame in [(TOTAL, r_pairs), *((t, r_pairs[r_pairs["target"] == t]) for t in cb.codes("target"))]:
            n = int(len(frame))
            by_rater.add((rater, key), "start_mean", stats.mean(frame["start"]), n)
            by_rater.add((rater, key), "end_mean", stats.mean(frame["end"]), n)
            by_rater.add((rater, key), "change_mean", stats.mean(frame["end"] - frame["start"]), n)
            test = stats.wilcoxon_paired(frame["start"], frame["end"])
            by_rater.add((rater, key), "wilcoxon_statistic", test.statistic, test.n_nonzero)
            by_rater.add((rater, key), "wilcoxon_p", test.p_value, test.n_nonzero)
            by_rater.add((rater, key), "rank_biserial", test.rank_biserial, test.n_nonzero)
    counts = pairs.groupby(["target", "start", "end"]).size().rename("n").reset_index() if len(pairs) else \
        pd.DataFrame(columns=["target", "start", "end", "n"])
    counts[["start", "end"]] = counts[["start", "end"]].astype("Int64")
    return {"safety": figures}, {"safety_means": table.frame(), "safety_client_paired": paired_table.frame(),
                                 "safety_paired_by_rater": by_rater.frame(),
                                 "safety_client_pairs": counts}


def expert_figures(a: Analysed) -> tuple[dict, dict]:
    """Distinct experts, per start year, and cases per expert (two experts: the case counts for both)."""
    long = pd.concat([
        a.cases[["case_id", "start_year", "expert_1_id"]].rename(columns={"expert_1_id": "expert"}),
        a.cases[["case_id", "start_year", "expert_2_id"]].rename(columns={"expert_2_id": "expert"}),
    ]).dropna(subset=["expert"]).drop_duplicates(["case_id", "expert"])
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
    for measure, value in [("cases_per_expert_min", figures["cases_per_expert_min"]), ("cases_per_expert_max", figures["cases_per_expert_max"]),
                           ("cases_per_expert_mean", stats.mean(per_expert)), ("cases_per_expert_median", stats.median(per_expert))]:
        table.add(TOTAL, measure, value, int(per_expert.size))
    return {"experts": figures}, {"experts": table.frame()}


def survey_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Client-experience interviews of analysed cases: yes/no items, grades by year and team."""
    survey = a.client_survey
    items = {}
    item_table = Table(["item"])
    for item in SURVEY_ITEMS:
        values = survey[item]
        if item == "leaflet_useful":
            values = values[survey["leaflet_received"].fillna(False).astype(bool)]
        value, n = stats.share_yes(values)
        items[item] = value
        item_table.add(item, "pct_yes", value, n)
    grade = survey["grade"]
    years = survey["date_interview"].dt.year.dropna().astype(int)
    by_year = {str(y): stats.mean(grade[survey["date_interview"].dt.year == y]) for y in sorted(years.unique())}
    by_team = {k: _mean_n(v) for k, v in _by(grade, survey["team"], cb.codes("team")).items()}
    figures = {"n": int(len(survey)), "grade_mean": stats.mean(grade), "grade_n": stats.count(grade),
               "grade_by_year": by_year, "item_pct": items, "grade_by_team": by_team}
    grades = Table(["breakdown", "group"])
    _describe(grades, "total", TOTAL, grade)
    for y in by_year:
        _describe(grades, "interview_year", y, grade[survey["date_interview"].dt.year == int(y)])
    for k in cb.codes("team"):
        _describe(grades, "team", k, grade[survey["team"] == k])
    for k in cb.codes("target"):
        _describe(grades, "target", k, grade[survey["target"] == k])
    return {"survey": figures}, {"survey_items": item_table.frame(), "survey_grades": grades.frame()}


def noncase_figures(clean: CleanData, cb: Codebook) -> tuple[dict, dict]:
    """Contacts with people not in a case (chapter 5, tables 16-18): all kept rows."""
    nc = clean.noncase_contacts
    n = int(len(nc))
    minutes = pd.to_numeric(nc["minutes"], errors="coerce").dropna()
    bands = {name: stats.pct(int(((minutes >= low) & (minutes < high)).sum()), len(minutes)) for name, low, high in DURATION_BANDS}
    conversation = nc["conversation"].dropna()

    def shares(column: str, code_list: str) -> tuple[dict, int]:
        filled = nc[column].dropna()
        return {k: stats.pct(int((filled == k).sum()), len(filled)) for k in cb.codes(code_list)}, int(len(filled))

    type_pct, type_n = shares("contact_type", "nc_contact_type")
    who_pct, who_n = shares("seeker", "seeker")
    via_pct, via_n = shares("via", "via")
    support_pct = {k: stats.pct(int(nc[f"support_{k}"].sum()), n) for k in cb.codes("support")}
    figures = {"n": n, "duration_mean_min": stats.mean(minutes), "duration_band_pct": bands,
               "first_pct": stats.pct(int((conversation == "first").sum()), len(conversation)),
               "type_pct": type_pct, "who_pct": who_pct, "via_pct": via_pct, "support_pct": support_pct}
    table = Table(["question", "answer"])
    table.add(("duration", TOTAL), "mean_minutes", figures["duration_mean_min"], len(minutes))
    table.add(("duration", TOTAL), "median_minutes", stats.median(minutes), len(minutes))
    for name, value in bands.items():
        table.add(("duration_band", name), "pct", value, len(minutes))
    for code in cb.codes("conversation"):
        table.add(("conversation", code), "pct", stats.pct(int((conversation == code).sum()), len(conversation)), len(conversation))
    for question, values, denominator in [("type", type_pct, type_n), ("who", who_pct, who_n), ("via", via_pct, via_n),
                                          ("support", support_pct, n)]:
        for code, value in values.items():
            table.add((question, code), "pct", value, denominator)
    by_year = Table(["year_folder"])
    for year, count in nc["year_folder"].value_counts().sort_index().items():
        by_year.add(year, "contacts", int(count), int(count))
    return {"noncase": figures}, {"noncase": table.frame(), "noncase_by_year": by_year.frame()}


# --------------------------------------------------------------------------------------------


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


KEY_ORDER = ["flow", "forms", "cases", "background", "lead_time_days", "duration_days", "contacts", "problems", "closure",
             "safety", "aftercare", "experts", "survey", "noncase"]


def compute_indicators(clean: CleanData, peildatum: dt.date, min_group_n: int = 5, forms_unlinked: int = 0,
                       codebook: Codebook | None = None, coded_sheet: Path | None = None) -> Indicators:
    """Every indicator of docs/definitions.md from the clean tables.

    ``forms_unlinked`` is the number of form rows dropped by rule ``unknown_case`` (the ingest
    stage's manifest holds it). ``coded_sheet``: the researchers' coded open answers (optional;
    see :mod:`pipeline.coding`). ``min_group_n`` is not applied here (the key figures are
    unsuppressed); it is recorded with the tables so that the report suppresses consistently.
    """
    cb = codebook or load_codebook()
    a = analysed_view(clean)
    kerncijfers: dict = {}
    tables: dict[str, pd.DataFrame] = {}
    parts = [
        flow_figures(clean, a, forms_unlinked), case_figures(a, cb), background_figures(a, cb), lead_time_figures(a, cb),
        duration_figures(a, cb, peildatum), contact_figures(a, cb), problem_figures(a, cb), closure_figures(a, cb),
        safety_figures(a, cb), expert_figures(a), survey_figures(a, cb), noncase_figures(clean, cb),
    ]
    for figures, part_tables in parts:
        kerncijfers.update(figures)
        tables.update(part_tables)
    kerncijfers = {key: kerncijfers[key] for key in KEY_ORDER}
    tables.update(open_answer_tables(clean, cb, coded_sheet))
    return Indicators(kerncijfers=_jsonable(kerncijfers), tables=tables)


def _jsonable(value: object) -> object:
    """Nested dict with plain Python numbers; NaN becomes ``None``."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return _plain(value)


def kerncijfers_json(kerncijfers: dict) -> str:
    """The key figures as JSON text (stable key order, no NaN)."""
    return json.dumps(kerncijfers, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_indicators(result: Indicators, tables_dir: Path, kerncijfers_path: Path) -> None:
    """Write the tidy tables (csv, one per table) and ``kerncijfers.json``, each atomically."""
    with atomic.replace_dir(Path(tables_dir)) as staging:
        for name, frame in sorted(result.tables.items()):
            frame.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
    atomic.write_text(Path(kerncijfers_path), kerncijfers_json(result.kerncijfers))
