"""The summary table and the words next to it: ranking, column names, test columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.backtest.significance import pt_table


@pytest.fixture(scope="module")
def trending():
    """A clear upward trend with small noise: the drift forecast beats the random walk."""
    rng = np.random.default_rng(0)
    n = 260
    y = 100.0 + 0.5 * np.arange(n) + 0.2 * rng.standard_normal(n)
    return pd.Series(y, index=pd.bdate_range("2020-01-01", periods=n), name="trend")


def _run(models, y):
    splitter = tc.WalkForward(initial=200, step=1, horizon=2, refit_every=10)
    return tc.backtest(models, y, splitter=splitter, progress=False)


def test_summary_ranks_by_rel_rmse_and_names_directional_accuracy(trending):
    res = _run([tc.Mean(window=2), tc.Naive(), tc.Drift()], trending)
    s = res.summary()
    m = res.metrics()
    assert list(s.index) == list(m["rel_rmse"].sort_values().index) == ["drift", "naive", "mean"]
    assert "hit_rate" not in s.columns
    assert s["directional_accuracy"].equals(m["directional_accuracy"].reindex(s.index))
    assert np.isnan(s.loc["naive", "directional_accuracy"])  # no change has no direction
    # DM sign: d = loss(model) - loss(naive); the drift is far more accurate here
    assert s.loc["drift", "dm_stat"] < 0 < s.loc["mean", "dm_stat"]
    dm = res.dm_test()
    assert s.loc["drift", "dm_stat"] == pytest.approx(dm.loc["drift", "statistic"])
    assert dm.loc["drift", "mean_loss_diff"] < 0
    assert np.isnan(s.loc["naive", "dm_pvalue"])
    # PT p-value per model on the one-step forecasts; NaN for the random walk
    pt = pt_table(res.forecasts)["pvalue"].reindex(s.index)
    pd.testing.assert_series_equal(s["pt_pvalue"], pt, check_names=False)
    assert np.isfinite(s.loc["mean", "pt_pvalue"])  # the mean of 2 predicts both directions
    assert np.isnan(s.loc["naive", "pt_pvalue"]) and np.isnan(s.loc["drift", "pt_pvalue"])
    assert "dm_pvalue_holm" not in s.columns or s["dm_pvalue_holm"].notna().any()


def test_summary_without_baseline_ranks_by_rmse(trending):
    res = _run([tc.Mean(window=2), tc.Drift()], trending)
    s = res.summary()
    assert list(s.index) == ["drift", "mean"]
    assert s["rmse"].is_monotonic_increasing
    assert "dm_stat" not in s.columns
    assert "ranked by rmse" in res.to_markdown()


def test_report_text_says_what_the_columns_mean(trending, tmp_path):
    res = _run([tc.Naive(), tc.Drift()], trending)
    md = res.to_markdown()
    assert "MASE < 1" not in md and "beat the random walk" not in md
    assert "rel_rmse" in md and "below 1, a smaller RMSE than the random walk" in md
    assert "negative means the model was more accurate" in md
    assert "Pesaran-Timmermann" in md and "Holm-adjusted" in md  # dm_table gives pvalue_holm
    page = open(res.to_html(tmp_path / "report.html")).read()
    assert "negative means the model was more accurate" in page and "MASE &lt; 1" not in page


def test_holm_adjusted_pvalues_shown_when_the_dm_table_has_them(trending, monkeypatch):
    res = _run([tc.Naive(), tc.Drift(), tc.Mean(window=2)], trending)
    plain = res.dm_test()
    adjusted = plain.assign(pvalue_holm=np.minimum(1.0, 2 * plain["pvalue"]))
    monkeypatch.setattr(res, "dm_test", lambda *a, **k: adjusted)
    s = res.summary()
    assert s.loc["mean", "dm_pvalue_holm"] == pytest.approx(adjusted.loc["mean", "pvalue_holm"])
    assert np.isnan(s.loc["naive", "dm_pvalue_holm"])
    assert "dm_pvalue_holm the same p-value Holm-adjusted" in res.to_markdown()
