"""Vectorisation helpers for export columns."""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_distinct(func):
    """Apply a Series → Series function once per distinct value and spread the result back.

    Export columns hold few distinct values (dates, labels, label combinations), so this turns a
    per-row cost into a per-distinct-value cost. Blank (None/NaN) stays as the function maps it.
    """

    def wrapper(values: pd.Series, *args, **kwargs):
        codes, uniques = pd.factorize(values if values.dtype == object else values.astype(object), use_na_sentinel=True)
        if len(uniques) * 2 > len(values):
            return func(values, *args, **kwargs)
        result = func(pd.Series(np.append(uniques.astype(object), None), dtype=object), *args, **kwargs)
        taken = result.iloc[np.where(codes < 0, len(uniques), codes)]
        return taken.set_axis(values.index)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def in_index(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Whether each value occurs in ``index`` (a unique index), as a boolean array.

    Same answer as ``values.isin(index)``, through the index's own hash table, which pandas
    builds once per index and keeps: much faster when one index is tested against many columns.
    """
    return index.get_indexer(values) >= 0


def python_strings(values: pd.Series) -> pd.Series:
    """``values`` as Python strings (object dtype), the same text. Parquet and pandas give
    Arrow-backed strings, which pandas turns into Python strings at every lookup on them (``isin``,
    an index's ``get_indexer``, aligning frames on them): a column looked up many times is cheaper
    converted once."""
    return values.astype(object)


def map_distinct(values: pd.Series, func, dtype: str = "string") -> pd.Series:
    """``func`` applied once per distinct non-blank value, spread back over the column; blank
    stays blank. (Faster than ``Series.map`` with a dict on long columns.)"""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [func(u) for u in uniques]
    table[-1] = None
    return pd.Series(table[codes], index=values.index, dtype=dtype)
