"""The walk-forward engine: same origins for all models, no look-ahead, parallel == serial."""

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.errors import ConfigError, InputTypeError


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-600:]


def _splitter(**kw):
    base = dict(initial=400, step=10, horizon=5, refit_every=3)
    base.update(kw)
    return tc.WalkForward(**base)


def test_rows_origins_and_columns(dgs10):
    res = tc.backtest([tc.Naive(), tc.Drift()], dgs10, splitter=_splitter(), progress=False)
    f = res.forecasts
    n_origins = _splitter().n_splits(dgs10)
    assert len(f) == 2 * n_origins * 5
    assert {
        "series",
        "model",
        "origin",
        "step",
        "date",
        "y_true",
        "y_last",
        "mean",
        "lower_80",
        "upper_95",
        "scale",
        "refit",
    } <= set(f.columns)
    # both models forecast at exactly the same origins
    o = f.groupby("model")["origin"].apply(lambda s: tuple(sorted(set(s))))
    assert o["naive"] == o["drift"]
    naive = f[f["model"] == "naive"]
    assert np.allclose(naive["mean"], naive["y_last"])
    assert (f["date"] > f["origin"]).all()
    # refit flags follow refit_every=3 over the yielded origins
    first = naive[naive["step"] == 1].sort_values("origin")
    assert first["refit"].tolist()[:7] == [True, False, False, True, False, False, True]
    assert res.failures.empty


def test_no_look_ahead(dgs10):
    """Perturbing everything after a date changes no forecast made at or before it."""
    cut = dgs10.index[470]
    bumped = dgs10.copy()
    bumped[bumped.index > cut] += 3.0
    models = [tc.Naive(), tc.Drift(), tc.Mean(window=50)]
    a = tc.backtest(models, dgs10, splitter=_splitter(), progress=False).forecasts
    b = tc.backtest(models, bumped, splitter=_splitter(), progress=False).forecasts
    past = a["origin"] <= cut
    cols = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    pd.testing.assert_frame_equal(a.loc[past, cols], b.loc[past, cols])
    assert not np.allclose(a.loc[~past, "mean"], b.loc[~past, "mean"])


def test_parallel_equals_serial(dgs10):
    models = [tc.Naive(), tc.Drift()]
    a = tc.backtest(models, dgs10, splitter=_splitter(), n_jobs=1, progress=False)
    b = tc.backtest(models, dgs10, splitter=_splitter(), n_jobs=2, progress=False)
    cols = [c for c in a.forecasts.columns if c != "seconds"]
    pd.testing.assert_frame_equal(a.forecasts[cols], b.forecasts[cols])


class _FailsOnShortHistory(tc.Naive):
    """Raises when fitted on fewer than 430 observations (a stand-in for a model bug)."""

    short_name = "fragile"

    def _fit(self, y, z, X):
        if len(y) < 430:
            raise ValueError("too short for this toy model")
        super()._fit(y, z, X)


def test_failures_recorded_and_run_continues(dgs10):
    res = tc.backtest(
        [tc.Naive(), _FailsOnShortHistory()],
        dgs10,
        splitter=_splitter(refit_every=1),
        progress=False,
    )
    fr = res.failures
    assert len(fr) > 0 and set(fr["model"]) == {"fragile"}
    assert (fr["error"] == "ValueError").all()
    ok = res.forecasts[res.forecasts["model"] == "fragile"]
    assert len(ok) > 0 and (ok["origin"] >= dgs10.index[429]).all()
    with pytest.raises(ValueError, match="too short"):
        tc.backtest(
            [_FailsOnShortHistory()], dgs10, splitter=_splitter(), errors="raise", progress=False
        )


def test_refit_failure_fails_its_block(dgs10):
    res = tc.backtest(
        [_FailsOnShortHistory()], dgs10, splitter=_splitter(refit_every=3), progress=False
    )
    assert res.failures["origin"].nunique() == 3  # the failed refit and the two folds after it
    assert "refit" in res.failures["message"].iloc[1]


