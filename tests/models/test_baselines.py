"""Baselines: forecasts, intervals, update, persistence and invalid input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tickcast as tc
from tickcast.errors import ConfigError, DataError, InputTypeError, ModelFileError, NotFittedError

BASELINES = [tc.Naive, tc.Drift, tc.Mean, tc.SeasonalNaive]


@pytest.fixture(scope="module")
def dbk():
    return tc.load("dbk").loc["2015":]


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").loc["2015":]


@pytest.mark.parametrize("cls", BASELINES)
@pytest.mark.parametrize("name", ["dbk", "dgs10"])
def test_fit_predict_on_real_series(cls, name, request):
    y = request.getfixturevalue(name)
    fc = cls().fit(y).predict(10, level=(80, 95))
    assert len(fc.mean) == 10
    assert fc.index[0] > y.index[-1]
    assert (fc.index.day_of_week < 5).all()
    assert np.isfinite(fc.mean).all()
    assert (fc.lower(95) <= fc.lower(80)).all()
    assert (fc.lower(80) <= fc.upper(80)).all()
    assert (fc.upper(80) <= fc.upper(95)).all()
    frame = fc.to_frame()
    assert list(frame.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]


def test_naive_repeats_last_value_and_widens(dbk):
    fc = tc.Naive().fit(dbk).predict(20, level=90)
    assert np.allclose(fc.mean, dbk.iloc[-1])
    width = fc.upper(90) - fc.lower(90)
    assert width.iloc[-1] > 3 * width.iloc[0]  # ~sqrt(20) = 4.5 for a random walk


def test_drift_adds_mean_log_return(dbk):
    m = tc.Drift().fit(dbk)
    mu = np.log(dbk).diff().mean()
    fc = m.predict(3)
    assert fc.mean.iloc[2] == pytest.approx(dbk.iloc[-1] * np.exp(3 * mu), rel=1e-12)


def test_rates_default_to_differences(dgs10):
    m = tc.Naive().fit(dgs10)
    assert m.kind_ == "rate" and m.target_ == "diff"
    assert tc.Naive().fit(tc.load("dbk")).target_ == "log_return"


def test_mean_and_seasonal_naive_values():
    idx = pd.bdate_range("2020-01-01", periods=12)
    y = pd.Series(np.arange(1.0, 13.0), index=idx)
    assert np.allclose(tc.Mean().fit(y).predict(2).mean, 6.5)
    assert np.allclose(tc.Mean(window=2).fit(y).predict(2).mean, 11.5)
    fc = tc.SeasonalNaive(season_length=5).fit(y).predict(7)
    assert np.allclose(fc.mean, [8, 9, 10, 11, 12, 8, 9])


def test_naive_interval_coverage_on_random_walk():
    rng = np.random.default_rng(1)
    idx = pd.bdate_range("2000-01-03", periods=3000)
    y = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 3000))), index=idx)
    hits = []
    for origin in range(1000, 2990, 10):
        fc = tc.Naive().fit(y.iloc[:origin]).predict(5, level=90)
        truth = y.iloc[origin + 4]
        hits.append(fc.lower(90).iloc[4] <= truth <= fc.upper(90).iloc[4])
    assert 0.84 <= np.mean(hits) <= 0.96


@pytest.mark.parametrize("cls", BASELINES)
def test_same_seed_same_numbers_and_clone(cls, dbk):
    a = cls().fit(dbk).predict(5).to_frame()
    b = clone(cls()).fit(dbk).predict(5).to_frame()
    pd.testing.assert_frame_equal(a, b)
    pa = cls(seed=3).fit(dbk).simulate(5, 50, seed=7)
    pb = cls(seed=3).fit(dbk).simulate(5, 50, seed=7)
    assert np.array_equal(pa, pb)


@pytest.mark.parametrize("cls", BASELINES)
def test_save_load_identical(cls, dbk, tmp_path):
    m = cls().fit(dbk)
    path = m.save(tmp_path / "m")
    m2 = tc.load_model(path)
    pd.testing.assert_frame_equal(m.predict(5).to_frame(), m2.predict(5).to_frame())


def test_update_equals_refit(dbk):
    # constant volatility: a volatility model keeps its parameters on update (by design)
    a = tc.Drift(volatility="constant").fit(dbk.iloc[:-10]).update(dbk.iloc[-10:])
    b = tc.Drift(volatility="constant").fit(dbk)
    pd.testing.assert_frame_equal(a.predict(5).to_frame(), b.predict(5).to_frame())


def test_load_model_refuses_pickle_truncated_and_newer(tmp_path, dbk):
    import json
    import pickle

    p = tmp_path / "evil.npz"
    p.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ModelFileError, match="pickle"):
        tc.load_model(p)
    good = tc.Naive().fit(dbk).save(tmp_path / "good")
    data = open(good, "rb").read()
    trunc = tmp_path / "trunc.npz"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        tc.load_model(trunc)
    with np.load(good, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    header = json.loads(str(arrays["__header__"]))
    header["format_version"] = 99
    arrays["__header__"] = np.array(json.dumps(header))
    np.savez(tmp_path / "newer.npz", **arrays)
    with pytest.raises(ModelFileError, match="newer"):
        tc.load_model(tmp_path / "newer.npz")


def test_invalid(dbk):
    m = tc.Naive()
    with pytest.raises(NotFittedError):
        m.predict(5)
    m.fit(dbk)
    for bad in (0, -1, 2.5, "5", True):
        with pytest.raises(ConfigError, match="horizon"):
            m.predict(bad)
    for bad in (0, 100, 150, -5):
        with pytest.raises(ConfigError, match="level"):
            m.predict(5, level=bad)
    with pytest.raises(InputTypeError):
        tc.Naive().fit(dbk.to_frame())
    with pytest.raises(DataError):
        tc.Naive().fit(pd.Series([1.0, 2.0, 3.0, 4.0]))
    with_nan = dbk.copy()
    with_nan.iloc[5] = np.nan
    with pytest.raises(DataError):
        tc.Naive().fit(with_nan)
    with pytest.raises(ConfigError, match="X"):
        tc.Naive().fit(dbk, X=dbk.to_frame("x"))
    with pytest.raises(ConfigError, match="target"):
        tc.Naive(target="level").fit(dbk)
    with pytest.raises(DataError, match="after"):
        m.update(dbk.iloc[-5:])


# ---------------------------------------------------------------- intervals vs forecast::rwf
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def rwf():
    """Working-scale inputs and forecast::rwf output (see fixtures/PROVENANCE.md)."""
    return pd.read_csv(FIXTURES / "rwf_input.csv"), pd.read_csv(FIXTURES / "rwf_output.csv")


def _rwf_series(inputs, series):
    """Levels (price or rate) and (target, working-scale map) for one fixture series."""
    if series == "log_dbk":
        index = pd.DatetimeIndex(inputs["dbk_date"])
        y = pd.Series(np.exp(inputs["log_dbk"].to_numpy()), index=index, name="dbk")
        y.attrs["kind"] = "price"
        return y, "log_return", np.log
    y = pd.Series(inputs["dgs10"].to_numpy(), index=pd.DatetimeIndex(inputs["dgs10_date"]))
    y.attrs["kind"] = "rate"
    return y, "diff", lambda v: v


@pytest.mark.parametrize("series", ["log_dbk", "dgs10"])
@pytest.mark.parametrize("drift", [False, True])
def test_random_walk_intervals_equal_forecast_rwf(rwf, series, drift):
    """Naive / Drift on the working scale = R's rwf(x, h=250, drift=, level=c(80, 95))."""
    inputs, output = rwf
    ref = output[(output["series"] == series) & (output["drift"] == drift)]
    y, target, working = _rwf_series(inputs, series)
    model = (tc.Drift if drift else tc.Naive)(target=target, volatility="constant").fit(y)
    fc = model.predict(250, level=(80, 95))
    assert (fc.interval_method == "analytic").all() and fc.method == "analytic"
    rows = ref["step"].to_numpy() - 1
    ours = fc.to_frame().iloc[rows]
    for col in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
        np.testing.assert_allclose(
            working(ours[col].to_numpy()), ref[col].to_numpy(), rtol=1e-10, atol=1e-10
        )


