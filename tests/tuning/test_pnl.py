"""The P&L behind PBO(pnl) and the deflated Sharpe ratio goes through the trading module.

Prices: the one-step sign strategy's P&L is ``sign(F - P_last) (P_next / P_last - 1)``
(closed form). Yields: the P&L of the constant-maturity bond of modified duration D,
``y_last / 100 / 252 - D (y_next - y_last) / 100``, long when that predicted return is
positive (the rule of :mod:`tickcast.backtest.trading`); without ``duration=`` a ConfigError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.backtest.trading import trading_backtest
from tickcast.errors import ConfigError

D = 8.5
SPLIT = dict(initial=200, step=1, horizon=1, refit_every=50)
SPACE = {"lags": [1, 2, 4]}


def yield_series(seed: int, n: int = 400) -> pd.Series:
    """A random walk of a yield in percent around 2.5 (daily sd 5 bp), marked as a rate."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2012-01-02", periods=n)
    y = pd.Series(2.5 + np.cumsum(0.05 * rng.standard_normal(n)), index=idx, name="yld")
    y.attrs["kind"] = "rate"
    return y


@pytest.fixture(scope="module")
def yield_result():
    return tc.tune(
        tc.LinearForecaster(horizon=1), SPACE, yield_series(0), splitter=tc.WalkForward(**SPLIT)
    )


@pytest.fixture(scope="module")
def price_result(sim):
    return tc.tune(
        tc.LinearForecaster(horizon=1), SPACE, sim.random_walk(4, n=400),
        splitter=tc.WalkForward(**SPLIT),
    )  # fmt: skip


def _step1(res):
    fc = res.candidates.forecasts
    return fc[fc["model"].isin(res.candidate_labels) & (fc["step"] == 1)]


def _wide(fc, values, labels):
    table = fc[["origin", "model"]].assign(v=np.asarray(values))
    return table.pivot(index="origin", columns="model", values="v").reindex(columns=labels)


def test_price_pnl_is_the_sign_times_the_simple_return(price_result):
    res = price_result
    fc = _step1(res)
    closed = np.sign(fc["mean"] - fc["y_last"]) * (fc["y_true"] / fc["y_last"] - 1)
    expected = _wide(fc, closed, res.candidate_labels)
    pnl = res.candidate_pnl()
    assert pnl.shape == (200, 3)
    np.testing.assert_allclose(pnl.to_numpy(), expected.loc[pnl.index].to_numpy(), atol=1e-15)


def test_yield_pnl_is_the_duration_pnl_of_the_trading_module(yield_result):
    res = yield_result
    fc = _step1(res)
    last, nxt, f = fc["y_last"], fc["y_true"], fc["mean"]
    carry = last / 100 / 252  # one business day of carry
    pos = np.sign(carry - D * (f - last) / 100)
    closed = _wide(fc, pos * (carry - D * (nxt - last) / 100), res.candidate_labels)
    pnl = res.candidate_pnl(duration=D)
    assert len(pnl) == 200
    np.testing.assert_allclose(pnl.to_numpy(), closed.loc[pnl.index].to_numpy(), atol=1e-15)
    # and the same numbers as trading the candidates with the trading module itself
    daily = res.candidates.trading(duration=D, cost_bps=0.0, allow_short=True).returns
    np.testing.assert_allclose(
        pnl.to_numpy(), daily[res.candidate_labels].to_numpy(), rtol=0, atol=1e-15
    )
    # the relative change of the yield (the old, wrong P&L) is something else
    wrong = _wide(fc, np.sign(f - last) * (nxt / last - 1), res.candidate_labels)
    assert not np.allclose(pnl.to_numpy(), wrong.loc[pnl.index].to_numpy(), atol=1e-6)


def test_rates_without_duration_raise_config_error(yield_result):
    res = yield_result
    for call in (
        res.candidate_pnl,
        lambda: res.pbo(8, metric="pnl"),
        res.deflated_sharpe,
        res.candidate_trading,
    ):
        with pytest.raises(ConfigError, match="duration"):
            call()
    with pytest.raises(ConfigError, match="metric='pnl'"):
        res.pbo(8, duration=D)
    assert 0 <= res.pbo(8, metric="pnl", duration=D).pbo <= 1
    assert res.pbo(8).pbo == res.pbo(8, metric="loss").pbo  # the loss PBO needs no duration


