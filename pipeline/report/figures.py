"""The figures stage: plotnine figures for the report, from the key figures and indicator tables.

One theme for every figure, one colour per meaning across figures (the codebook's colours per
code: a doelgroep, a moment, a development answer), Dutch labels with the n of every group. A
group on fewer than ``min_group_n`` cases is left out, as the tables show ``–`` (the one
suppression rule; the caption says so). Each figure is written as SVG whose text stays text
(selectable, read aloud; font DejaVu Sans, which the PDF renderer embeds) and as PNG,
byte-identical on a rerun of the same inputs (fixed ``svg.hashsalt``, no dates or software
versions in the metadata), with its caption and alt text in ``figures.json``.

Figures (numbered as in the 2018-2020 report), file name = the indicator table they show:
1. ``contacts_per_closed_case``: contacts and hours per closed case, by doelgroep and start year;
2. ``problem_development``: development of the problem areas between start and end;
3. ``safety_means``: mean safety score per rater and moment, all ratings;
4. ``safety_client_pairs``: the client's safety at start and end per case, by doelgroep.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import plotnine as p9  # noqa: E402

from pipeline import atomic  # noqa: E402
from pipeline.codebook import Codebook, load_codebook  # noqa: E402
from pipeline.fmt import fmt_int, fmt_number  # noqa: E402
from pipeline.paths import FIGURES_DIR, INDICATOR_TABLES_DIR, KERNCIJFERS_FILE  # noqa: E402
from pipeline.report.wording import Words, load_wording  # noqa: E402

log = logging.getLogger("pipeline.figures")

WIDTH, DPI = 6.5, 150
NEUTRAL = "#7A7A7A"  # bars that stand for no category of the codebook (start years)
MEAN = "#CC79A7"  # the mean line of Figure 4


@dataclass
class Figure:
    key: str  # file stem = the indicator table shown
    caption: str
    alt: str


def report_theme() -> p9.theme:
    """The one theme of every report figure (text large enough to read on a phone)."""
    return p9.theme_minimal(base_size=11, base_family="DejaVu Sans") + p9.theme(
        panel_grid_minor=p9.element_blank(),
        panel_grid_major_x=p9.element_blank(),
        legend_position="bottom",
        legend_title=p9.element_blank(),
        plot_background=p9.element_rect(fill="white", color="white"),
        strip_text=p9.element_text(weight="bold", size=11),
        axis_title=p9.element_text(size=10),
        axis_text=p9.element_text(size=10),
    )


def _reproducible() -> None:
    matplotlib.rcParams["svg.hashsalt"] = "cirkel-is-rond"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    matplotlib.rcParams["path.simplify"] = True
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


def save(plot: p9.ggplot, out_dir: Path, key: str, height: float) -> None:
    """SVG and PNG of one figure, each written atomically and without run-specific metadata.

    The plot is drawn once and saved in both formats (drawing is the expensive part).
    """
    import matplotlib.pyplot as plt

    _reproducible()
    figure = (plot + p9.theme(figure_size=(WIDTH, height), dpi=DPI)).draw()
    try:
        atomic.write_with(out_dir / f"{key}.svg",
                          lambda tmp: figure.savefig(tmp, format="svg", dpi=DPI, metadata={"Date": None, "Creator": None}))
        atomic.write_with(out_dir / f"{key}.png",
                          lambda tmp: figure.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None}))
    finally:
        plt.close(figure)


def _num(value: object, decimals: int = 1) -> str:
    return fmt_number(value, decimals)


def _left_out(words: Words, groups: list[str], min_n: int) -> str:
    if not groups:
        return ""
    return words("left_out", min_n=min_n, groups=", ".join(groups))


# --------------------------------------------------------------------------- figure 1


def contacts_frame(k: dict, cb: Codebook, min_n: int, words: Words) -> tuple[pd.DataFrame, list[str]]:
    """Figure 1 data: mean contacts and hours per closed case, per doelgroep and per start year
    (groups on fewer than ``min_n`` closed cases left out, and named)."""
    rows, left_out = [], []
    measure = words.figures.contacts_per_closed_case.map("measures")
    groups = [(cb.plural("target", t), cb.colour("target", t), k["contacts"]["by_target"][t]) for t in cb.codes("target")]
    groups += [(words.common("started_in", year=y), NEUTRAL, g) for y, g in k["contacts"]["by_start_year"].items()]
    for label, colour, g in groups:
        n = g["closed_cases_n"]
        if n < min_n:
            left_out.append(label.lower())
            continue
        group = f"{label}\n(n={fmt_int(n)})"
        rows.append({"group": group, "colour": colour, "measure": measure["contacts"], "value": g["per_closed_case_mean"]})
        rows.append({"group": group, "colour": colour, "measure": measure["hours"], "value": g["hours_per_closed_case_mean"]})
    frame = pd.DataFrame(rows, columns=["group", "colour", "measure", "value"])
    frame["group"] = pd.Categorical(frame["group"], categories=list(dict.fromkeys(frame["group"])), ordered=True)
    frame["label"] = frame["value"].map(_num)
    return frame.dropna(subset=["value"]), left_out


def figure_contacts(frame: pd.DataFrame, words: Words) -> p9.ggplot:
    colours = dict(zip(frame["colour"], frame["colour"]))
    return (
        p9.ggplot(frame, p9.aes("group", "value", fill="colour"))
        + p9.geom_col(width=0.7, show_legend=False)
        + p9.geom_text(p9.aes(label="label"), va="bottom", size=9, nudge_y=0.3)
        + p9.facet_wrap("~measure", scales="free_y", ncol=1)
        + p9.scale_fill_manual(values=colours)
        + p9.scale_y_continuous(expand=(0, 0, 0.18, 0))  # room above the tallest bar for its label
        + p9.labs(x="", y=words.figures.contacts_per_closed_case("y"))
        + report_theme()
    )


# --------------------------------------------------------------------------- figure 2


def development_frame(k: dict, cb: Codebook, min_n: int) -> tuple[pd.DataFrame, list[str]]:
    """Figure 2 data: per problem area the % increased / same / decreased / stopped, among the end
    forms that gave one of these four (n per area; areas with n under ``min_n`` left out)."""
    answers = [c for c in cb.codes("development") if c != "not_applicable"]
    rows, left_out = [], []
    for area in cb.codes("problem_area"):
        d = k["problems"]["development"][area]
        if d["n"] < min_n:
            left_out.append(cb.label("problem_area", area).lower())
            continue
        label = f"{cb.label('problem_area', area)} (n={fmt_int(d['n'])})"
        for answer in answers:
            rows.append({"area": label, "answer": cb.label("development", answer), "pct": d[f"{answer}_pct"]})
    frame = pd.DataFrame(rows, columns=["area", "answer", "pct"])
    frame["answer"] = pd.Categorical(frame["answer"], categories=[cb.label("development", a) for a in answers][::-1], ordered=True)
    frame["area"] = pd.Categorical(frame["area"], categories=list(dict.fromkeys(frame["area"]))[::-1], ordered=True)
    frame["label"] = [f"{_num(p, 0)}%" if p is not None and p >= 7 else "" for p in frame["pct"]]
    return frame.dropna(subset=["pct"]), left_out


def figure_development(frame: pd.DataFrame, cb: Codebook, words: Words) -> p9.ggplot:
    answers = [c for c in cb.codes("development") if c != "not_applicable"]
    colours = {cb.label("development", a): cb.colour("development", a) for a in answers}
    return (
        p9.ggplot(frame, p9.aes("area", "pct", fill="answer"))
        + p9.geom_col(width=0.75)
        + p9.geom_text(p9.aes(label="label"), position=p9.position_stack(vjust=0.5), size=8, color="#1a1a1a")
        + p9.coord_flip()
        + p9.scale_fill_manual(values=colours, breaks=list(colours))
        + p9.scale_y_continuous(labels=lambda v: [f"{int(x)}%" for x in v], limits=(0, 100.01))
        + p9.labs(x="", y=words.figures.problem_development("y"))
        + report_theme()
        + p9.theme(panel_grid_major_y=p9.element_blank(), panel_grid_major_x=p9.element_line(color="#DDDDDD"))
    )


# --------------------------------------------------------------------------- figure 3


def safety_frame(tables: dict[str, pd.DataFrame], k: dict, cb: Codebook, min_n: int) -> tuple[pd.DataFrame, list[str]]:
    """Figure 3 data: the mean of all safety scores per rater and moment, with n per bar (rater
    and moment on fewer than ``min_n`` scores left out)."""
    table = tables.get("safety_means")
    rows, left_out = [], []
    for rater in cb.codes("rater"):
        for moment in cb.codes("moment"):
            match = table[(table["rater"] == rater) & (table["moment"] == moment) & (table["measure"] == "mean")] if table is not None else []
            mean = k["safety"]["mean"][rater][moment]
            n = int(match["n"].iloc[0]) if len(match) and pd.notna(match["n"].iloc[0]) else 0
            label = f"{cb.label('rater', rater)}, {cb.label('moment', moment).lower()}"
            if mean is None or n < min_n:
                if n:
                    left_out.append(label.lower())
                continue
            rows.append({"rater": cb.label("rater", rater), "moment": cb.label("moment", moment), "mean": mean, "n": n,
                         "label": f"{_num(mean)}\n(n={fmt_int(n)})"})
    frame = pd.DataFrame(rows, columns=["rater", "moment", "mean", "n", "label"])
    frame["moment"] = pd.Categorical(frame["moment"], categories=[cb.label("moment", m) for m in cb.codes("moment")], ordered=True)
    frame["rater"] = pd.Categorical(frame["rater"], categories=[cb.label("rater", r) for r in cb.codes("rater")], ordered=True)
    return frame, left_out


def figure_safety(frame: pd.DataFrame, cb: Codebook, words: Words) -> p9.ggplot:
    dodge = p9.position_dodge(width=0.8)
    colours = {cb.label("moment", m): cb.colour("moment", m) for m in cb.codes("moment")}
    return (
        p9.ggplot(frame, p9.aes("rater", "mean", fill="moment"))
        + p9.geom_col(position=dodge, width=0.75)
        + p9.geom_text(p9.aes(label="label"), position=dodge, va="bottom", size=8)
        + p9.scale_fill_manual(values=colours, breaks=list(colours))
        + p9.scale_y_continuous(limits=(0, 11.5), breaks=range(0, 11, 2))
        + p9.labs(x="", y=words.figures.safety_means("y"))
        + report_theme()
    )


# --------------------------------------------------------------------------- figure 4


def pairs_frame(pairs: pd.DataFrame, cb: Codebook, min_n: int) -> tuple[pd.DataFrame, list[str]]:
    """Figure 4 data: per doelgroep (in the codebook's order) the (start, end) client scores with
    their number of cases; a doelgroep on fewer than ``min_n`` pairs left out."""
    frame = pairs.copy()
    n_by = frame.groupby("target")["n"].sum()
    left_out = [cb.plural("target", t).lower() for t in cb.codes("target") if 0 < n_by.get(t, 0) < min_n]
    frame = frame[frame["target"].map(n_by).fillna(0) >= min_n]
    order = [f"{cb.plural('target', t)} (n={fmt_int(n_by.get(t, 0))})" for t in cb.codes("target")]
    frame["group"] = [f"{cb.plural('target', t)} (n={fmt_int(n_by[t])})" for t in frame["target"]]
    frame["pair"] = range(len(frame))
    long = frame.melt(id_vars=["group", "pair", "n"], value_vars=["start", "end"], var_name="moment", value_name="score")
    long["moment"] = pd.Categorical(long["moment"].map({m: cb.label("moment", m) for m in cb.codes("moment")}),
                                    categories=[cb.label("moment", m) for m in cb.codes("moment")], ordered=True)
    long["group"] = pd.Categorical(long["group"], categories=[g for g in order if g in set(long["group"])], ordered=True)
    return long, left_out


def figure_pairs(long: pd.DataFrame, words: Words) -> p9.ggplot:
    w = words.figures.safety_client_pairs
    means = long.assign(w=long["score"] * long["n"]).groupby(["group", "moment"], observed=True)[["w", "n"]].sum().reset_index()
    means["score"] = means["w"] / means["n"]
    means["what"] = w("mean")
    return (
        p9.ggplot(long, p9.aes("moment", "score", group="pair"))
        + p9.geom_line(p9.aes(size="n"), color="#9A9A9A", alpha=0.5)
        + p9.geom_line(p9.aes(group="group", color="what"), data=means, size=1.6)
        + p9.geom_point(p9.aes(group="group", color="what"), data=means, size=2.5)
        + p9.facet_wrap("~group")
        + p9.scale_color_manual(values={w("mean"): MEAN}, name="")
        + p9.scale_size_continuous(range=(0.4, 2.5), name=w("size"))
        + p9.scale_y_continuous(limits=(0, 10), breaks=range(0, 11, 2))
        + p9.labs(x="", y=w("y"))
        + report_theme()
        + p9.theme(legend_title=p9.element_text(size=9))
        # the mean line's legend has no title (an empty scale name would show the column's name)
        + p9.guides(color=p9.guide_legend(theme=p9.theme(legend_title=p9.element_blank())))
    )


# --------------------------------------------------------------------------- stage


def make_figures(k: dict, tables: dict[str, pd.DataFrame], out_dir: Path, min_n: int, codebook: Codebook | None = None,
                 words: Words | None = None) -> list[Figure]:
    """Write every figure that has data; return their captions and alt texts."""
    cb = codebook or load_codebook()
    words = words or load_wording()
    fw = words.figures
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []

    frame, left_out = contacts_frame(k, cb, min_n, words)
    if len(frame):
        w = fw.contacts_per_closed_case
        save(figure_contacts(frame, words), out_dir, "contacts_per_closed_case", height=5.2)
        measure = w.map("measures")
        first = frame[frame["measure"] == measure["contacts"]]
        hours = frame[frame["measure"] == measure["hours"]]
        parts = "; ".join(w("alt_part", group=g.replace(chr(10), " "), contacts=_num(c), hours=_num(u))
                          for g, c, u in zip(first["group"], first["value"], hours["value"]))
        figures.append(Figure("contacts_per_closed_case", w("caption") + _left_out(fw, left_out, min_n), w("alt", parts=parts)))

    frame, left_out = development_frame(k, cb, min_n)
    if len(frame):
        w = fw.problem_development
        save(figure_development(frame, cb, words), out_dir, "problem_development", height=5.2)
        stopped = frame[frame["answer"] == cb.label("development", "stopped")].sort_values("pct", ascending=False).head(3)
        parts = "; ".join(w("alt_part", area=str(a).split(" (n=")[0], pct=_num(p, 0)) for a, p in zip(stopped["area"], stopped["pct"]))
        figures.append(Figure("problem_development", w("caption") + _left_out(fw, left_out, min_n), w("alt", parts=parts)))

    frame, left_out = safety_frame(tables, k, cb, min_n)
    if len(frame):
        w = fw.safety_means
        save(figure_safety(frame, cb, words), out_dir, "safety_means", height=4.0)
        parts = "; ".join(w("alt_part", rater=r, moment=str(m).lower(), mean=_num(v), n=fmt_int(n))
                          for r, m, v, n in zip(frame["rater"], frame["moment"], frame["mean"], frame["n"]))
        figures.append(Figure("safety_means", w("caption") + _left_out(fw, left_out, min_n), w("alt", parts=parts)))

    pairs = tables.get("safety_client_pairs", pd.DataFrame(columns=["target", "start", "end", "n"]))
    long, left_out = pairs_frame(pairs, cb, min_n) if len(pairs) else (pd.DataFrame(), [])
    if len(long):
        w = fw.safety_client_pairs
        save(figure_pairs(long, words), out_dir, "safety_client_pairs", height=4.2)
        by = k["safety"]["client_paired"]["by_target"]
        parts = "; ".join(w("alt_part", target=cb.plural("target", t), change=_num(by[t]["change_mean"]), n=fmt_int(by[t]["n"]))
                          for t in cb.codes("target") if by[t]["n"] >= min_n)
        figures.append(Figure("safety_client_pairs", w("caption") + _left_out(fw, left_out, min_n), w("alt", parts=parts)))
    return figures


def run_figures(min_n: int | None = None, kerncijfers: Path = KERNCIJFERS_FILE, tables_dir: Path = INDICATOR_TABLES_DIR,
                out_dir: Path = FIGURES_DIR) -> list[Figure]:
    """The figures stage: ``kerncijfers.json`` + indicator tables → ``report/figures``."""
    if min_n is None:
        from pipeline.params import load_params

        min_n = load_params().min_group_n
    k = json.loads(Path(kerncijfers).read_text(encoding="utf-8"))
    tables = {p.stem: pd.read_csv(p) for p in sorted(Path(tables_dir).glob("*.csv"))}
    with atomic.replace_dir(Path(out_dir)) as staging:
        figures = make_figures(k, tables, staging, min_n)
        text = json.dumps([asdict(f) for f in figures], indent=2, ensure_ascii=False) + "\n"
        (staging / "figures.json").write_text(text, encoding="utf-8")
    log.info("figures: %d figuren → %s", len(figures), out_dir)
    return figures
