"""``python -m pipeline validate RAW_DIR``: the data manager's check before handing files over.

Reads and checks an export folder exactly as the ingest stage does, but needs no
pseudonymisation key and writes nothing. It goes on past a structural problem wherever it can,
so that one run shows every problem: the structural problems (each one would stop the run),
the rows read per file and what becomes of them, every value problem with file, row, column and
rule (grouped per rule, the first :data:`SHOWN_PER_RULE` of each), and the files and folders that
are not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.errors import StructuralError
from pipeline.ingest import KEPT, ROW_RULES, process_exports

SHOWN_PER_RULE = 20


@dataclass
class Validation:
    text: str  # the report, in Dutch
    structural: list[StructuralError]

    @property
    def ok(self) -> bool:
        return not self.structural


def validate_exports(raw_dir: Path, peildatum: dt.date) -> Validation:
    """Check every export under ``raw_dir`` (no key needed, nothing written)."""
    codebook = load_codebook()
    problems: list[StructuralError] = []
    processed = process_exports(raw_dir, peildatum, codebook, problems=problems)
    lines = [f"Exportmap {raw_dir} (peildatum {peildatum:%d-%m-%Y})", ""]
    if problems:
        lines.append(f"STRUCTURELE PROBLEMEN ({len(problems)}): elk probleem stopt de run; los ze op en controleer opnieuw.")
        lines += [f"  {i}. {p.where()}: {p.detail}" for i, p in enumerate(problems, start=1)]
        if processed.caselist is None:
            lines.append("  (zonder leesbare casuslijst is de koppeling van de formulieren niet gecontroleerd)")
    else:
        lines.append("Geen structurele problemen.")
    lines.append("")

    rows = []
    for parsed in [p for p in (processed.caselist, *processed.forms) if p is not None]:
        counts = parsed.status.value_counts()
        rows.append(
            {"bestand": parsed.export.rel, "gelezen": len(parsed.status), "behouden": int(counts.get(KEPT, 0))}
            | {codebook.rule_short(rule): int(counts.get(rule, 0)) for rule in ROW_RULES}
        )
    if rows:
        lines += ["Gelezen rijen per bestand en wat ermee gebeurt:", pd.DataFrame(rows).to_string(index=False), ""]

    dq = processed.data_quality
    if dq.empty:
        lines.append("Geen waardeproblemen.")
    else:
        lines.append(f"Waardeproblemen ({len(dq)}), per regel (de run gaat door; elk staat in data_quality.csv):")
        order = {rule: i for i, rule in enumerate(codebook.data_quality_rules)}
        for rule in sorted(dq["rule"].unique(), key=lambda r: order.get(r, len(order))):
            group = dq[dq["rule"] == rule]
            lines.append(f"  {rule}: {codebook.rule_label(rule)} ({len(group)}; {codebook.rule_action(rule)})")
            for item in group.head(SHOWN_PER_RULE).itertuples(index=False):
                column = f", kolom '{item.column}'" if isinstance(item.column, str) and item.column else ""
                lines.append(f"    {item.file}, rij {item.row}{column}")
            if len(group) > SHOWN_PER_RULE:
                lines.append(f"    ... en nog {len(group) - SHOWN_PER_RULE}")
    lines.append("")
    if processed.ignored:
        lines.append(f"Niet gelezen ({len(processed.ignored)}):")
        lines += [f"  {path} ({why})" for path, why in processed.ignored]
    else:
        lines.append("Alle bestanden in de map zijn gelezen.")
    return Validation("\n".join(lines), problems)
