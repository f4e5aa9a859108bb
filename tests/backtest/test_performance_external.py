"""Trading statistics and sMAPE against outside implementations: empyrical-reloaded,
quantstats and utilsforecast, whose values on a real Deutsche Bank strategy are committed in
``fixtures/perf_ref`` (see its PROVENANCE.md; the tests need none of these packages)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tickcast.backtest.metrics import smape
from tickcast.backtest.performance import max_drawdown, performance
from tickcast.backtest.trading import strategy_returns

HERE = Path(__file__).parent / "fixtures" / "perf_ref"
COST_BPS = 5.0  # as make_perf_input.py


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(HERE / "perf_input.csv", index_col="date", parse_dates=True)


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((HERE / "perf_reference.json").read_text())


@pytest.fixture(scope="module")
def strategy(frame) -> dict[str, float]:
    p, r = frame["position"].to_numpy(), frame["asset_return"].to_numpy()
    return performance(strategy_returns(p, r, cost_bps=COST_BPS), p, r, cost_bps=COST_BPS)


def test_net_returns_are_the_fixture_cost_rule(frame):
    p, r = frame["position"].to_numpy(), frame["asset_return"].to_numpy()
    net = strategy_returns(p, r, cost_bps=COST_BPS)
    np.testing.assert_allclose(net, frame["net_return"], rtol=0, atol=1e-15)


def test_strategy_statistics_equal_empyrical(strategy, ref):
    """empyrical: drawdown as a negative fraction, Sharpe and volatility with ddof=1 and
    sqrt(252), annual return (1 + cum)^(252 / n) - 1."""
    e = ref["empyrical"]["strategy"]
    assert strategy["max_drawdown"] == pytest.approx(-e["max_drawdown"], rel=1e-12)
    assert strategy["ann_volatility"] == pytest.approx(e["annual_volatility"], rel=1e-12)
    assert strategy["sharpe"] == pytest.approx(e["sharpe_ratio"], rel=1e-12)
    assert strategy["total_return"] == pytest.approx(e["cum_returns_final"], rel=1e-12)
    assert strategy["ann_return"] == pytest.approx(e["annual_return"], rel=1e-12)


def test_max_drawdown_equals_quantstats_too(strategy, ref):
    assert strategy["max_drawdown"] == pytest.approx(-ref["quantstats"]["max_drawdown"], rel=1e-12)


def test_buy_and_hold_equals_empyrical_and_the_price_ratio(frame, ref):
    r = frame["asset_return"].to_numpy()
    ones = np.ones_like(r)
    bh = performance(strategy_returns(ones, r, cost_bps=0.0), ones, r)
    e = ref["empyrical"]["buy_and_hold"]
    assert bh["max_drawdown"] == pytest.approx(-e["max_drawdown"], rel=1e-12)
    assert bh["total_return"] == pytest.approx(e["cum_returns_final"], rel=1e-12)
    assert bh["ann_return"] == pytest.approx(e["annual_return"], rel=1e-12)
    # closed form: the last close over the close before the first return
    start = frame["close"].iloc[0] / (1.0 + r[0])
    assert bh["total_return"] == pytest.approx(frame["close"].iloc[-1] / start - 1.0, rel=1e-10)
    assert bh["total_return"] < 0  # the price fell over these 1,000 days: so did the holding


def test_win_rate_counts_the_wins_quantstats_counts(frame, strategy, ref):
    """quantstats divides the positive periods of the gross P&L by its non-zero periods; we
    divide by the invested periods (a day with a position and a zero return is no win)."""
    q = ref["quantstats"]
    invested = int((frame["position"] != 0).sum())
    assert invested >= q["nonzero_gross"]
    wins_ours = strategy["win_rate"] * invested
    wins_quantstats = q["win_rate_gross"] * q["nonzero_gross"]
    assert wins_ours == pytest.approx(wins_quantstats, abs=1e-9)
    assert round(wins_ours) == pytest.approx(wins_ours, abs=1e-9)


def test_exposure_is_quantstats_exposure_of_the_positions(strategy, ref):
    """quantstats rounds the fraction of non-zero values up to a whole percent."""
    assert 0 < strategy["exposure"] < 1
    rounded_up = math.ceil(round(strategy["exposure"] * 100, 9)) / 100
    assert rounded_up == pytest.approx(ref["quantstats"]["exposure_of_positions"], abs=1e-12)


def test_max_drawdown_function_on_the_equity_curve(frame, ref):
    equity = np.concatenate([[1.0], np.cumprod(1.0 + frame["net_return"].to_numpy())])
    assert max_drawdown(equity) == pytest.approx(-ref["empyrical"]["strategy"]["max_drawdown"])


def test_smape_is_200_times_utilsforecast(frame, ref):
    """utilsforecast: mean(|y - f| / (|y| + |f|)), a 0/0 term counting 0; ours is in percent
    of the 2 |y - f| / (|y| + |f|) form, 0..200."""
    u = ref["utilsforecast"]
    ours = smape(frame["close"], frame["naive_forecast"])
    assert ours == pytest.approx(200.0 * u["smape_dbk_naive"], rel=1e-12)
    with_zero = smape([0.0, 1.0, 2.0, -1.0], [0.0, 1.5, 1.0, 1.0])
    assert with_zero == pytest.approx(200.0 * u["smape_with_zero"], rel=1e-12)
