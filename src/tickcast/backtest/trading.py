"""Trading view of forecasts: would acting on them have made money after costs?

Positions are taken from each model's one-step forecast at the close of the forecast origin
and held to the next close. Everything is computed with simple returns of the series seen
as a price.

Rates caveat
------------
The series is treated as the price of a traded asset: the P&L of a long position is the
simple return ``y_true / y_last - 1``. For an interest rate (percent) that is the relative
change of the yield, not the return of any bond; a bond's return moves *against* the yield
and scales with duration. The numbers for rates therefore only say whether the predicted
direction of the level was right often and strongly enough, in a price-like unit; they are
not the P&L of a tradable strategy. Yields at or below zero are rejected.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast.backtest.metrics import _check_frame, _safe_divide
from tickcast.errors import ConfigError, DataError, DataWarning

__all__ = [
    "BUY_AND_HOLD",
    "STAT_COLUMNS",
    "TradingResult",
    "max_drawdown",
    "performance",
    "positions_from_forecasts",
    "strategy_returns",
    "trading_backtest",
]

#: Row label of the buy-and-hold benchmark in :attr:`TradingResult.stats`.
BUY_AND_HOLD = "buy_and_hold"

#: Columns of :attr:`TradingResult.stats`, in order.
STAT_COLUMNS = (
    "n_periods",
    "total_return",
    "ann_return",
    "ann_volatility",
    "sharpe",
    "max_drawdown",
    "turnover",
    "hit_rate",
    "exposure",
    "total_cost",
)

_STRATEGIES = ("sign", "threshold")


def _check_options(
    strategy: object,
    threshold: object,
    cost_bps: object,
    allow_short: object,
    periods_per_year: object,
) -> None:
    if strategy not in _STRATEGIES:
        raise ConfigError(
            f"`strategy` must be one of {_STRATEGIES}; got {strategy!r}. Use 'sign' to trade "
            "the predicted direction."
        )
    if not isinstance(threshold, (int, float, np.integer, np.floating)) or not (
        np.isfinite(threshold) and threshold >= 0
    ):
        raise ConfigError(
            f"`threshold` must be a finite number >= 0 (a predicted simple return, 0.001 = "
            f"10 bp); got {threshold!r}."
        )
    if strategy == "sign" and threshold != 0:
        raise ConfigError(
            f"`threshold` only applies to strategy='threshold'; got threshold={threshold!r} "
            "with strategy='sign'. Pass strategy='threshold' or drop threshold."
        )
    if not isinstance(cost_bps, (int, float, np.integer, np.floating)) or not (
        np.isfinite(cost_bps) and cost_bps >= 0
    ):
        raise ConfigError(
            f"`cost_bps` must be a finite number >= 0 (basis points per unit of turnover); "
            f"got {cost_bps!r}. Use 0 for no costs."
        )
    if not isinstance(allow_short, (bool, np.bool_)):
        raise ConfigError(f"`allow_short` must be True or False; got {allow_short!r}.")
    if not isinstance(periods_per_year, (int, float, np.integer, np.floating)) or not (
        np.isfinite(periods_per_year) and periods_per_year > 0
    ):
        raise ConfigError(
            f"`periods_per_year` must be a positive number; got {periods_per_year!r}. Use 252 "
            "for daily business-day data."
        )


def positions_from_forecasts(
    forecast: ArrayLike,
    y_last: ArrayLike,
    *,
    strategy: Literal["sign", "threshold"] = "sign",
    threshold: float = 0.0,
    allow_short: bool = False,
) -> np.ndarray:
    """Positions implied by one-step forecasts.

    Parameters
    ----------
    forecast : array-like of shape (n,)
        One-step point forecasts of the level, price units. NaN (no forecast) gives a flat
        position.
    y_last : array-like of shape (n,)
        Level at each origin's close, price units, positive.
    strategy : {"sign", "threshold"}, default "sign"
        ``"sign"``: long when the forecast is above ``y_last``, short (or flat) when below.
        ``"threshold"``: long only when the predicted simple return ``forecast / y_last - 1``
        exceeds ``threshold``, short (or flat) only when it is below ``-threshold``, flat
        otherwise.
    threshold : float, default 0.0
        Minimum predicted simple return to act on (0.001 = 10 bp); only with
        ``strategy="threshold"``.
    allow_short : bool, default False
        If False, a predicted fall means flat (0) instead of short (-1).

    Returns
    -------
    ndarray of shape (n,)
        Positions in {-1, 0, 1}, as float64 (units of capital).
    """
    _check_options(strategy, threshold, 0.0, allow_short, 1)
    f = np.asarray(forecast, dtype=np.float64)
    last = np.asarray(y_last, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = f / last - 1.0
    thr = float(threshold)
    pos = np.where(pred > thr, 1.0, 0.0)
    if allow_short:
        pos = np.where(pred < -thr, -1.0, pos)
    return pos


def strategy_returns(
    positions: ArrayLike, asset_returns: ArrayLike, *, cost_bps: float
) -> np.ndarray:
    """Net per-period returns of holding ``positions`` with proportional costs.

    Parameters
    ----------
    positions : array-like of shape (n,)
        Position held over each period, decided at its start (units of capital).
    asset_returns : array-like of shape (n,)
        Simple return of the asset over each period, fraction.
    cost_bps : float
        Cost in basis points per unit of position change.

    Returns
    -------
    ndarray of shape (n,)
        ``p_t r_t - (cost_bps / 1e4) |p_t - p_{t-1}|`` with ``p_{-1} = 0`` (opening the first
        position is charged; closing the last one is not), fraction per period.
    """
    p = np.asarray(positions, dtype=np.float64)
    r = np.asarray(asset_returns, dtype=np.float64)
    turnover = np.abs(np.diff(p, prepend=0.0))
    return p * r - cost_bps / 1e4 * turnover


def max_drawdown(equity: ArrayLike) -> float:
    """Largest peak-to-trough fall of an equity curve.

    Parameters
    ----------
    equity : array-like of shape (n,)
        Equity (wealth) over time, positive at its peaks.

    Returns
    -------
    float
        ``max_t (1 - equity_t / max_{s<=t} equity_s)``, a fraction >= 0 (0.25 = a 25 % fall
        from the running peak).
    """
    e = np.asarray(equity, dtype=np.float64)
    return float(np.max(1.0 - e / np.maximum.accumulate(e)))


def performance(
    net_returns: ArrayLike,
    positions: ArrayLike,
    asset_returns: ArrayLike,
    *,
    periods_per_year: float = 252,
) -> dict[str, float]:
    """Summary statistics of a strategy's net returns.

    Parameters
    ----------
    net_returns : array-like of shape (n,)
        Net simple returns per period, fraction (from :func:`strategy_returns`).
    positions : array-like of shape (n,)
        Positions held, units of capital.
    asset_returns : array-like of shape (n,)
        The asset's simple returns per period, fraction.
    periods_per_year : float, default 252
        Number of periods in a year, for annualising.

    Returns
    -------
    dict
        Keys :data:`STAT_COLUMNS`: ``n_periods``; ``total_return`` (``E_n - 1`` with
        ``E_t = Π (1 + net)``); ``ann_return`` (``E_n^(P/n) - 1``, -1 when equity is wiped
        out); ``ann_volatility`` (``std(net, ddof=1) sqrt(P)``); ``sharpe``
        (``mean(net) / std(net) sqrt(P)``, zero risk-free rate); ``max_drawdown`` (fraction
        >= 0, from a start value of 1); ``turnover`` (mean ``|Δp|`` per period, entry
        included); ``hit_rate`` (fraction of periods with a position whose gross P&L
        ``p r`` is positive; NaN if never invested); ``exposure`` (fraction of periods with a
        position); ``total_cost`` (sum of costs, fraction of capital, not compounded).
    """
    net = np.asarray(net_returns, dtype=np.float64)
    p = np.asarray(positions, dtype=np.float64)
    r = np.asarray(asset_returns, dtype=np.float64)
    n = net.shape[0]
    ppy = float(periods_per_year)
    equity = np.concatenate(([1.0], np.cumprod(1.0 + net)))
    end = equity[-1]
    sd = float(np.std(net, ddof=1)) if n > 1 else np.nan
    invested = p != 0
    gross = p * r
    return {
        "n_periods": float(n),
        "total_return": float(end - 1.0),
        "ann_return": float(end ** (ppy / n) - 1.0) if end > 0 else -1.0,
        "ann_volatility": sd * np.sqrt(ppy),
        "sharpe": float(_safe_divide(np.mean(net), sd) * np.sqrt(ppy)),
        "max_drawdown": max_drawdown(equity),
        "turnover": float(np.mean(np.abs(np.diff(p, prepend=0.0)))),
        "hit_rate": float(np.mean(gross[invested] > 0)) if invested.any() else np.nan,
        "exposure": float(np.mean(invested)),
        "total_cost": float(np.sum(p * r - net)),
    }


@dataclass(frozen=True)
class TradingResult:
    """Outcome of :func:`trading_backtest`.

    Attributes
    ----------
    stats : pandas.DataFrame
        One row per model plus ``"buy_and_hold"``, columns :data:`STAT_COLUMNS` (see
        :func:`performance` for definitions and units).
    equity : dict of str to pandas.Series
        Equity curve per model (and ``"buy_and_hold"``), starting at 1.0 at the first
        origin, then indexed by each period's closing date.
    returns : pandas.DataFrame
        Net simple returns, one column per model and ``"buy_and_hold"``, indexed by date.
    positions : pandas.DataFrame
        Positions in {-1, 0, 1}, one column per model, indexed by origin.
    settings : dict
        The options the run used.
    """

    stats: pd.DataFrame
    equity: dict[str, pd.Series]
    returns: pd.DataFrame
    positions: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def _one_step_periods(frame: pd.DataFrame, series: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step-1 rows of one series, and its periods (origin, date, y_last, y_true), checked."""
    if "series" in frame.columns:
        names = list(pd.unique(frame["series"]))
        if series is None:
            if len(names) > 1:
                raise ConfigError(
                    f"`series` must name one series when the frame holds several; got None "
                    f"with series {names}. Pass e.g. series={names[0]!r}."
                )
        elif series not in names:
            raise ConfigError(f"`series` must be one of {names}; got {series!r}.")
        else:
            frame = frame[frame["series"] == series]
    elif series is not None:
        raise ConfigError(
            f"`series`={series!r} was given but the frame has no 'series' column. Drop series."
        )
    one = frame[frame["step"] == 1]
    if one.empty:
        raise DataError(
            "`frame` has no one-step forecasts (rows with step == 1); the trading view "
            "needs them. Run the backtest with horizon >= 1 and gap=0."
        )
    if one.duplicated(["model", "origin"]).any():
        raise DataError(
            "`frame` has several one-step forecasts of one model at one origin; each must "
            "appear once."
        )
    periods = one[["origin", "date", "y_last", "y_true"]].drop_duplicates()
    if periods["origin"].duplicated().any():
        raise DataError(
            "`frame` rows of different models disagree on date, y_last or y_true at the same "
            "origin; all models must be scored on the same series."
        )
    periods = periods.sort_values("origin").reset_index(drop=True)
    last = periods["y_last"].to_numpy(dtype=np.float64, na_value=np.nan)
    true = periods["y_true"].to_numpy(dtype=np.float64, na_value=np.nan)
    if not (np.isfinite(last).all() and np.isfinite(true).all()):
        raise DataError(
            "`frame` columns y_last and y_true must be finite on one-step rows; got missing "
            "values. Drop the origins without an actual value."
        )
    if (last <= 0).any():
        raise DataError(
            f"`frame` column y_last must be positive (the series is treated as a price); got "
            f"minimum {last.min()!r}. The trading view does not apply to series at or below "
            "zero."
        )
    dates = periods["date"].to_numpy()
    origins = periods["origin"].to_numpy()
    if len(periods) > 1 and not (dates[:-1] == origins[1:]).all():
        warnings.warn(
            "consecutive origins are not one observation apart (splitter step > 1 or gap > "
            "0): each position is held only from its origin to its one-step target, and the "
            "strategy is flat in between. Set periods_per_year to the number of origins per "
            "year for meaningful annualised figures.",
            DataWarning,
            stacklevel=3,
        )
    return one, periods