def test_prices_with_duration_raise_config_error(price_result):
    with pytest.raises(ConfigError, match="only applies to yields"):
        price_result.candidate_pnl(duration=D)


@pytest.mark.parametrize("cost_bps", [0.0, 5.0])
def test_pnl_over_several_days_compounds_the_trading_returns(sim, cost_bps):
    # origins 3 days apart, one-step forecasts: the frame lacks the days between origins,
    # so the prices come from the tuned series; each origin's P&L is the product of the
    # trading module's daily net returns over its holding period
    y = sim.random_walk(5, n=400)
    sp = tc.WalkForward(initial=200, step=3, horizon=1, refit_every=10)
    res = tc.tune(tc.LinearForecaster(horizon=1), SPACE, y, splitter=sp)
    pnl = res.candidate_pnl(cost_bps=cost_bps, allow_short=False)
    labels = res.candidate_labels
    fc = res.candidates.forecasts
    frame = fc[fc["model"].isin(labels)]
    daily = trading_backtest(frame, prices=y, cost_bps=cost_bps, allow_short=False).returns
    origins = pd.DatetimeIndex(sorted(frame["origin"].unique()))
    holder = np.searchsorted(origins, daily.index, side="left") - 1
    expected = (1 + daily).groupby(origins[holder]).prod() - 1
    np.testing.assert_allclose(pnl.to_numpy(), expected.loc[pnl.index, labels].to_numpy(), 1e-12)
    assert len(pnl) == len(origins)


def test_deflated_sharpe_reports_exposure_and_buy_and_hold(price_result, sim):
    res = price_result
    out = res.deflated_sharpe()
    fc = _step1(res)
    best = fc[fc["model"] == out["candidate"]].set_index("origin")
    assert out["long_share"] == pytest.approx(np.mean(best["mean"] > best["y_last"]))
    hold = best["y_true"] / best["y_last"] - 1  # long at every origin, no costs
    assert out["buy_and_hold_sharpe"] == pytest.approx(hold.mean() / hold.std(ddof=1))


def test_yield_deflated_sharpe_uses_the_bond_returns(yield_result):
    res = yield_result
    out = res.deflated_sharpe(duration=D)
    pnl = res.candidate_pnl(duration=D)
    sharpe = pnl.mean() / pnl.std(ddof=1)
    assert out["candidate"] == sharpe.idxmax()
    assert out["sharpe"] == pytest.approx(sharpe.max())


def test_same_positions_in_a_period_give_exactly_the_same_pnl():
    # two strategies that differ on the first day only: every later holding period must tie
    # exactly (CSCV's tie rules need equal values, not values equal up to the rounding of an
    # equity curve that carries the first day along)
    from types import SimpleNamespace

    from tickcast.tuning.result import _origin_returns

    rng = np.random.default_rng(0)
    days = pd.bdate_range("2020-01-01", periods=31)
    r = 0.01 * rng.standard_normal(30)
    a, b = r.copy(), r.copy()
    b[0] = -a[0] + 0.0123
    origins = days[:-1:3]  # periods of 3 days
    returns = pd.DataFrame({"a": a, "b": b}, index=days[1:])
    equity = pd.concat(
        [pd.DataFrame({"a": [1.0], "b": [1.0]}, index=days[:1]), (1 + returns).cumprod()]
    )
    trade = SimpleNamespace(returns=returns, equity=equity, decisions=pd.DataFrame(index=origins))
    out = _origin_returns(trade, ["a", "b"])
    assert out.shape == (10, 2) and out.iloc[0, 0] != out.iloc[0, 1]
    assert np.array_equal(out["a"].to_numpy()[1:], out["b"].to_numpy()[1:])
    np.testing.assert_allclose(out["a"], (1 + a).reshape(10, 3).prod(axis=1) - 1, rtol=1e-13)
