"""interval_method="aci" on the conformal forecasters (issue 12): adaptive conformal inference
(Gibbs & Candès 2021) learned walk-forward, against plain conformal on a variance shift, the
backtest post-processor on the same miss stream, the future (no look-ahead), the slow path
and a save/load round trip."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tickcast as tc
from tickcast.backtest.aci import adaptive_conformal
from tickcast.errors import ConfigError
from tickcast.models.base import forecast_folds_stepwise, forecast_origins_stepwise


def shifted_walk(n=1700, shift=700, after=1.6, seed=0, name="r"):
    """A random walk (a rate) whose step sd jumps from 1 to ``after`` at ``shift``."""
    rng = np.random.default_rng(seed)
    sd = np.where(np.arange(n) < shift, 1.0, after)
    y = pd.Series(
        100 + np.cumsum(rng.normal(size=n) * sd),
        index=pd.bdate_range("2000-01-03", periods=n),
        name=name,
    )
    y.attrs["kind"] = "rate"
    return y


def linear(**kw):
    base = {"lags": 3, "horizon": 3, "volatility": "constant", "calibration_fraction": 0.3}
    return tc.LinearForecaster(**{**base, **kw})


def hits(frame, level=80):
    f = frame
    return (f["y_true"] >= f[f"lower_{level}"]) & (f["y_true"] <= f[f"upper_{level}"])


@pytest.mark.parametrize("after", [1.6, 0.5])
def test_aci_recovers_nominal_coverage_after_a_variance_shift(after):
    """Fitted once before the shift (stale residuals): plain conformal covers far from 80 %
    after it, ACI within three binomial standard errors of 80 % per step."""
    y = shifted_walk(after=after)
    sp = tc.WalkForward(initial=650, step=1, horizon=3, refit_every=None)
    late = None
    cov = {}
    for method in ("conformal", "aci"):
        m = linear(interval_method=method, aci_gamma=0.02)
        f = tc.backtest(m, y, splitter=sp, level=(80,)).forecasts
        late = f["origin"] >= y.index[1000]  # 300 origins after the shift for alpha to adapt
        cov[method] = hits(f)[late].groupby(f.loc[late, "step"]).mean()
        n = int(late.sum() / 3)
    se = np.sqrt(0.8 * 0.2 / n)
    assert np.all(np.abs(cov["conformal"] - 0.8) > 0.1), cov["conformal"]
    assert np.all(np.abs(cov["aci"] - 0.8) < 3 * se), (cov["aci"], se)


def test_aci_levels_equal_the_post_processor_on_the_same_miss_stream():
    """The forecaster's alpha_t at each origin and step equals adaptive_conformal's on the
    frame of its own intervals (min_scores huge: the intervals are kept, only the rule and
    its timing are compared): one rule, learned only from outcomes already observed."""
    y = shifted_walk(n=900, shift=500, after=1.5)
    gamma = 0.03
    m = linear(interval_method="aci", aci_gamma=gamma).fit(y.iloc[:500])
    rows, used = [], []
    for o in range(499, 880):
        if o > 499:
            m.update(y.iloc[o : o + 1])
        fc = m.predict(3, level=80)  # uses (and records) the levels learned so far
        state = m.aci_
        k = int(np.flatnonzero(np.isclose(state.coverages, 0.8))[0])
        for h in range(3):
            rows.append(
                {
                    "model": "linear",
                    "step": h + 1,
                    "origin": y.index[o],
                    "date": y.index[o + h + 1],
                    "y_true": y.iloc[o + h + 1],
                    "lower_80": fc.lower(80).iloc[h],
                    "upper_80": fc.upper(80).iloc[h],
                }
            )
        used.append(state.alpha[k, :3].copy())
    frame = pd.DataFrame(rows)
    post = adaptive_conformal(frame, level=80, gamma=gamma, min_scores=10**9)
    ours = np.concatenate(used)
    np.testing.assert_allclose(post["alpha_aci_80"].to_numpy(), ours, rtol=0, atol=1e-12)
    # the levels moved (misses after the shift), and the intervals kept are the model's own
    assert ours.min() < 0.15
    np.testing.assert_allclose(post["upper_aci_80"], frame["upper_80"], rtol=1e-14)


def test_aci_has_no_look_ahead():
    """Perturbing the series after a date leaves every interval of earlier origins unchanged
    (the ACI levels there only saw outcomes up to their origin)."""
    y = shifted_walk(n=1000, shift=500)
    cut = y.index[800]
    z = y.copy()
    z[z.index > cut] = z[z.index > cut] + np.linspace(0, 40, int((z.index > cut).sum()))
    sp = tc.WalkForward(initial=600, step=1, horizon=3, refit_every=50)
    m = linear(interval_method="aci", aci_gamma=0.05)
    a = tc.backtest(m, y, splitter=sp).forecasts
    b = tc.backtest(m, z, splitter=sp).forecasts
    past = a["origin"] <= cut
    cols = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    np.testing.assert_array_equal(a.loc[past, cols], b.loc[past, cols])
    later = a["origin"] > y.index[830]
    assert not np.allclose(
        a.loc[later, "upper_80"] - a.loc[later, "mean"],
        b.loc[later, "upper_80"] - b.loc[later, "mean"],
    )


def test_aci_backtest_runs_the_fold_loop_and_equals_it():
    """With ACI the batched paths are off (the engine's fold loop runs); the model's
    forecast_folds and forecast_origins equal their stepwise definitions exactly, and the
    backtest equals forecast_folds_stepwise over its folds (one task: levels carry over the
    refits)."""
    y = shifted_walk(n=900, shift=500)
    m = linear(interval_method="aci", aci_gamma=0.02)
    assert not m.batched_folds and not m.batched_origins
    assert linear().batched_folds and linear().batched_origins
    sp = tc.WalkForward(initial=500, step=2, horizon=3, refit_every=40)
    res = tc.backtest(m, y, splitter=sp, level=(80,))
    assert res.settings["models"]["linear"]["fast_path"] == "update"
    assert res.settings["tasks"] == 1
    folds = list(sp.split(y))
    ends = tc.models.forecast.quantiles_for_levels((80,))
    mean_a, q_a = clone(m).forecast_folds(y, None, folds, 3, ends)
    mean_b, q_b = forecast_folds_stepwise(clone(m), y, None, folds, 3, ends)
    np.testing.assert_array_equal(mean_a, mean_b)
    np.testing.assert_array_equal(q_a, q_b)
    lo = int(np.argmin(np.abs(ends - 0.1)))
    np.testing.assert_allclose(res.forecasts["lower_80"], q_a[:, :, lo].ravel(), rtol=0, atol=1e-9)
    # forecast_origins: the update-and-predict loop
    origins = np.arange(520, 700, 3)
    fitted = clone(m).fit(y.iloc[:520])
    mean_c, q_c = copy.deepcopy(fitted).forecast_origins(y, None, origins, 3, ends)
    mean_d, q_d = forecast_origins_stepwise(copy.deepcopy(fitted), y, None, origins, 3, ends)
    np.testing.assert_array_equal(mean_c, mean_d)
    np.testing.assert_array_equal(q_c, q_d)
    # aci differs from plain conformal once misses are learned
    plain = tc.backtest(linear(), y, splitter=sp, level=(80,)).forecasts
    assert not np.allclose(plain["upper_80"], res.forecasts["upper_80"])
    assert np.allclose(plain["mean"], res.forecasts["mean"])


def test_aci_is_deterministic_across_workers():
    ys = {"a": shifted_walk(n=800, seed=1, name="a"), "b": shifted_walk(n=800, seed=2, name="b")}
    sp = tc.WalkForward(initial=500, step=3, horizon=3, refit_every=60)
    m = linear(interval_method="aci", aci_gamma=0.02)
    one = tc.backtest(m, ys, splitter=sp).forecasts
    two = tc.backtest(m, ys, splitter=sp, n_jobs=2, backend="threading").forecasts
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))


def test_refits_carry_the_levels_and_a_public_fit_starts_afresh():
    y = shifted_walk(n=900, shift=500, after=2.0)
    m = linear(interval_method="aci", aci_gamma=0.05).fit(y.iloc[:520])
    for o in range(520, 600):
        m.predict(3)
        m.update(y.iloc[o : o + 1])
    assert m.aci_.alpha.min() < 0.1  # misses after the shift pulled the levels down
    updated = copy.deepcopy(m).update(y.iloc[600:620])
    m.fit_trusted(y.iloc[:620])  # a walk-forward refit scores the new outcomes as update does
    np.testing.assert_array_equal(m.aci_.alpha, updated.aci_.alpha)
    assert not np.allclose(m.aci_.alpha, (1 - m.aci_.coverages)[:, None])
    m.fit_trusted(y.iloc[100:620])  # a sliding window continues the history as well
    assert m.aci_.alpha.min() < 0.1
    m.fit(y.iloc[:620])  # public fit: afresh
    np.testing.assert_allclose(m.aci_.alpha, (1 - m.aci_.coverages)[:, None] + 0 * m.aci_.alpha)
    other = shifted_walk(n=900, seed=5)
    m.predict(3)
    m.fit_trusted(other.iloc[:700])  # not a continuation: afresh
    assert len(m.aci_.origins) == 0


def test_save_and_load_keep_the_aci_state(tmp_path):
    y = shifted_walk(n=800, shift=450, after=1.8)
    m = linear(interval_method="aci", aci_gamma=0.05).fit(y.iloc[:500])
    for o in range(500, 600):
        m.predict(3)
        m.update(y.iloc[o : o + 1])
    m.predict(3)  # pending forecasts whose outcomes are not known yet
    path = m.save(str(tmp_path / "aci.npz"))
    loaded = tc.load_model(path)
    for key, value in m.aci_.to_arrays().items():
        np.testing.assert_array_equal(loaded.aci_.to_arrays()[key], value)
    for model in (m, loaded):
        model.update(y.iloc[600:605])
    np.testing.assert_array_equal(m.aci_.alpha, loaded.aci_.alpha)
    a, b = m.predict(3).to_frame(), loaded.predict(3).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_rnn_takes_aci_and_saves_it(tmp_path):
    y = shifted_walk(n=500, shift=300, after=2.0)
    m = tc.RNNForecaster(
        "rnn",
        hidden=2,
        lookback=5,
        horizon=2,
        epochs=2,
        volatility="constant",
        interval_method="aci",
        aci_gamma=0.05,
    ).fit(y.iloc[:380])
    for o in range(380, 440):
        fc = m.predict(2)
        m.update(y.iloc[o : o + 1])
    assert set(fc.interval_method) == {"aci"}
    assert m.aci_.alpha.min() < 0.2 - 1e-9
    loaded = tc.load_model(m.save(str(tmp_path / "rnn.npz")))
    np.testing.assert_array_equal(loaded.aci_.alpha, m.aci_.alpha)
    pd.testing.assert_frame_equal(loaded.predict(2).to_frame(), m.predict(2).to_frame())


def test_aci_before_any_miss_equals_conformal():
    y = shifted_walk(n=600)
    a = linear(interval_method="aci").fit(y).predict(5, level=(80, 95))
    b = linear().fit(y).predict(5, level=(80, 95))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert list(a.interval_method) == ["aci"] * 3 + ["bootstrap"] * 2


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"interval_method": "adaptive"}, "interval_method"),
        ({"interval_method": "aci", "aci_gamma": 0.0}, "aci_gamma"),
        ({"interval_method": "aci", "aci_gamma": 1.5}, "aci_gamma"),
        ({"interval_method": "aci", "aci_gamma": True}, "aci_gamma"),
        ({"interval_method": "aci", "target": "level"}, "step target"),
    ],
)
def test_bad_aci_parameters(params, match):
    y = shifted_walk(n=400)
    with pytest.raises(ConfigError, match=match):
        linear(**params).fit(y)