def test_several_series_and_reports(dgs10, tmp_path):
    dbk = tc.load("dbk").iloc[-600:]
    res = tc.backtest(
        [tc.Naive(), tc.Drift()], {"dgs10": dgs10, "dbk": dbk}, splitter=_splitter(), progress=False
    )
    assert set(res.forecasts["series"]) == {"dgs10", "dbk"}
    m = res.metrics()
    assert m.index.names == ["series", "model"]
    assert np.isclose(m.loc[("dbk", "naive"), "rel_rmse"], 1.0)
    summary = res.summary()
    assert "dm_pvalue" in summary.columns and "coverage_95" in summary.columns
    md = res.to_markdown()
    assert "| series | model |" in md and "naive" in md
    with pytest.raises(ConfigError, match="series"):
        res.trading()
    path = res.to_html(tmp_path / "r" / "report.html")
    text = open(path).read()
    assert text.count("data:image/png;base64,") >= 3


def test_single_series_trading_and_plots(dgs10):
    import matplotlib

    matplotlib.use("Agg")
    res = tc.backtest([tc.Naive(), tc.Drift()], dgs10, splitter=_splitter(step=1), progress=False)
    with pytest.raises(ConfigError, match="duration"):  # a yield is not a price
        res.trading(cost_bps=5)
    tr = res.trading(cost_bps=5, duration=8.5)
    assert "buy_and_hold" in tr.stats.index
    for kind in ("forecasts", "errors", "equity", "coverage"):
        assert res.plot(kind) is not None
    with pytest.raises(ConfigError, match="kind"):
        res.plot("pie")


def test_invalid(dgs10):
    with pytest.raises(InputTypeError):
        tc.backtest(["naive"], dgs10, splitter=_splitter())
    with pytest.raises(InputTypeError):
        tc.backtest([tc.Naive()], dgs10.to_numpy(), splitter=_splitter())
    with pytest.raises(InputTypeError):
        tc.backtest([tc.Naive()], dgs10, splitter="walk")
    with pytest.raises(ConfigError, match="initial"):
        tc.backtest([tc.Naive()], dgs10, splitter=_splitter(initial=5000))
    with pytest.raises(ConfigError, match="step"):
        tc.backtest([tc.Naive()], dgs10, splitter=_splitter(step=0))
    with pytest.raises(ConfigError, match="gap"):
        tc.backtest([tc.Naive()], dgs10, splitter=_splitter(gap=-1))
    with pytest.raises(ConfigError, match="n_jobs"):
        tc.backtest([tc.Naive()], dgs10, splitter=_splitter(), n_jobs=0)
    with pytest.raises(ConfigError, match="level"):
        tc.backtest([tc.Naive()], dgs10, splitter=_splitter(), level=100)


def test_point_only_backtests_fit_no_volatility_and_give_the_same_means(dgs10, monkeypatch):
    """``level=None`` records no interval: refits skip the volatility model (no
    ``fit_volatility`` call), and every model's point forecasts equal the default run's."""
    import tickcast.models.volatility as volatility

    calls = []
    real = volatility.fit_volatility

    def counted(steps, kind, *args, **kwargs):
        calls.append(kind)
        return real(steps, kind, *args, **kwargs)

    monkeypatch.setattr(volatility, "fit_volatility", counted)
    models = {
        "naive ewma": tc.Naive(volatility="ewma"),
        "linear garch": tc.LinearForecaster(lags=5, horizon=5, volatility="garch"),
        "arima": tc.ARIMAForecaster(order=(1, 1, 0)),  # default volatility: EWMA for rates
        "rnn": tc.RNNForecaster("gru", hidden=3, lookback=5, horizon=5, epochs=1, seed=0),
    }
    splitter = _splitter(step=40, refit_every=2)
    full = tc.backtest(models, dgs10, splitter=splitter, progress=False)
    n_full = len(calls)
    calls.clear()
    point = tc.backtest(models, dgs10, splitter=splitter, progress=False, level=None)
    assert n_full >= 4 and calls == []
    a, b = point.forecasts, full.forecasts
    assert "lower_80" not in a.columns
    assert a[["model", "origin", "step", "refit"]].equals(b[["model", "origin", "step", "refit"]])
    np.testing.assert_allclose(a["mean"].to_numpy(), b["mean"].to_numpy(), rtol=0, atol=1e-10)