def trading_backtest(
    frame: pd.DataFrame,
    *,
    strategy: Literal["sign", "threshold"] = "sign",
    threshold: float = 0.0,
    cost_bps: float = 5.0,
    allow_short: bool = False,
    periods_per_year: float = 252,
    series: str | None = None,
) -> TradingResult:
    """Trade each model's one-step forecasts and compare with buy-and-hold.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame with columns ``model``, ``origin``, ``step``, ``date``,
        ``y_true``, ``y_last``, ``mean`` (and optionally ``series``); see
        :func:`~tickcast.backtest.metrics.compute_metrics`. Only rows with ``step == 1`` are
        used.
    strategy : {"sign", "threshold"}, default "sign"
        How forecasts become positions; see :func:`positions_from_forecasts`.
    threshold : float, default 0.0
        Minimum predicted simple return to act on; only with ``strategy="threshold"``.
    cost_bps : float, default 5.0
        Proportional cost in basis points per unit of position change (5 = 0.05 % of the
        traded amount).
    allow_short : bool, default False
        Allow short positions (-1) on predicted falls; otherwise stay flat.
    periods_per_year : float, default 252
        For annualising (252 for daily business-day origins).
    series : str or None, default None
        Which series to trade when the frame holds several.

    Returns
    -------
    TradingResult
        Statistics, equity curves, net returns and positions per model and buy-and-hold.

    Notes
    -----
    At each origin ``t`` (sorted by time) the position ``p_t`` is decided from the model's
    one-step forecast and ``y_last`` (the close at ``t``) and held until the target's close:
    the asset's simple return is ``r_t = y_true / y_last - 1`` and the net return
    ``p_t r_t - (cost_bps / 1e4) |p_t - p_{t-1}|``, with ``p`` starting flat. The periods
    are the union of the origins of all models, so every model and the benchmark are scored
    on the same days; a model without a forecast at an origin is flat there. Buy-and-hold
    is long 1 in every period, paying the entry cost once.

    The series is treated as a price; for rates read the module's caveat.
    """
    _check_options(strategy, threshold, cost_bps, allow_short, periods_per_year)
    _check_frame(
        frame, ("model", "origin", "step", "date", "y_true", "y_last", "mean"), "trading_backtest"
    )
    one, periods = _one_step_periods(frame, series)
    models = [str(m) for m in pd.unique(one["model"])]
    if BUY_AND_HOLD in models:
        raise ConfigError(
            f"`frame` has a model named {BUY_AND_HOLD!r}, which is reserved for the benchmark. "
            "Rename the model."
        )
    origins = pd.Index(periods["origin"])
    dates = pd.Index(periods["date"])
    last = periods["y_last"].to_numpy(dtype=np.float64)
    asset = periods["y_true"].to_numpy(dtype=np.float64) / last - 1.0
    pos_cols: dict[str, np.ndarray] = {}
    ret_cols: dict[str, np.ndarray] = {}
    stats: dict[str, dict[str, float]] = {}
    for name, g in one.groupby("model", sort=False):
        fc = g.set_index("origin")["mean"].reindex(origins)
        p = positions_from_forecasts(
            fc.to_numpy(dtype=np.float64, na_value=np.nan),
            last,
            strategy=strategy,
            threshold=threshold,
            allow_short=allow_short,
        )
        pos_cols[str(name)] = p
    pos_cols_all = {**pos_cols, BUY_AND_HOLD: np.ones(len(periods))}
    for name, p in pos_cols_all.items():
        net = strategy_returns(p, asset, cost_bps=float(cost_bps))
        ret_cols[name] = net
        stats[name] = performance(net, p, asset, periods_per_year=periods_per_year)
    start = pd.Index([origins[0]])
    equity = {
        name: pd.Series(
            np.concatenate(([1.0], np.cumprod(1.0 + net))), index=start.append(dates), name=name
        )
        for name, net in ret_cols.items()
    }
    table = pd.DataFrame.from_dict(stats, orient="index", columns=list(STAT_COLUMNS))
    table.index.name = "model"
    table["n_periods"] = table["n_periods"].astype(np.int64)
    settings = {
        "strategy": strategy,
        "threshold": float(threshold),
        "cost_bps": float(cost_bps),
        "allow_short": bool(allow_short),
        "periods_per_year": float(periods_per_year),
        "series": series,
    }
    return TradingResult(
        stats=table,
        equity=equity,
        returns=pd.DataFrame(ret_cols, index=dates),
        positions=pd.DataFrame(pos_cols, index=origins),
        settings=settings,
    )
