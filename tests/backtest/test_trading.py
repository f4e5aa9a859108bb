"""Trading view: positions from one-step forecasts, costs, and the statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickcast.backtest.trading import (
    BUY_AND_HOLD,
    STAT_COLUMNS,
    TradingResult,
    max_drawdown,
    positions_from_forecasts,
    strategy_returns,
    trading_backtest,
)
from tickcast.errors import ConfigError, DataError, DataWarning, InputTypeError

# Three trading days. Closes: 100 (Mon), 110 (Tue), 99 (Wed), 108.9 (Thu)
# -> asset returns +10 %, -10 %, +10 %.
# Model "up_down_up" forecasts up, down, up; model "late" has no forecast on day 2.
DATES = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])
CLOSES = [100.0, 110.0, 99.0, 108.9]


def _frame() -> pd.DataFrame:
    rows = []
    forecasts = {"up_down_up": [101.0, 105.0, 100.0], "late": [99.0, np.nan, 100.0]}
    for model, fcs in forecasts.items():
        for t in range(3):
            for step in (1, 2):
                rows.append(
                    {
                        "model": model,
                        "origin": DATES[t],
                        "step": step,
                        # step-2 rows must be ignored: give them absurd values
                        "date": DATES[t + 1] if step == 1 else pd.Timestamp("2030-01-01"),
                        "y_true": CLOSES[t + 1] if step == 1 else 1e6,
                        "y_last": CLOSES[t],
                        "mean": fcs[t] if step == 1 else 1e6,
                    }
                )
    return pd.DataFrame(rows)


def test_three_day_example_long_only_by_hand():
    res = trading_backtest(_frame(), cost_bps=5)
    assert isinstance(res, TradingResult)
    assert list(res.stats.columns) == list(STAT_COLUMNS)
    assert list(res.stats.index) == ["up_down_up", "late", BUY_AND_HOLD]
    # up_down_up: positions 1, 0, 1 (a predicted fall means flat)
    # gross 0.10, 0, 0.10; |Δp| = 1, 1, 1; cost 5 bp = 0.0005 each
    # net 0.0995, -0.0005, 0.0995
    assert res.positions["up_down_up"].tolist() == [1.0, 0.0, 1.0]
    np.testing.assert_allclose(res.returns["up_down_up"], [0.0995, -0.0005, 0.0995])
    eq = res.equity["up_down_up"]
    assert eq.index.tolist() == DATES.tolist()
    np.testing.assert_allclose(eq, [1.0, 1.0995, 1.0995 * 0.9995, 1.0995 * 0.9995 * 1.0995])
    s = res.stats.loc["up_down_up"]
    assert s["n_periods"] == 3
    assert s["total_return"] == pytest.approx(1.0995**2 * 0.9995 - 1)
    assert s["ann_return"] == pytest.approx((1.0995**2 * 0.9995) ** (252 / 3) - 1)
    assert s["turnover"] == pytest.approx(1.0)
    assert s["exposure"] == pytest.approx(2 / 3)
    assert s["hit_rate"] == pytest.approx(1.0)  # both invested days went up
    assert s["total_cost"] == pytest.approx(0.0015)
    # drawdown: peak 1.0995, then 1.0995 * 0.9995 -> a 0.05 % fall
    assert s["max_drawdown"] == pytest.approx(0.0005)
    net = np.array([0.0995, -0.0005, 0.0995])
    assert s["ann_volatility"] == pytest.approx(np.std(net, ddof=1) * np.sqrt(252))
    assert s["sharpe"] == pytest.approx(net.mean() / np.std(net, ddof=1) * np.sqrt(252))
    # buy and hold: long every day, entry cost only: 0.0995, -0.10, 0.10
    np.testing.assert_allclose(res.returns[BUY_AND_HOLD], [0.0995, -0.1, 0.1])
    b = res.stats.loc[BUY_AND_HOLD]
    assert b["total_return"] == pytest.approx(1.0995 * 0.9 * 1.1 - 1)
    assert b["max_drawdown"] == pytest.approx(0.1)
    assert b["hit_rate"] == pytest.approx(2 / 3)
    assert b["turnover"] == pytest.approx(1 / 3)


def test_missing_forecast_means_flat():
    res = trading_backtest(_frame(), cost_bps=5)
    # late: predicts down (flat), no forecast (flat), up (long): only the last day invested
    assert res.positions["late"].tolist() == [0.0, 0.0, 1.0]
    np.testing.assert_allclose(res.returns["late"], [0.0, 0.0, 0.0995])
    assert res.stats.loc["late", "hit_rate"] == pytest.approx(1.0)


def test_allow_short():
    res = trading_backtest(_frame(), cost_bps=5, allow_short=True)
    # positions 1, -1, 1: gross +0.10, +0.10, +0.10; |Δp| = 1, 2, 2
    # net 0.10 - 0.0005, 0.10 - 0.0010, 0.10 - 0.0010
    assert res.positions["up_down_up"].tolist() == [1.0, -1.0, 1.0]
    np.testing.assert_allclose(res.returns["up_down_up"], [0.0995, 0.099, 0.099])
    assert res.stats.loc["up_down_up", "turnover"] == pytest.approx(5 / 3)
    assert res.stats.loc["up_down_up", "exposure"] == pytest.approx(1.0)
    assert res.positions["late"].tolist() == [-1.0, 0.0, 1.0]
    assert res.settings["allow_short"] is True


def test_costs_reduce_returns_by_exactly_the_hand_amount():
    free = trading_backtest(_frame(), cost_bps=0, allow_short=True)
    costly = trading_backtest(_frame(), cost_bps=20, allow_short=True)
    # |Δp| = 1, 2, 2 at 20 bp = 0.002 per unit
    diff = free.returns["up_down_up"] - costly.returns["up_down_up"]
    np.testing.assert_allclose(diff, [0.002, 0.004, 0.004], rtol=0, atol=1e-15)
    assert costly.stats.loc["up_down_up", "total_cost"] == pytest.approx(0.010)
    assert free.stats.loc["up_down_up", "total_cost"] == 0.0
    np.testing.assert_allclose(free.returns[BUY_AND_HOLD], [0.1, -0.1, 0.1])


def test_threshold_strategy():
    # predicted returns of up_down_up: +1 %, -4.5 %, +1.0101 %
    res = trading_backtest(_frame(), strategy="threshold", threshold=0.0101, allow_short=True)
    assert res.positions["up_down_up"].tolist() == [0.0, -1.0, 1.0]
    pos = positions_from_forecasts(
        [101.0, 99.5, 100.0], [100.0] * 3, strategy="threshold", threshold=0.004
    )
    assert pos.tolist() == [1.0, 0.0, 0.0]


def test_pure_helpers():
    np.testing.assert_allclose(
        strategy_returns([1.0, 1.0, 0.0], [0.01, 0.02, 0.03], cost_bps=10), [0.009, 0.02, -0.001]
    )
    assert max_drawdown([1.0, 2.0, 1.5, 3.0, 0.75]) == pytest.approx(0.75)
    assert max_drawdown([1.0, 1.1, 1.2]) == 0.0


def test_series_selection_and_noncontiguous_origins_warn():
    a, b = _frame().assign(series="a"), _frame().assign(series="b")
    b["y_true"] = b["y_true"] * 2  # different series, different returns
    both = pd.concat([a, b])
    with pytest.raises(ConfigError, match="`series` must name one series"):
        trading_backtest(both)
    res = trading_backtest(both, series="a")
    assert res.stats.loc["up_down_up", "n_periods"] == 3
    with pytest.raises(ConfigError, match="`series` must be one of"):
        trading_backtest(both, series="c")
    gappy = _frame()
    gappy = gappy[gappy.origin != DATES[1]]
    with pytest.warns(DataWarning, match="not one observation apart"):
        trading_backtest(gappy)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategy": "momentum"}, ConfigError, "`strategy` must be one of"),
        ({"threshold": 0.01}, ConfigError, "only applies to strategy='threshold'"),
        ({"strategy": "threshold", "threshold": -0.01}, ConfigError, "`threshold` must be"),
        ({"cost_bps": -1}, ConfigError, "`cost_bps` must be a finite number >= 0"),
        ({"cost_bps": float("nan")}, ConfigError, "`cost_bps`"),
        ({"allow_short": "yes"}, ConfigError, "`allow_short` must be True or False"),
        ({"periods_per_year": 0}, ConfigError, "`periods_per_year` must be a positive"),
        ({"series": "a"}, ConfigError, "no 'series' column"),
    ],
)
def test_invalid(kwargs, error, match):
    with pytest.raises(error, match=match):
        trading_backtest(_frame(), **kwargs)


def test_invalid_frames():
    fr = _frame()
    with pytest.raises(InputTypeError, match="DataFrame"):
        trading_backtest(fr.to_dict())
    with pytest.raises(DataError, match="missing \\['y_last'\\]"):
        trading_backtest(fr.drop(columns="y_last"))
    with pytest.raises(DataError, match="no one-step forecasts"):
        trading_backtest(fr[fr.step == 2])
    with pytest.raises(DataError, match="several one-step forecasts"):
        trading_backtest(pd.concat([fr, fr.head(1)]))
    bad = fr.copy()
    bad.loc[(bad.model == "late") & (bad.step == 1), "y_true"] += 1
    with pytest.raises(DataError, match="disagree"):
        trading_backtest(bad)
    neg = fr.assign(y_last=-fr["y_last"])
    with pytest.raises(DataError, match="must be positive"):
        trading_backtest(neg)
    with pytest.raises(ConfigError, match="reserved"):
        trading_backtest(fr.replace({"model": {"late": BUY_AND_HOLD}}))
