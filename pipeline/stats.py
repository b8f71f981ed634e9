"""Small statistical building blocks with the conventions of docs/definitions.md.

Every function takes a pandas Series (blank = missing, left out) and returns plain Python numbers
or ``None`` where the denominator is 0, so results go into JSON unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _values(series: pd.Series) -> np.ndarray:
    """The non-missing values as floats."""
    return pd.to_numeric(pd.Series(series), errors="coerce").dropna().to_numpy(dtype=float)


def mean(series: pd.Series) -> float | None:
    """Arithmetic mean of the filled values; ``None`` when there are none."""
    values = _values(series)
    return float(values.mean()) if len(values) else None


def median(series: pd.Series) -> float | None:
    """Median of the filled values (an even count gives the mean of the two middle values)."""
    values = _values(series)
    return float(np.median(values)) if len(values) else None


def minimum(series: pd.Series) -> float | None:
    values = _values(series)
    return float(values.min()) if len(values) else None


def maximum(series: pd.Series) -> float | None:
    values = _values(series)
    return float(values.max()) if len(values) else None


def count(series: pd.Series) -> int:
    """Number of filled values."""
    return int(len(_values(series)))


def pct(numerator: int | float, denominator: int | float) -> float | None:
    """``numerator / denominator`` on a 0-100 scale; ``None`` when the denominator is 0."""
    return float(numerator) / float(denominator) * 100.0 if denominator else None


def as_int_or_none(value: float | None) -> int | None:
    """A whole-number statistic (min/max of day counts) as ``int``; ``None`` stays ``None``."""
    return None if value is None else int(round(value))


def share_yes(series: pd.Series) -> tuple[float | None, int]:
    """Percentage True among the answered (True/False) values, and that denominator."""
    answered = pd.Series(series).dropna().astype(bool)
    return pct(int(answered.sum()), len(answered)), int(len(answered))


@dataclass(frozen=True)
class MeanCI:
    """Mean with a two-sided 95% confidence interval from the t distribution (n ≥ 2)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int


def mean_ci(series: pd.Series, level: float = 0.95) -> MeanCI:
    """Mean ± t(n−1) · s/√n; the interval is ``None`` for fewer than two values."""
    from scipy import stats

    values = _values(series)
    n = len(values)
    if n == 0:
        return MeanCI(None, None, None, 0)
    m = float(values.mean())
    if n < 2:
        return MeanCI(m, None, None, n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return MeanCI(m, m - half, m + half, n)


@dataclass(frozen=True)
class PairedTest:
    """Wilcoxon signed-rank test of end − start, with the matched-pairs rank-biserial correlation."""

    n: int
    n_nonzero: int
    statistic: float | None
    p_value: float | None
    rank_biserial: float | None


def wilcoxon_paired(start: pd.Series, end: pd.Series) -> PairedTest:
    """Two-sided Wilcoxon signed-rank test on the pairs with both values.

    Zero differences are dropped (Wilcoxon's method, ``zero_method="wilcox"``). Effect size:
    rank-biserial r = (W+ − W−) / (W+ + W−), with W± the rank sums of the positive and
    negative differences (−1 … 1; positive = higher at the end).
    """
    from scipy import stats

    pairs = pd.DataFrame({"start": pd.to_numeric(start, errors="coerce"), "end": pd.to_numeric(end, errors="coerce")}).dropna()
    diff = (pairs["end"] - pairs["start"]).to_numpy(dtype=float)
    nonzero = diff[diff != 0]
    if len(nonzero) == 0:
        return PairedTest(len(pairs), 0, None, None, None)
    ranks = stats.rankdata(np.abs(nonzero))
    w_plus = float(ranks[nonzero > 0].sum())
    w_minus = float(ranks[nonzero < 0].sum())
    # exact null distribution for small samples without ties, else the normal approximation with
    # tie correction: both deterministic (scipy's default may fall back to a random permutation test)
    exact = len(nonzero) <= 50 and len(np.unique(np.abs(nonzero))) == len(nonzero)
    result = stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided", method="exact" if exact else "asymptotic")
    return PairedTest(
        len(pairs), len(nonzero), float(result.statistic), float(result.pvalue), (w_plus - w_minus) / (w_plus + w_minus)
    )


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier estimate of a duration with right-censored (still running) cases."""

    n: int
    events: int
    median: float | None  # smallest time at which the survival estimate is ≤ 0.5; None if never


def kaplan_meier(durations: pd.Series, observed: pd.Series) -> KaplanMeier:
    """Kaplan-Meier median of ``durations``; ``observed`` False marks a censored (running) case."""
    from scipy import stats

    frame = pd.DataFrame({"t": pd.to_numeric(durations, errors="coerce"), "event": observed.astype(bool)}).dropna()
    frame = frame[frame["t"] >= 0]
    if frame.empty or not frame["event"].any():
        return KaplanMeier(len(frame), int(frame["event"].sum()) if len(frame) else 0, None)
    data = stats.CensoredData(
        uncensored=frame.loc[frame["event"], "t"].to_numpy(dtype=float),
        right=frame.loc[~frame["event"], "t"].to_numpy(dtype=float),
    )
    sf = stats.ecdf(data).sf
    below = np.flatnonzero(sf.probabilities <= 0.5 + 1e-12)
    km_median = float(sf.quantiles[below[0]]) if len(below) else None
    return KaplanMeier(len(frame), int(frame["event"].sum()), km_median)
