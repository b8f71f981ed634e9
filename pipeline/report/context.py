"""Everything the report template needs, from the key figures, indicator tables and settings.

The template only places what this module prepares: the numbered tables (Markdown, suppressed),
the breakdowns a sentence may name (suppressed the same way, each with its n), the totals (the
key figures), the researchers' texts, the figures' captions and alt texts, and the identity of
the report. Nothing is typed in: every number comes from the data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.codebook import Codebook
from pipeline.fmt import fmt_date
from pipeline.params import Params
from pipeline.report.numbered import ReportData, build_tables
from pipeline.report.settings import ReportSettings
from pipeline.report.tables import Suppressor, lookup
from pipeline.report.text import breakdowns, narratives, open_answer_summary
from pipeline.report.wording import Words, load_wording


def build_context(k: dict, tables: dict[str, pd.DataFrame], figures: list[dict], params: Params, manifest: dict,
                  dq: pd.DataFrame, flow: pd.DataFrame, codebook: Codebook, settings: ReportSettings, text_dir: Path,
                  version: str, words: Words | None = None) -> dict:
    """The template's context (see the module docstring)."""
    words = words or load_wording()
    sup = Suppressor(params.min_group_n)
    d = ReportData(k, tables, codebook, sup, settings, params, manifest, dq, flow, words, version)
    built = build_tables(d)
    texts = narratives(settings, text_dir, params.rapportstatus, words)
    km_median, km_n = lookup(tables.get("duration_kaplan_meier"), "km_median_days", target="totaal")
    client_test = {m: lookup(tables.get("safety_paired_by_rater"), m, rater="client", target="totaal")[0]
                   for m in ["wilcoxon_p", "rank_biserial", "change_mean"]}
    teams = sorted(codebook.codes("team"), key=lambda t: -k["cases"]["by_team"][t])
    closure = k["closure"]["reasons"]
    top_reason = max(codebook.codes("closure_reason"), key=lambda r: closure[r]["n"]) if k["closure"]["forms_n"] else None
    identity = settings.identity
    return {
        "k": k,
        "identity": identity,
        "title": identity.title,
        "subtitle": settings.subtitle(d.years),
        "period": settings.period(d.years),
        "years": d.years,
        "t": {name: table.markdown() for name, table in built.items()},
        "b": breakdowns(d),
        "figures": {f["key"]: f for f in figures},
        "text": {name: n.text for name, n in texts.items()},
        "missing_texts": [n for n in texts.values() if n.missing],
        "texts": texts,
        "text_missing": lambda name: texts[name].missing,
        "questions": settings.questions,
        "status": params.rapportstatus,
        "concept": params.rapportstatus != "definitief",
        "publicatiedatum": params.publicatiedatum,
        "date_line": fmt_date(params.publicatiedatum) if params.publicatiedatum else words.common("concept"),
        "min_n": params.min_group_n,
        "peildatum": params.peildatum,
        "version": version,
        "dq_n": len(dq),
        "targets": {t: codebook.plural("target", t) for t in codebook.codes("target")},
        "open": open_answer_summary(d),
        "km_median": km_median,
        "km_n": km_n,
        "client_test": client_test,
        "teams_ranked": [(codebook.label("team", t), k["cases"]["by_team"][t]) for t in teams],
        "teams_used": sum(1 for t in teams if k["cases"]["by_team"][t] > 0),
        "top_reason": (codebook.label("closure_reason", top_reason), closure[top_reason]) if top_reason else None,
        "cb": codebook,
    }
