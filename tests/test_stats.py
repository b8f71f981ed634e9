"""Statistics beyond the report, checked against answers computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import stats


def test_kaplan_meier_counts_running_cases_as_censored():
    # events at 10, 30, 40; one case still running at 20. S(10) = 3/4, S(30) = 3/4 · 1/2 = 0.375 → median 30.
    km = stats.kaplan_meier(pd.Series([10, 20, 30, 40]), pd.Series([True, False, True, True]))
    assert (km.n, km.events, km.median) == (4, 3, 30)
    # the closed-cases-only median would be 30 too, but here censoring matters: S never reaches 0.5
    km = stats.kaplan_meier(pd.Series([10, 20, 30]), pd.Series([True, False, False]))
    assert km.median is None and km.events == 1


def test_wilcoxon_with_rank_biserial_by_hand():
    # differences 4, 1, 0, -1: the zero is dropped; |1| and |-1| share rank 1.5, |4| has rank 3.
    # W+ = 3 + 1.5 = 4.5, W- = 1.5, r = (4.5 - 1.5) / 6 = 0.5
    test = stats.wilcoxon_paired(pd.Series([4, 6, 5, 3]), pd.Series([8, 7, 5, 2]))
    assert (test.n, test.n_nonzero, test.statistic) == (4, 3, 1.5)
    assert test.rank_biserial == pytest.approx(0.5)
    assert 0 < test.p_value <= 1


def test_wilcoxon_without_change_has_no_test():
    test = stats.wilcoxon_paired(pd.Series([5, 6]), pd.Series([5, 6]))
    assert test.p_value is None and test.n == 2


def test_mean_ci_by_hand():
    # values 2, 4, 6: mean 4, s = 2, se = 2/sqrt(3), t(0.975, 2) = 4.302652729911275
    ci = stats.mean_ci(pd.Series([2, 4, 6]))
    half = 4.302652729911275 * 2 / 3**0.5
    assert (ci.mean, ci.n) == (4, 3)
    assert ci.low == pytest.approx(4 - half) and ci.high == pytest.approx(4 + half)
    assert stats.mean_ci(pd.Series([7])).low is None
    assert stats.mean_ci(pd.Series([], dtype=float)).mean is None


def test_median_of_even_count_and_pct_of_nothing():
    assert stats.median(pd.Series([1, 2, 3, 10])) == 2.5
    assert stats.pct(3, 0) is None
    assert stats.share_yes(pd.Series([True, False, None], dtype="boolean")) == (50.0, 2)
