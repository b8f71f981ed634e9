"""Report tables as Markdown, the one suppression rule, and lookups in the tidy indicator tables.

:class:`Suppressor` is the only place where a number is held back: a breakdown cell (a mean or a
percentage for one team, year or group) based on fewer than ``min_group_n`` cases shows ``–``;
totals are always shown with their n. Tables, figure labels and the numbers in sentences all ask
it, so the text can never show what a table hides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.fmt import fmt_int

DASH = "–"
TOTAL = "totaal"  # the group value of an overall row in the tidy indicator tables


@dataclass
class Table:
    """A Markdown pipe table with caption and id; ``notes`` become the lines under it."""

    ident: str  # the crossref id after "tbl-" (the indicator table's name, with hyphens)
    caption: str
    header: list[str]
    rows: list[list[str]]
    align: list[str] | None = None  # "l" or "r" per column
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        align = self.align or ["l"] + ["r"] * (len(self.header) - 1)
        rule = ["---:" if a == "r" else ":---" for a in align]
        lines = ["", "| " + " | ".join(self.header) + " |", "| " + " | ".join(rule) + " |"]  # a table starts a block
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in self.rows]
        lines += ["", f": {self.caption} {{#tbl-{self.ident}}}"]
        for note in self.notes:
            lines += ["", f"*{note}*"]
        return "\n".join(lines)


class Suppressor:
    """The report's one suppression rule (see the module docstring)."""

    def __init__(self, min_n: int):
        self.min_n = min_n
        self.used = False

    def keeps(self, n: object) -> bool:
        """Whether a breakdown on ``n`` cases may be shown."""
        return n is not None and not (isinstance(n, float) and pd.isna(n)) and int(n) >= self.min_n

    def __call__(self, text: str, n: object, total: bool = False) -> str:
        """``text`` for a total or a breakdown on enough cases, else ``–``."""
        if total or self.keeps(n):
            return text
        self.used = True
        return DASH


def n_label(label: str, n: object) -> str:
    return f"{label} (n={fmt_int(n)})"


def bold(cells: list[str]) -> list[str]:
    return [f"**{c}**" if c else c for c in cells]


def count_pct(count: object, pct_text: str) -> str:
    """``12 (34%)``."""
    return f"{fmt_int(count)} ({pct_text})"


_INDEX: dict[int, tuple[pd.DataFrame, dict]] = {}


def _index(table: pd.DataFrame) -> dict:
    """(measure, {group column: value as text}) → (value, n) of a tidy table, built once per table."""
    cached = _INDEX.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    groups = [c for c in table.columns if c not in ("measure", "value", "n")]
    index = {}
    for record in table.to_dict("records"):
        key = (record["measure"], frozenset((g, str(record[g])) for g in groups))
        value, n = record["value"], record["n"]
        index.setdefault(key, ((None if pd.isna(value) else float(value)), (None if pd.isna(n) else int(n))))
    _INDEX[id(table)] = (table, index)
    return index


def lookup(table: pd.DataFrame | None, measure: str, **groups: object) -> tuple[float | None, int | None]:
    """(value, n) of one row of a tidy indicator table; (None, None) when absent.

    ``groups`` must name every group column of the table.
    """
    if table is None:
        return None, None
    return _index(table).get((measure, frozenset((g, str(v)) for g, v in groups.items())), (None, None))
