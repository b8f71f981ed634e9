"""The figures stage: plotnine figures for the report, from the key figures and indicator tables.

One theme for every figure, the Okabe-Ito palette (colour-blind safe), Dutch labels, n in the
labels. Each figure is written as SVG (HTML) and PNG (PDF), byte-identical on a rerun of the
same inputs (fixed ``svg.hashsalt``, no dates or software versions in the metadata), with its
alt text in ``figures.json`` beside them.

Figures (numbered as in the 2018-2020 report):
1. contacts and hours per closed case, by doelgroep and by start year;
2. development of the problem areas between start and end;
3. mean safety score by rater and moment;
4. client safety at start and end per case, by doelgroep.
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

log = logging.getLogger("pipeline.figures")

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TARGET_LABELS = {"victim": "Slachtoffer", "perpetrator": "Pleger"}
MOMENT_LABELS = {"start": "Start", "end": "Einde"}
WIDTH, HEIGHT, DPI = 7.0, 4.0, 150


@dataclass
class Figure:
    key: str  # file stem, e.g. "fig1_contacten"
    caption: str
    alt: str


def report_theme() -> p9.theme:
    """The one theme of every report figure."""
    return p9.theme_minimal(base_size=10, base_family="DejaVu Sans") + p9.theme(
        panel_grid_minor=p9.element_blank(),
        panel_grid_major_x=p9.element_blank(),
        legend_position="bottom",
        legend_title=p9.element_blank(),
        plot_background=p9.element_rect(fill="white", color="white"),
        strip_text=p9.element_text(weight="bold", size=10),
        axis_title=p9.element_text(size=9),
    )


def _reproducible() -> None:
    matplotlib.rcParams["svg.hashsalt"] = "cirkel-is-rond"
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["path.simplify"] = True
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


def save(plot: p9.ggplot, out_dir: Path, key: str, height: float = HEIGHT) -> None:
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


# --------------------------------------------------------------------------- figure data


def contacts_frame(k: dict, codebook: Codebook) -> pd.DataFrame:
    """Figure 1 data: mean contacts and hours per closed case, per doelgroep and per start year."""
    rows = []
    for target in codebook.codes("target"):
        g = k["contacts"]["by_target"][target]
        rows.append(("Doelgroep", TARGET_LABELS[target], g))
    for year, g in k["contacts"]["by_start_year"].items():
        rows.append(("Startjaar", year, g))
    out = []
    for panel, label, g in rows:
        n = g["closed_cases_n"]
        group = f"{label}\n(n={fmt_int(n)})"
        out.append({"split": panel, "group": group, "measure": "Contacten per casus", "value": g["per_closed_case_mean"]})
        out.append({"split": panel, "group": group, "measure": "Uren per casus", "value": g["hours_per_closed_case_mean"]})
    frame = pd.DataFrame(out)
    frame["group"] = pd.Categorical(frame["group"], categories=list(dict.fromkeys(frame["group"])), ordered=True)
    frame["label"] = frame["value"].map(_num)
    return frame.dropna(subset=["value"])


def development_frame(k: dict, codebook: Codebook) -> pd.DataFrame:
    """Figure 2 data: per problem area the % increased / same / decreased / stopped."""
    answers = [c for c in codebook.codes("development") if c != "not_applicable"]
    rows = []
    for area in codebook.codes("problem_area"):
        d = k["problems"]["development"][area]
        label = f"{codebook.label('problem_area', area)} (n={fmt_int(d['n'])})"
        for answer in answers:
            rows.append({"area": label, "answer": codebook.label("development", answer), "pct": d[f"{answer}_pct"]})
    frame = pd.DataFrame(rows)
    frame["answer"] = pd.Categorical(frame["answer"], categories=[codebook.label("development", a) for a in answers][::-1], ordered=True)
    frame["area"] = pd.Categorical(frame["area"], categories=list(dict.fromkeys(frame["area"]))[::-1], ordered=True)
    return frame.dropna(subset=["pct"])


def safety_frame(k: dict, codebook: Codebook) -> pd.DataFrame:
    """Figure 3 data: mean safety score per rater and moment."""
    rows = []
    for rater in codebook.codes("rater"):
        for moment, label in MOMENT_LABELS.items():
            rows.append({"rater": codebook.label("rater", rater), "moment": label, "mean": k["safety"]["mean"][rater][moment]})
    frame = pd.DataFrame(rows)
    frame["moment"] = pd.Categorical(frame["moment"], categories=list(MOMENT_LABELS.values()), ordered=True)
    frame["rater"] = pd.Categorical(frame["rater"], categories=[codebook.label("rater", r) for r in codebook.codes("rater")], ordered=True)
    frame["label"] = frame["mean"].map(_num)
    return frame.dropna(subset=["mean"])


def pairs_frame(pairs: pd.DataFrame, k: dict) -> pd.DataFrame:
    """Figure 4 data: per doelgroep the (start, end) client scores with their number of cases."""
    frame = pairs.copy()
    frame["group"] = frame["target"].map(TARGET_LABELS)
    n_by = frame.groupby("target")["n"].sum()
    frame["group"] = [f"{TARGET_LABELS.get(t, t)} (n={fmt_int(n_by[t])})" for t in frame["target"]]
    frame["pair"] = range(len(frame))
    long = frame.melt(id_vars=["group", "pair", "n"], value_vars=["start", "end"], var_name="moment", value_name="score")
    long["moment"] = pd.Categorical(long["moment"].map(MOMENT_LABELS), categories=list(MOMENT_LABELS.values()), ordered=True)
    return long


# --------------------------------------------------------------------------- plots


def figure_contacts(frame: pd.DataFrame) -> p9.ggplot:
    return (
        p9.ggplot(frame, p9.aes("group", "value", fill="split"))
        + p9.geom_col(width=0.7)
        + p9.geom_text(p9.aes(label="label"), va="bottom", size=7, nudge_y=0.3)
        + p9.facet_wrap("~measure", scales="free_y")
        + p9.scale_fill_manual(values=OKABE_ITO[:2])
        + p9.labs(x="", y="Gemiddelde per afgesloten casus")
        + report_theme()
        + p9.theme(axis_text_x=p9.element_text(size=7))
    )


def figure_development(frame: pd.DataFrame) -> p9.ggplot:
    colours = {"Toegenomen": OKABE_ITO[5], "Gelijk gebleven": "#BBBBBB", "Afgenomen": OKABE_ITO[4], "Gestopt": OKABE_ITO[0]}
    return (
        p9.ggplot(frame, p9.aes("area", "pct", fill="answer"))
        + p9.geom_col(width=0.75)
        + p9.coord_flip()
        + p9.scale_fill_manual(values=colours, breaks=list(colours))
        + p9.scale_y_continuous(labels=lambda v: [f"{int(x)}%" for x in v], limits=(0, 100.01))
        + p9.labs(x="", y="Percentage van de eindformulieren met een oordeel")
        + report_theme()
        + p9.theme(panel_grid_major_y=p9.element_blank(), panel_grid_major_x=p9.element_line(color="#DDDDDD"))
    )


def figure_safety(frame: pd.DataFrame) -> p9.ggplot:
    dodge = p9.position_dodge(width=0.8)
    return (
        p9.ggplot(frame, p9.aes("rater", "mean", fill="moment"))
        + p9.geom_col(position=dodge, width=0.75)
        + p9.geom_text(p9.aes(label="label"), position=dodge, va="bottom", size=8)
        + p9.scale_fill_manual(values=[OKABE_ITO[1], OKABE_ITO[0]])
        + p9.scale_y_continuous(limits=(0, 10.5), breaks=range(0, 11, 2))
        + p9.labs(x="", y="Gemiddeld oordeel veiligheid (0-10)")
        + report_theme()
    )


def figure_pairs(long: pd.DataFrame) -> p9.ggplot:
    means = long.assign(w=long["score"] * long["n"]).groupby(["group", "moment"], observed=True)[["w", "n"]].sum().reset_index()
    means["score"] = means["w"] / means["n"]
    return (
        p9.ggplot(long, p9.aes("moment", "score", group="pair"))
        + p9.geom_line(p9.aes(size="n"), color="#9A9A9A", alpha=0.5)
        + p9.geom_line(p9.aes(group="group"), data=means, color=OKABE_ITO[5], size=1.6)
        + p9.geom_point(p9.aes(group="group"), data=means, color=OKABE_ITO[5], size=2.5)
        + p9.facet_wrap("~group")
        + p9.scale_size_continuous(range=(0.4, 2.5), name="Aantal casussen")
        + p9.scale_y_continuous(limits=(0, 10), breaks=range(0, 11, 2))
        + p9.labs(x="", y="Veiligheid volgens cliënt (0-10)")
        + report_theme()
        + p9.theme(legend_title=p9.element_text(size=8))
    )


# --------------------------------------------------------------------------- stage


def _alt_contacts(frame: pd.DataFrame) -> str:
    parts = [f"{g.replace(chr(10), ' ')}: {_num(c)} contacten en {_num(u)} uur" for (g, _), c, u in zip(
        frame[frame["measure"].str.startswith("Contacten")][["group", "split"]].itertuples(index=False),
        frame[frame["measure"].str.startswith("Contacten")]["value"],
        frame[frame["measure"].str.startswith("Uren")]["value"],
    )]
    return "Staafdiagram van het gemiddeld aantal contacten en uren per afgesloten casus. " + "; ".join(parts) + "."


def make_figures(k: dict, pairs: pd.DataFrame, out_dir: Path, codebook: Codebook | None = None) -> list[Figure]:
    """Write every figure that has data; return their captions and alt texts."""
    codebook = codebook or load_codebook()
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []

    frame = contacts_frame(k, codebook)
    if len(frame):
        save(figure_contacts(frame), out_dir, "fig1_contacten", height=3.8)
        figures.append(Figure("fig1_contacten", "Gemiddeld aantal contacten en aantal uren inzet per afgesloten casus, naar doelgroep en startjaar", _alt_contacts(frame)))

    frame = development_frame(k, codebook)
    if len(frame):
        save(figure_development(frame), out_dir, "fig2_ontwikkeling", height=4.6)
        stopped = frame[frame["answer"] == "Gestopt"].sort_values("pct", ascending=False).head(3)
        top = "; ".join(f"{a.split(' (n=')[0]}: {_num(p, 0)}% gestopt" for a, p in zip(stopped["area"], stopped["pct"]))
        figures.append(Figure("fig2_ontwikkeling", "Ontwikkeling problematiek op leefgebieden sinds de start van het traject tot aan afsluiting, in percentages", f"Gestapelde staven per leefgebied met de verdeling over toegenomen, gelijk gebleven, afgenomen en gestopt. Vaakst gestopt: {top}."))

    frame = safety_frame(k, codebook)
    if len(frame):
        save(figure_safety(frame), out_dir, "fig3_veiligheid", height=3.6)
        desc = "; ".join(f"{r} {m.lower()} {_num(v)}" for r, m, v in zip(frame["rater"], frame["moment"], frame["mean"]))
        figures.append(Figure("fig3_veiligheid", "Beoordeling veiligheid op totaalniveau: gemiddelde per beoordelaar bij start en einde", f"Staafdiagram van het gemiddelde oordeel over veiligheid (0-10) per beoordelaar en moment: {desc}."))

    if len(pairs):
        long = pairs_frame(pairs, k)
        save(figure_pairs(long), out_dir, "fig4_veiligheid_casus", height=3.8)
        by = k["safety"]["client_paired"]["by_target"]
        desc = "; ".join(f"{TARGET_LABELS[t]}: gemiddelde verandering {_num(by[t]['change_mean'])} (n={fmt_int(by[t]['n'])})" for t in codebook.codes("target"))
        figures.append(Figure("fig4_veiligheid_casus", "Veiligheid volgens de cliënt bij start en einde per casus, naar doelgroep", f"Lijnen van start naar einde per casus (dikte: aantal casussen met hetzelfde paar scores), met het gemiddelde in oranje. {desc}."))
    return figures


def run_figures(kerncijfers: Path = KERNCIJFERS_FILE, tables_dir: Path = INDICATOR_TABLES_DIR, out_dir: Path = FIGURES_DIR) -> list[Figure]:
    """The figures stage: ``kerncijfers.json`` + indicator tables → ``report/figures``."""
    k = json.loads(Path(kerncijfers).read_text(encoding="utf-8"))
    pairs_file = Path(tables_dir) / "safety_client_pairs.csv"
    pairs = pd.read_csv(pairs_file) if pairs_file.exists() else pd.DataFrame(columns=["target", "start", "end", "n"])
    with atomic.replace_dir(Path(out_dir)) as staging:
        figures = make_figures(k, pairs, staging)
        text = json.dumps([asdict(f) for f in figures], indent=2, ensure_ascii=False) + "\n"
        (staging / "figures.json").write_text(text, encoding="utf-8")
    log.info("figures: %d figuren → %s", len(figures), out_dir)
    return figures
