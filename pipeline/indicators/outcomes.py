"""Knowledge questions 10 and 11: problem areas and their development, closure reasons and
aftercare, and the safety scores at start and end (paired, with the Wilcoxon test)."""

from __future__ import annotations

import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table

RATERS = ["client", "expert", "professional"]
MOMENTS = {"start": "start_forms", "end": "end_forms"}
DEVELOPMENT_ANSWERS = ["increased", "same", "decreased", "stopped"]


def problem_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Problem areas at the start (share of start forms) and their development at the end."""
    areas = cb.codes("problem_area")
    start = a.start_forms
    n_start = int(len(start))
    counts = start["problems_n"] if n_start else pd.Series([], dtype=int)
    figures = {
        "start_forms_n": n_start,
        "pct": {k: stats.pct(int(start[f"problem_{k}"].sum()), n_start) for k in areas},
        "areas_count_pct": {
            "0": stats.pct(int((counts == 0).sum()), n_start),
            "1": stats.pct(int((counts == 1).sum()), n_start),
            "2+": stats.pct(int((counts >= 2).sum()), n_start),
        },
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
    return {"problems": figures}, {
        "problem_areas": area_table.frame(),
        "problem_area_count": count_table.frame(),
        "problem_development": development.frame(),
    }


def closure_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Closure reasons over end forms that name at least one reason; and aftercare."""
    end = a.end_forms
    with_reason = end[end["reasons_n"] > 0]
    forms_n = int(len(with_reason))
    mentions = int(with_reason["reasons_n"].sum())
    reasons = {}
    for k in cb.codes("closure_reason"):
        n = int(with_reason[f"reason_{k}"].sum())
        reasons[k] = {"n": n, "pct_mentions": stats.pct(n, mentions), "pct_forms": stats.pct(n, forms_n)}
    # report table 12: per doelgroep and overall, count, % of the end forms with a reason, % of all mentions
    table = Table(["target", "reason"])
    for target, part in [(TOTAL, with_reason), *((t, with_reason[with_reason["target"] == t]) for t in cb.codes("target"))]:
        t_forms, t_mentions = int(len(part)), int(part["reasons_n"].sum())
        for k in cb.codes("closure_reason"):
            n = int(part[f"reason_{k}"].sum())
            table.add((target, k), "count", n, t_forms)
            table.add((target, k), "pct_forms", stats.pct(n, t_forms), t_forms)
            table.add((target, k), "pct_mentions", stats.pct(n, t_mentions), t_mentions)
        table.add((target, TOTAL), "mentions", t_mentions, t_forms)
    aftercare = int(a.cases["aftercare"].astype(bool).sum())
    after = Table(["measure_of"])
    closed = int(a.cases["closed"].astype(bool).sum())
    after.add("cases", "aftercare_cases", aftercare, len(a.cases))
    after.add(
        "cases",
        "aftercare_pct_of_closed",
        stats.pct(int((a.cases["aftercare"].astype(bool) & a.cases["closed"].astype(bool)).sum()), closed),
        closed,
    )
    return (
        {"closure": {"forms_n": forms_n, "mentions_n": mentions, "reasons": reasons}, "aftercare": {"cases": aftercare}},
        {"closure_reasons": table.frame(), "aftercare": after.frame()},
    )


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
    # Start and end forms aligned on the case once, for every rater: the rows of a rater's pairs
    # are those with both of its scores, in the order of the aligned forms.
    start, end = a.start_forms.set_index("case_id"), a.end_forms.set_index("case_id")
    aligned = pd.DataFrame(
        {**{f"start_{r}": start[f"safety_{r}"] for r in RATERS}, **{f"end_{r}": end[f"safety_{r}"] for r in RATERS}}
    )
    aligned = aligned.join(a.cases.set_index("case_id")[["team", "target"]])

    def rater_pairs(rater: str) -> pd.DataFrame:
        frame = aligned[[f"start_{rater}", f"end_{rater}", "team", "target"]]
        frame = frame[frame[f"start_{rater}"].notna() & frame[f"end_{rater}"].notna()]
        return frame.set_axis(["start", "end", "team", "target"], axis=1)

    pairs = rater_pairs("client")
    pairs["change"] = pairs["end"] - pairs["start"]

    def paired(frame: pd.DataFrame) -> dict:
        return {
            "n": int(len(frame)),
            "start_mean": stats.mean(frame["start"]),
            "end_mean": stats.mean(frame["end"]),
            "change_mean": stats.mean(frame["change"]),
        }

    overall = paired(pairs)
    of_team = {k: pairs[pairs["team"] == k] for k in cb.codes("team")}
    of_target = {k: pairs[pairs["target"] == k] for k in cb.codes("target")}
    figures = {
        "mean": means,
        "client_paired": {
            **overall,
            "by_team": {k: {x: v for x, v in paired(frame).items() if x != "change_mean"} for k, frame in of_team.items()},
            "by_target": {
                k: {x: v for x, v in paired(frame).items() if x in ("n", "change_mean")} for k, frame in of_target.items()
            },
        },
    }
    paired_table = Table(["breakdown", "group"])
    for breakdown, key, frame in [
        ("total", TOTAL, pairs),
        *(("team", t, frame) for t, frame in of_team.items()),
        *(("target", t, frame) for t, frame in of_target.items()),
    ]:
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
        r_pairs = rater_pairs(rater)
        for key, frame in [(TOTAL, r_pairs), *((t, r_pairs[r_pairs["target"] == t]) for t in cb.codes("target"))]:
            n = int(len(frame))
            by_rater.add((rater, key), "start_mean", stats.mean(frame["start"]), n)
            by_rater.add((rater, key), "end_mean", stats.mean(frame["end"]), n)
            by_rater.add((rater, key), "change_mean", stats.mean(frame["end"] - frame["start"]), n)
            test = stats.wilcoxon_paired(frame["start"], frame["end"])
            by_rater.add((rater, key), "wilcoxon_statistic", test.statistic, test.n_nonzero)
            by_rater.add((rater, key), "wilcoxon_p", test.p_value, test.n_nonzero)
            by_rater.add((rater, key), "rank_biserial", test.rank_biserial, test.n_nonzero)
    counts = (
        pairs.groupby(["target", "start", "end"]).size().rename("n").reset_index()
        if len(pairs)
        else pd.DataFrame(columns=["target", "start", "end", "n"])
    )
    counts[["start", "end"]] = counts[["start", "end"]].astype("Int64")
    return {"safety": figures}, {
        "safety_means": table.frame(),
        "safety_client_paired": paired_table.frame(),
        "safety_paired_by_rater": by_rater.frame(),
        "safety_client_pairs": counts,
    }
