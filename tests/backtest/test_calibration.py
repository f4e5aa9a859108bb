"""Calibration scores (issue 12): CRPS against the Gaussian closed form, the Brier
decomposition identity, coverage per step, and adaptive conformal intervals (ACI)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import properscoring
import pytest
from scipy import stats

from tickcast.backtest.aci import adaptive_conformal
from tickcast.backtest.calibration import (
    brier_decomposition,
    coverage_by_step,
    crps_from_quantiles,
    frame_crps,
    pit_histogram,
    reliability_table,
)
from tickcast.backtest.metrics import compute_metrics
from tickcast.errors import ConfigError


def gaussian_frame(y, mu, sd, levels, origin=None):
    cols = {"model": "m", "series": "s", "step": 1, "y_true": y, "mean": mu}
    for L in levels:
        z = stats.norm.ppf((1 + L / 100) / 2)
        cols[f"lower_{L:g}"] = mu - z * sd
        cols[f"upper_{L:g}"] = mu + z * sd
    f = pd.DataFrame(cols, index=np.arange(len(y)))
    if origin is not None:
        f["origin"] = origin
        f["date"] = origin + pd.Timedelta(days=1)
    return f


def test_crps_from_quantiles_converges_to_the_gaussian_closed_form():
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    mu, sd = rng.normal(size=200) * 0.3, np.exp(rng.normal(size=200) * 0.3)
    exact = properscoring.crps_gaussian(y, mu, sd)
    taus = np.linspace(0.0005, 0.9995, 1000)
    q = mu[:, None] + sd[:, None] * stats.norm.ppf(taus)[None, :]
    np.testing.assert_allclose(crps_from_quantiles(y, q, taus), exact, rtol=5e-3, atol=1e-3)
    # from a frame with many levels (its bounds + the mean as median)
    levels = np.round(np.linspace(1, 99.8, 200), 3)
    f = gaussian_frame(y, mu, sd, levels)
    np.testing.assert_allclose(frame_crps(f, levels).mean(), exact.mean(), rtol=1e-2)


def test_crps_in_compute_metrics_ranks_the_true_forecast_first():
    rng = np.random.default_rng(1)
    y = rng.normal(size=4000)
    good = gaussian_frame(y, 0.0, 1.0, (20, 40, 60, 80, 90, 95, 98))
    bad = gaussian_frame(y, 0.0, 2.0, (20, 40, 60, 80, 90, 95, 98)).assign(model="wide")
    m = compute_metrics(pd.concat([good, bad]), levels=(20, 40, 60, 80, 90, 95, 98))
    assert m.loc["m", "crps"] < m.loc["wide", "crps"]
    # quantile approximation on 15 quantiles: within 5 % of the closed form
    assert abs(m.loc["m", "crps"] / properscoring.crps_gaussian(y, 0, 1).mean() - 1) < 0.05


def test_brier_decomposition_identity_and_perfect_reliability():
    rng = np.random.default_rng(2)
    p = rng.uniform(size=5000)
    o = (rng.uniform(size=5000) < p).astype(float)
    d = brier_decomposition(p, o)
    total = d["reliability"] - d["resolution"] + d["uncertainty"] + d["within"]
    assert d["brier"] == pytest.approx(total, rel=1e-12)
    assert d["reliability"] < 0.003  # calibrated by construction
    # forecasts on 10 values: the within term vanishes, and a constant forecast has no
    # resolution
    p10 = np.round(p * 10 - 0.5) / 10 + 0.05
    d10 = brier_decomposition(p10, o)
    assert d10["within"] == pytest.approx(0, abs=1e-12)
    flat = brier_decomposition(np.full(5000, o.mean()), o)
    assert flat["resolution"] == pytest.approx(0, abs=1e-12)
    assert flat["brier"] == pytest.approx(flat["uncertainty"], rel=1e-12)
    t = reliability_table(p, o)
    assert t["n"].sum() == 5000 and np.nanmax(np.abs(t["mean_forecast"] - t["observed"])) < 0.06
    with pytest.raises(ConfigError):
        brier_decomposition(np.array([0.5, 1.5]), np.array([0, 1]))


def test_coverage_by_step_and_pit():
    rng = np.random.default_rng(3)
    y = rng.normal(size=3000)
    f = gaussian_frame(y, 0.0, 1.0, (50, 80, 95))
    f["step"] = np.tile([1, 2, 3], 1000)
    c = coverage_by_step(f, (80, 95))
    assert len(c) == 3
    hit = (np.abs(y) <= stats.norm.ppf(0.9))[f["step"].to_numpy() == 2]
    assert c.loc[("m", 2), "coverage_80"] == pytest.approx(hit.mean())
    assert c.loc[("m", 2), "se_80"] == pytest.approx(np.sqrt(hit.mean() * (1 - hit.mean()) / 1000))
    assert (np.abs(c["coverage_80"] - 0.8) < 4 * c["se_80"]).all()
    pit = pit_histogram(f, (50, 80, 95))
    assert pit["observed"].sum() == pytest.approx(1)
    np.testing.assert_allclose(pit["observed"], pit["expected"], atol=0.03)


def shifted_frame(n=3000, shift=1500, seed=4):
    """Intervals of a constant-volatility N(0, 1) forecast; the truth's sd goes 1 -> 3."""
    rng = np.random.default_rng(seed)
    sd = np.where(np.arange(n) < shift, 1.0, 3.0)
    origin = pd.Series(pd.bdate_range("2001-01-01", periods=n))
    return gaussian_frame(rng.normal(size=n) * sd, 0.0, 1.0, (80,), origin=origin)


def test_aci_recovers_nominal_coverage_after_a_variance_shift():
    f = shifted_frame()
    out = adaptive_conformal(f, level=80, gamma=0.01)
    late = np.arange(len(f)) >= 2000  # 500 origins after the shift, for alpha to adapt
    raw = ((f["y_true"] >= f["lower_80"]) & (f["y_true"] <= f["upper_80"]))[late].mean()
    aci = out["hit_aci_80"][late].mean()
    assert raw < 0.45
    assert abs(aci - 0.80) < 3 * np.sqrt(0.16 / late.sum())
    assert np.isfinite(out[["lower_aci_80", "upper_aci_80"]]).all().all()


def test_aci_has_no_look_ahead():
    f = shifted_frame(n=800, shift=400)
    cut = f["origin"].iloc[500]
    g = f.copy()
    g.loc[g["date"] > cut, "y_true"] *= 10
    a = adaptive_conformal(f, level=80)
    b = adaptive_conformal(g, level=80)
    known = f["origin"] <= cut
    np.testing.assert_array_equal(a.loc[known, "upper_aci_80"], b.loc[known, "upper_aci_80"])
    assert not np.allclose(a.loc[~known, "upper_aci_80"], b.loc[~known, "upper_aci_80"])


def test_aci_invalid():
    f = shifted_frame(n=50)
    with pytest.raises(ConfigError, match="lacks the columns"):
        adaptive_conformal(f, level=95)
    with pytest.raises(ConfigError, match="gamma"):
        adaptive_conformal(f, level=80, gamma=0)
    with pytest.raises(ConfigError, match="one level"):
        adaptive_conformal(f, level=(80, 95))