def test_drift_interval_carries_the_drift_uncertainty(rwf):
    """At h = 250 on T = 999 steps the width is sqrt(1 + h/T) = 1.118 x the known-drift one."""
    inputs, _ = rwf
    y, target, _ = _rwf_series(inputs, "log_dbk")
    m = tc.Drift(target=target, volatility="constant").fit(y)
    fc = m.predict(250, level=95)
    width = np.log(fc.upper(95).iloc[-1]) - np.log(fc.lower(95).iloc[-1])
    z = np.log(y.to_numpy()).copy()
    sigma = np.diff(z).std(ddof=1)
    assert width == pytest.approx(2 * 1.959964 * sigma * np.sqrt(250 * (1 + 250 / 999)), rel=1e-6)


def test_drift_interval_coverage_at_long_horizon():
    """Simulated random walks with drift: the 90 % interval at h = 250 covers ~90 %.

    Without the drift-uncertainty term it would cover 2 Phi(1.645 / 1.118) - 1 = 0.86.
    """
    rng = np.random.default_rng(5)
    n_rep, n_obs, h = 1500, 1000, 250
    idx = pd.bdate_range("2000-01-03", periods=n_obs)
    hits = 0
    for _ in range(n_rep):
        steps = 0.01 * rng.standard_normal(n_obs + h) + 0.0005
        path = 2.0 + np.cumsum(steps)
        y = pd.Series(path[:n_obs], index=idx)
        y.attrs["kind"] = "rate"
        m = tc.Drift().fit_trusted(y)  # the trusted paths the backtest uses (fast)
        lower, upper = m._predict_quantiles(h, np.array([0.05, 0.95]), None)[0][-1]
        hits += lower <= path[n_obs + h - 1] <= upper
    assert 0.88 <= hits / n_rep <= 0.925  # binomial SE 0.008; 0.863 on this seed without it


def test_drift_simulated_paths_carry_the_drift_uncertainty(rwf):
    inputs, _ = rwf
    y, target, _ = _rwf_series(inputs, "dgs10")
    m = tc.Drift(target=target, volatility="constant").fit(y)
    paths = m.simulate(250, 20_000, seed=1)
    var = np.var(paths[:, -1] - y.iloc[-1])
    expected = m.sigma_**2 * 250 * (1 + 250 / 999)
    assert var == pytest.approx(expected, rel=0.04)  # MC SE of a variance ~1 %
    assert m.drift_se_ == pytest.approx(m.sigma_ / np.sqrt(999), rel=1e-12)


def test_naive_pct_change_intervals_are_bootstrapped(dbk):
    fc = tc.Naive(target="pct_change").fit(dbk).predict(5)
    assert (fc.interval_method == "bootstrap").all()
    assert (fc.lower(95) < fc.mean).all() and (fc.mean < fc.upper(95)).all()
