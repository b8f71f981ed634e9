"""``python -m pipeline validate RAW_DIR``: the data manager's check before handing files over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline.ingest import KEPT, ROW_RULES, process_exports


def validate_exports(raw_dir: Path, peildatum: dt.date) -> str:
    """Read and check every export (no key needed, nothing written); a summary as text.

    Raises :class:`~pipeline.errors.StructuralError` on a structural problem.
    """
    processed = process_exports(raw_dir, peildatum)
    lines = [f"Exportmap {raw_dir} (peildatum {peildatum.isoformat()}): geen structurele problemen.", ""]
    rows = []
    for parsed in [processed.caselist, *processed.forms]:
        counts = parsed.status.value_counts()
        rows.append(
            {"bestand": parsed.export.rel, "gelezen": len(parsed.status), "behouden": int(counts.get(KEPT, 0))}
            | {rule: int(counts.get(rule, 0)) for rule in ROW_RULES}
        )
    lines.append(pd.DataFrame(rows).to_string(index=False))
    lines.append("")
    dq = processed.data_quality
    if dq.empty:
        lines.append("Geen waardeproblemen.")
    else:
        lines.append(f"Waardeproblemen ({len(dq)}), per regel:")
        lines.append(dq.groupby("rule").size().rename("aantal").to_frame().to_string())
    return "\n".join(lines)
