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
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        if len(uniques) * 2 > len(values):
            return func(values, *args, **kwargs)
        result = func(pd.Series(np.append(uniques.astype(object), None), dtype=object), *args, **kwargs)
        taken = result.iloc[np.where(codes < 0, len(uniques), codes)]
        return taken.set_axis(values.index)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper
