"""Trading view of forecasts: would acting on them have made money after costs?

Trading rule
------------
At each forecast origin ``o_i`` (the union of the origins of all models, sorted) a model
takes a position from its forecast for the date of the *next* origin ``o_{i+1}``, or for
its furthest forecast date if the next origin lies beyond the horizon; in steps,
``k_i = min(s_i, H)`` with ``s_i`` the observations to the next origin and ``H`` the
horizon. The position is held on every observation from ``o_i`` (exclusive) to ``o_{i+1}``
(inclusive); the last origin's position is held to the last forecast date. Buy-and-hold is
long on every observation from the first origin to the last date.

Returns and costs
-----------------
Daily (per-observation) P&L of a position ``p_t`` in {-1, 0, 1} held over day ``t`` is
``p_t r_t`` with ``r_t`` the asset's simple return that day; a short is rebalanced to -1
every day. A change of position at a close costs ``c |p_t - p_{t-1}|`` of capital with
``c = cost_bps / 1e4``, paid before the day's return: net return
``(1 - c |Δp_t|) (1 + p_t r_t) - 1``, starting flat. Buy-and-hold's total return is thus
exactly ``(1 - c) P_T / P_0 - 1``.

Prices and rates
----------------
For a price, ``r_t = P_t / P_{t-1} - 1``. A yield (percent) is not a price: trading it
requires ``duration=D`` (years), and the traded asset is a constant-maturity bond with
modified duration ``D`` whose daily return is approximated by carry minus duration times
the yield change, ``r_t ≈ y_{t-1} / 100 / P - D (y_t - y_{t-1}) / 100`` (``P`` periods a
year, 252 for daily data; convexity and roll-down ignored). A long position gains when the
yield falls. Positions come from the predicted return of the traded asset over the
holding period: ``F / y_last - 1`` for a price, ``y_last / 100 k / P - D (F - y_last) / 100``
for a bond (``F`` the forecast, ``k`` the observations to the target date).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tickcast.backtest.metrics import _check_frame, predicted_change
from tickcast.backtest.performance import (
    STAT_COLUMNS,
    _add_dsr,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    infer_periods_per_year,
    max_drawdown,
    performance,
    probabilistic_sharpe_ratio,
    sharpe_difference_test,
    sharpe_se,
    sharpe_se_hac,
)
from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = [
    "BUY_AND_HOLD",
    "STAT_COLUMNS",
    "TradingResult",
    "asset_returns",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "infer_periods_per_year",
    "max_drawdown",
    "performance",
    "positions_from_forecasts",
    "probabilistic_sharpe_ratio",
    "sharpe_difference_test",
    "sharpe_se",
    "sharpe_se_hac",
    "strategy_returns",
    "trading_backtest",
]

#: Row label of the buy-and-hold benchmark in :attr:`TradingResult.stats`.
BUY_AND_HOLD = "buy_and_hold"

_STRATEGIES = ("sign", "threshold")
_KINDS = ("price", "rate")


def _is_number(value: object) -> TypeGuard[float]:
    return (
        not isinstance(value, (bool, np.bool_))
        and isinstance(value, numbers.Real)
        and math.isfinite(value)
    )


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
    if not _is_number(threshold) or threshold < 0:
        raise ConfigError(
            f"`threshold` must be a finite number >= 0 (a predicted simple return, 0.001 = "
            f"10 bp); got {threshold!r}."
        )
    if strategy == "sign" and threshold != 0:
        raise ConfigError(
            f"`threshold` only applies to strategy='threshold'; got threshold={threshold!r} "
            "with strategy='sign'. Pass strategy='threshold' or drop threshold."
        )
    if not _is_number(cost_bps) or cost_bps < 0:
        raise ConfigError(
            f"`cost_bps` must be a finite number >= 0 (basis points per unit of turnover); "
            f"got {cost_bps!r}. Use 0 for no costs."
        )
    if not isinstance(allow_short, (bool, np.bool_)):
        raise ConfigError(f"`allow_short` must be True or False; got {allow_short!r}.")
    if periods_per_year is not None and (not _is_number(periods_per_year) or periods_per_year <= 0):
        raise ConfigError(
            f"`periods_per_year` must be a positive number or None (inferred from the dates); "
            f"got {periods_per_year!r}. Use 252 for daily business-day data."
        )


def _positions(pred: np.ndarray, threshold: float, allow_short: bool) -> np.ndarray:
    """{-1, 0, 1} from predicted returns; NaN (no forecast) is flat.

    The callers take the predicted change from ``metrics.predicted_change``, so a
    no-change forecast's round-off is 0 and flat (a random-walk ARIMA whose forecasts were
    its last price to 5e-16 was long at 31 % of the S&P 500 origins, Sharpe 0.79).
    """
    pos = np.where(pred > threshold, 1.0, 0.0)
    if allow_short:
        pos = np.where(pred < -threshold, -1.0, pos)
    return pos


def positions_from_forecasts(
    forecast: ArrayLike,
    y_last: ArrayLike,
    *,
    strategy: Literal["sign", "threshold"] = "sign",
    threshold: float = 0.0,
    allow_short: bool = False,
) -> np.ndarray:
    """Positions implied by point forecasts of a price.

    Parameters
    ----------
    forecast : array-like of shape (n,)
        Point forecasts of the price for the end of each holding period, price units. NaN
        (no forecast) gives a flat position.
    y_last : array-like of shape (n,)
        Price at each origin's close, price units, positive.
    strategy : {"sign", "threshold"}, default "sign"
        ``"sign"``: long when the forecast is above ``y_last``, short (or flat) when below,
        flat when the forecast is ``y_last`` up to round-off (``metrics.predicted_change``,
        1e-12 relative).
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
    _check_options(strategy, threshold, 0.0, allow_short, None)
    f = np.asarray(forecast, dtype=np.float64)
    last = np.asarray(y_last, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = predicted_change(f, last) / last  # round-off of a no-change forecast: 0
    return _positions(pred, float(threshold), bool(allow_short))


def asset_returns(
    levels: ArrayLike,
    *,
    kind: Literal["price", "rate"] = "price",
    duration: float | None = None,
    periods_per_year: float = 252,
) -> np.ndarray:
    """Per-period simple returns of the traded asset behind a series of levels.

    Parameters
    ----------
    levels : array-like of shape (n,)
        Prices (positive) or yields in percent, one per observation.
    kind : {"price", "rate"}, default "price"
        What the levels are.
    duration : float, optional
        Modified duration in years of the constant-maturity bond traded on a yield; required
        for ``kind="rate"``.
    periods_per_year : float, default 252
        Observations per year, for the bond's carry.

    Returns
    -------
    ndarray of shape (n - 1,)
        Price: ``P_t / P_{t-1} - 1``. Rate: ``y_{t-1} / 100 / P - D (y_t - y_{t-1}) / 100``,
        fraction per period.
    """
    y = np.asarray(levels, dtype=np.float64)
    if kind == "rate":
        if duration is None:
            raise ConfigError(_RATE_MESSAGE.format(name="the series"))
        return y[:-1] / 100.0 / float(periods_per_year) - float(duration) * np.diff(y) / 100.0
    return y[1:] / y[:-1] - 1.0


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
        ``(1 - (cost_bps / 1e4) |p_t - p_{t-1}|) (1 + p_t r_t) - 1`` with ``p_{-1} = 0``:
        the cost of a trade is paid out of capital at the close where the position changes
        (opening the first position is charged; closing the last one is not), fraction per
        period.
    """
    p = np.asarray(positions, dtype=np.float64)
    r = np.asarray(asset_returns, dtype=np.float64)
    turnover = np.abs(np.diff(p, prepend=0.0))
    return (1.0 - cost_bps / 1e4 * turnover) * (1.0 + p * r) - 1.0


@dataclass(frozen=True)
class TradingResult:
    """Outcome of :func:`trading_backtest`.

    Attributes
    ----------
    stats : pandas.DataFrame
        One row per model plus ``"buy_and_hold"``, columns :data:`STAT_COLUMNS` (see
        :func:`performance` for definitions and units; annualised figures use
        ``settings["periods_per_year"]``).
    equity : pandas.DataFrame
        Equity curves, one column per model and ``"buy_and_hold"``: 1.0 at the first
        origin's close, then one row per observation to the last date, net of costs.
    returns : pandas.DataFrame
        Net simple returns per observation (fraction), same columns, indexed by the dates
        after the first origin.
    positions : pandas.DataFrame
        Position held on each of those dates, one column per model (in {-1, 0, 1}).
    decisions : pandas.DataFrame
        Per origin: the position taken (one column per model), indexed by origin.
    settings : dict
        The options the run used, the series kind, duration and periods per year.
    """

    stats: pd.DataFrame
    equity: pd.DataFrame
    returns: pd.DataFrame
    positions: pd.DataFrame
    decisions: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def sharpe_tests(self, against: str = BUY_AND_HOLD, *, lags: int | None = None) -> pd.DataFrame:
        """Each strategy's Sharpe ratio against another's, tested on the paired returns.

        A strategy that is long most days moves with buy-and-hold, so the standard error of
        the *difference* of their Sharpe ratios is far smaller than that of either ratio;
        comparing a difference with one ratio's ``sharpe_se`` is no test.
        :func:`~tickcast.backtest.performance.sharpe_difference_test` (Ledoit & Wolf 2008,
        HAC) on the net returns of :attr:`returns`.

        Parameters
        ----------
        against : str, default "buy_and_hold"
            The column of :attr:`returns` every other column is compared with.
        lags : int, optional
            Newey-West lag (default ``floor(4 (T / 100)^(2/9))``).

        Returns
        -------
        pandas.DataFrame
            One row per other column: ``sharpe``, ``sharpe_<against>``, ``difference``, ``se``
            (all annualised with ``settings["periods_per_year"]``), ``stat`` and ``pvalue``
            (two-sided); no multiple-comparison correction. NaN for a strategy whose net
            returns are constant (never traded).
        """
        if against not in self.returns.columns:
            raise ConfigError(
                f"`against` must be one of {list(self.returns.columns)}; got {against!r}."
            )
        ppy = float(self.settings.get("periods_per_year", 252))
        rows = {}
        for name in self.returns.columns:
            if name == against:
                continue
            if np.ptp(self.returns[name].to_numpy()) == 0:  # never traded: no Sharpe ratio
                rows[name] = dict.fromkeys(
                    ("sharpe", f"sharpe_{against}", "difference", "se", "stat", "pvalue"),
                    math.nan,
                )
                continue
            out = sharpe_difference_test(
                self.returns[name].to_numpy(),
                self.returns[against].to_numpy(),
                lags=lags,
                periods_per_year=ppy,
            )
            rows[name] = {
                "sharpe": out["sharpe_a"],
                f"sharpe_{against}": out["sharpe_b"],
                **{k: out[k] for k in ("difference", "se", "stat", "pvalue")},
            }
        return pd.DataFrame.from_dict(rows, orient="index")


_RATE_MESSAGE = (
    "{name} is a yield (kind 'rate'), not a price: its relative changes are not the return "
    "of anything tradable. Pass `duration=D` (modified duration in years of the "
    "constant-maturity bond to trade, e.g. duration=8.5 for a 10-year yield) to trade the "
    "bond, daily return ≈ y_(t-1)/100/252 - D*Δy_t/100; or kind='price' if it is a price."
)


def _select_series(frame: pd.DataFrame, series: str | None) -> tuple[pd.DataFrame, str | None]:
    if "series" in frame.columns:
        names = list(pd.unique(frame["series"]))
        if series is None:
            if len(names) > 1:
                raise ConfigError(
                    f"`series` must name one series when the frame holds several; got None "
                    f"with series {names}. Pass e.g. series={names[0]!r}."
                )
            return frame, (str(names[0]) if names else None)
        if series not in names:
            raise ConfigError(f"`series` must be one of {names}; got {series!r}.")
        return frame[frame["series"] == series], series
    if series is not None:
        raise ConfigError(
            f"`series`={series!r} was given but the frame has no 'series' column. Drop series."
        )
    return frame, None


def _resolve_kind(kind: object, prices: pd.Series | None, name: str | None) -> str:
    if kind is not None:
        if kind not in _KINDS:
            raise ConfigError(f"`kind` must be 'price', 'rate' or None; got {kind!r}.")
        return str(kind)
    if prices is not None and prices.attrs.get("kind") in _KINDS:
        return str(prices.attrs["kind"])
    if name is not None:
        from tickcast.data.spec import series_kind

        return series_kind(name)
    return "price"


def _check_prices(prices: pd.Series, rows: pd.DataFrame, last_date: pd.Timestamp) -> pd.Series:
    """The given price series, cut to [first origin, last date], checked against the frame."""
    if not (prices.index.is_monotonic_increasing and prices.index.is_unique):
        raise DataError("`prices` must have sorted, unique dates.")
    first = rows["origin"].min()
    span = prices.astype(np.float64).loc[first:last_date]
    known = pd.concat(
        [
            pd.Series(rows["y_last"].to_numpy(), index=pd.DatetimeIndex(rows["origin"])),
            pd.Series(rows["y_true"].to_numpy(), index=pd.DatetimeIndex(rows["date"])),
        ]
    )
    known = known[~known.index.duplicated()]
    missing = known.index.difference(span.index)
    if len(missing):
        raise DataError(
            f"`prices` lacks {len(missing)} dates of the forecast frame, the first "
            f"{missing[0].date()}; pass the series the backtest was run on."
        )
    if not np.isfinite(span.to_numpy()).all():
        raise DataError(
            "`prices` has NaN or infinite values between the first origin and the last date."
        )
    if not np.allclose(span.loc[known.index].to_numpy(), known.to_numpy(), rtol=1e-9, atol=1e-12):
        raise DataError(
            "`prices` disagrees with the forecast frame's y_last / y_true on the same dates; "
            "pass the series the backtest was run on."
        )
    return span


def _prices_from_frame(rows: pd.DataFrame, origins: pd.DatetimeIndex) -> pd.Series:
    """Daily prices from the first origin to the last date, read off the frame's step rows.

    Needs the step rows of each origin to reach the next origin (splitter step <= horizon,
    gap 0); raises ConfigError naming the first uncovered interval otherwise.
    """
    table = rows[["origin", "step", "date", "y_true"]].drop_duplicates(["origin", "step"])
    table = table.sort_values(["origin", "step"])
    o = table["origin"].to_numpy()
    cut = np.flatnonzero(o[1:] != o[:-1]) + 1
    steps = np.split(table["step"].to_numpy(), cut)
    dates = np.split(table["date"].to_numpy(), cut)
    values = np.split(table["y_true"].to_numpy(dtype=np.float64), cut)
    first_last = rows.loc[rows["origin"] == origins[0], "y_last"].iloc[0]
    all_dates = np.unique(np.concatenate([origins.to_numpy(), table["date"].to_numpy()]))
    out_d, out_v = [origins.to_numpy()[:1]], [np.array([first_last], dtype=np.float64)]
    ends = [*origins[1:], None]
    for i, end in enumerate(ends):
        d, s = dates[i], steps[i]
        nxt = all_dates[np.searchsorted(all_dates, origins[i].to_datetime64(), side="right")]
        take = len(d) if end is None else int(np.searchsorted(d, end.to_datetime64(), "right"))
        ok = s[0] == 1 and d[0] == nxt and np.array_equal(s[:take], np.arange(1, take + 1))
        if end is not None:
            ok = ok and take > 0 and d[take - 1] == end.to_datetime64()
        if not ok:
            stop = "the last date" if end is None else f"{end.date()}"
            raise ConfigError(
                f"the forecast frame does not hold the price on every day from origin "
                f"{origins[i].date()} to {stop} (the splitter's step exceeds its horizon, "
                "its gap is > 0, or every model failed at an origin): pass "
                "`prices=` the evaluated series (e.g. result.trading(prices=y)), or "
                "backtest with step <= horizon and gap=0."
            )
        out_d.append(d[:take])
        out_v.append(values[i][:take])
    price = pd.Series(np.concatenate(out_v), index=pd.DatetimeIndex(np.concatenate(out_d)))
    if not price.index.is_monotonic_increasing or not price.index.is_unique:
        raise DataError("`frame` step dates are not increasing from one origin to the next.")
    last = rows.drop_duplicates("origin").set_index("origin")["y_last"].reindex(origins)
    if not np.allclose(price.loc[origins].to_numpy(), last.to_numpy(), rtol=1e-9, atol=1e-12):
        raise DataError(
            "`frame` y_last at an origin differs from the y_true of the same date in the "
            "previous origin's rows; all rows must come from one series."
        )
    return price


def _check_consistent(rows: pd.DataFrame) -> None:
    one = rows.drop_duplicates(["origin", "step", "date", "y_last", "y_true"])
    if one.duplicated(["origin", "step"]).any():
        raise DataError(
            "`frame` rows of different models disagree on date, y_last or y_true at the same "
            "origin and step; all models must be scored on the same series."
        )
    if rows.duplicated(["model", "origin", "step"]).any():
        raise DataError(
            "`frame` has several forecasts of one model at one origin and step; each must "
            "appear once."
        )


def _decisions(
    rows: pd.DataFrame,
    origins: pd.DatetimeIndex,
    targets: pd.DatetimeIndex,
    position: pd.Series,
    *,
    kind: str,
    duration: float | None,
    ppy: float,
    threshold: float,
    allow_short: bool,
) -> dict[str, np.ndarray]:
    """Position per (model, origin) from the forecast for the origin's target date."""
    target = pd.Series(targets, index=origins)
    out: dict[str, np.ndarray] = {}
    for name, g in rows.groupby("model", sort=False):
        g = g.assign(target=g["origin"].map(target))
        before = g[g["date"] <= g["target"]]
        pick = before.loc[before.groupby("origin")["date"].idxmax()]
        rest = g[~g["origin"].isin(pick["origin"])]  # first forecast already past the target
        if len(rest):
            pick = pd.concat([pick, rest.loc[rest.groupby("origin")["date"].idxmin()]])
        pick = pick.set_index("origin").reindex(origins)
        f = pick["mean"].to_numpy(dtype=np.float64, na_value=np.nan)
        last = pick["y_last"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            change = predicted_change(f, last)  # round-off of a no-change forecast: 0
            if kind == "rate":
                k = position.reindex(pick["date"]).to_numpy() - position.reindex(origins).to_numpy()
                pred = last / 100.0 * k / ppy - duration * change / 100.0
            else:
                pred = change / last
        out[str(name)] = _positions(pred, threshold, allow_short)
    return out


def trading_backtest(
    frame: pd.DataFrame,
    *,
    prices: pd.Series | None = None,
    strategy: Literal["sign", "threshold"] = "sign",
    threshold: float = 0.0,
    cost_bps: float = 5.0,
    allow_short: bool = False,
    periods_per_year: float | None = None,
    series: str | None = None,
    kind: Literal["price", "rate"] | None = None,
    duration: float | None = None,
) -> TradingResult:
    """Trade each model's forecasts between origins and compare with buy-and-hold.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long-format forecast frame with columns ``model``, ``origin``, ``step``, ``date``,
        ``y_true``, ``y_last``, ``mean`` (and optionally ``series``), as in
        ``BacktestResult.forecasts``.
    prices : pandas.Series, optional
        The evaluated series (levels on a DatetimeIndex). Needed when the frame does not
        hold every day between origins (splitter step > horizon, or gap > 0); otherwise the
        daily levels are read off the frame's step rows.
    strategy : {"sign", "threshold"}, default "sign"
        ``"sign"``: long when the predicted return of the traded asset over the holding
        period is positive, short (``allow_short``) or flat when negative, flat when zero
        (a forecast equal to ``y_last`` up to round-off, ``metrics.predicted_change``,
        predicts no change of the level).
        ``"threshold"``: act only when it exceeds ``threshold`` in absolute value.
    threshold : float, default 0.0
        Minimum predicted simple return to act on; only with ``strategy="threshold"``.
    cost_bps : float, default 5.0
        Proportional cost in basis points per unit of position change (5 = 0.05 % of the
        traded amount).
    allow_short : bool, default False
        Allow short positions (-1) on predicted falls; otherwise stay flat.
    periods_per_year : float, optional
        Observations per year for annualising (and the bond's carry); default inferred from
        the dates (:func:`infer_periods_per_year`: 252 for business-daily data).
    series : str or None, default None
        Which series to trade when the frame holds several.
    kind : {"price", "rate"}, optional
        What the series is; default ``prices.attrs["kind"]``, else from the series name
        (:func:`tickcast.data.series_kind`), else "price".
    duration : float, optional
        Modified duration in years of the constant-maturity bond traded on a yield; required
        when the kind is "rate", rejected for prices.

    Returns
    -------
    TradingResult
        Statistics, equity curves, net returns and positions per model and buy-and-hold.

    Raises
    ------
    ConfigError
        For a yield without ``duration``, or when the frame lacks days and ``prices`` is not
        given.

    Notes
    -----
    The trading rule, cost model and bond approximation are in the module docstring. The
    origins are the union of the origins of all models, so every model and the benchmark are
    scored on the same days; a model without a forecast at an origin is flat until the next
    one. With two or more models, ``dsr`` is each model's deflated Sharpe ratio with the
    models as the trials (``n_trials`` = number of models, the spread of their per-period
    Sharpe ratios as ``sharpe_std_across_trials``).
    """
    _check_options(strategy, threshold, cost_bps, allow_short, periods_per_year)
    _check_frame(
        frame, ("model", "origin", "step", "date", "y_true", "y_last", "mean"), "trading_backtest"
    )
    if prices is not None and not (
        isinstance(prices, pd.Series) and isinstance(prices.index, pd.DatetimeIndex)
    ):
        raise InputTypeError(
            f"`prices` must be a pandas Series on a DatetimeIndex (the evaluated series); got "
            f"{type(prices).__name__}."
        )
    rows, name = _select_series(frame, series)
    if rows.empty:
        raise DataError("`frame` has no forecasts to trade.")
    kind = _resolve_kind(kind, prices, name)  # type: ignore[assignment]
    if kind == "rate":
        if not _is_number(duration) or duration <= 0:
            if duration is None:
                raise ConfigError(_RATE_MESSAGE.format(name=f"series {name!r}" if name else "it"))
            raise ConfigError(f"`duration` must be a positive number of years; got {duration!r}.")
    elif duration is not None:
        raise ConfigError(
            f"`duration` only applies to yields (kind 'rate'); got duration={duration!r} for a "
            "price. Drop duration, or pass kind='rate'."
        )
    models = [str(m) for m in pd.unique(rows["model"])]
    if BUY_AND_HOLD in models:
        raise ConfigError(
            f"`frame` has a model named {BUY_AND_HOLD!r}, which is reserved for the benchmark. "
            "Rename the model."
        )
    for col in ("y_last", "y_true"):
        if not np.isfinite(rows[col].to_numpy(dtype=np.float64, na_value=np.nan)).all():
            raise DataError(
                f"`frame` column {col} must be finite; got missing values. Drop the origins "
                "without an actual value."
            )
    _check_consistent(rows)
    origins = pd.DatetimeIndex(np.sort(pd.unique(rows["origin"])))
    last_date = pd.Timestamp(rows["date"].max())
    if prices is not None:
        level = _check_prices(prices, rows, last_date)
    else:
        level = _prices_from_frame(rows, origins)
    days = level.index
    values = level.to_numpy(dtype=np.float64)
    if kind == "price" and (values <= 0).any():
        raise DataError(
            f"the series must be positive to be traded as a price; got minimum "
            f"{values.min()!r}. If it is a yield, pass kind='rate' and duration=D."
        )
    ppy = float(periods_per_year) if periods_per_year is not None else infer_periods_per_year(days)
    asset = asset_returns(values, kind=kind, duration=duration, periods_per_year=ppy)  # type: ignore[arg-type]
    position = pd.Series(np.arange(len(days)), index=days)
    targets = pd.DatetimeIndex([*origins[1:], days[-1]])
    decided = _decisions(
        rows,
        origins,
        targets,
        position,
        kind=kind,  # type: ignore[arg-type]
        duration=duration,
        ppy=ppy,
        threshold=float(threshold),
        allow_short=bool(allow_short),
    )
    ns_origins, ns_days = origins.as_unit("ns").asi8, days.as_unit("ns").asi8
    holder = np.searchsorted(ns_origins, ns_days[1:], side="left") - 1  # origin per day
    daily = {m: p[holder] for m, p in decided.items()}
    daily_all = {**daily, BUY_AND_HOLD: np.ones(len(days) - 1)}
    cost = float(cost_bps)
    ret_cols = {m: strategy_returns(p, asset, cost_bps=cost) for m, p in daily_all.items()}
    stats_rows = {
        m: performance(ret_cols[m], p, asset, periods_per_year=ppy, cost_bps=float(cost_bps))
        for m, p in daily_all.items()
    }
    _add_dsr(stats_rows, ret_cols, models)
    table = pd.DataFrame.from_dict(stats_rows, orient="index", columns=list(STAT_COLUMNS))
    table.index.name = "model"
    table["n_periods"] = table["n_periods"].astype(np.int64)
    returns = pd.DataFrame(ret_cols, index=days[1:])
    equity = pd.concat(
        [pd.DataFrame({m: [1.0] for m in ret_cols}, index=days[:1]), (1.0 + returns).cumprod()]
    )
    equity.index.name = returns.index.name = "date"
    settings = {
        "strategy": strategy,
        "threshold": float(threshold),
        "cost_bps": float(cost_bps),
        "allow_short": bool(allow_short),
        "periods_per_year": ppy,
        "series": name,
        "kind": kind,
        "duration": None if duration is None else float(duration),
        "prices": "given" if prices is not None else "from the frame",
    }
    return TradingResult(
        stats=table,
        equity=equity,
        returns=returns,
        positions=pd.DataFrame(daily, index=days[1:]),
        decisions=pd.DataFrame(decided, index=origins),
        settings=settings,
    )
