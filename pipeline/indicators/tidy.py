"""The tidy-table helper of the indicator stage and the small conventions its modules share.

Every indicator table is in long ("tidy") format: one column per grouping, then ``measure``,
``value`` and ``n`` (the number the value rests on). ``TOTAL`` is the group value of an overall
row. Values are unrounded; ``None`` where there is nothing to compute.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline import stats

TOTAL = "totaal"  # the group value of an overall row in the tidy tables


class Table:
    """Collects rows of one tidy table: group columns, then measure, value, n."""

    def __init__(self, groups: list[str]):
        self.groups = groups
        self.rows: list[dict] = []

    def add(self, group: dict | tuple | str, measure: str, value: object, n: int | None) -> None:
        if not isinstance(group, dict):
            group = dict(zip(self.groups, group if isinstance(group, tuple) else (group,)))
        self.rows.append({**{g: str(group[g]) for g in self.groups}, "measure": measure, "value": plain(value), "n": n})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=[*self.groups, "measure", "value", "n"])
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
        frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")
        return frame


def plain(value: object) -> object:
    """numpy scalars → Python numbers; NaN → None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    return value


def mean_n(values: pd.Series) -> dict:
    return {"mean": stats.mean(values), "n": stats.count(values)}


def by_group(values: pd.Series, groups: pd.Series, keys: list) -> dict[str, pd.Series]:
    """``values`` split by ``groups`` for every key (an empty Series for a key without data)."""
    return {str(k): values[groups.astype("string") == str(k)] for k in keys}


def describe(table: Table, breakdown: str, group: str, values: pd.Series) -> None:
    """Mean with 95% CI, median, min, max and n of ``values`` as rows of ``table``."""
    ci = stats.mean_ci(values)
    n = ci.n
    for measure, value in [
        ("mean", ci.mean),
        ("ci_low", ci.low),
        ("ci_high", ci.high),
        ("median", stats.median(values)),
        ("min", stats.minimum(values)),
        ("max", stats.maximum(values)),
    ]:
        table.add({"breakdown": breakdown, "group": group}, measure, value, n)
