"""Performance statistics of a return series: Sharpe ratio with Lo's standard errors, the
probabilistic and deflated Sharpe ratios, drawdown, and the annualisation of daily data.

All functions work with *per-period* Sharpe ratios (mean over standard deviation of one
period's returns, zero risk-free rate) unless they say otherwise; annualise by multiplying
the ratio and its standard error by ``sqrt(periods_per_year)``.

References
----------
Lo, A. W. (2002). The statistics of Sharpe ratios. *Financial Analysts Journal* 58(4),
36-52.
Bailey, D. H. and López de Prado, M. (2012). The Sharpe ratio efficient frontier.
*Journal of Risk* 15(2), 3-44 (the probabilistic Sharpe ratio).
Bailey, D. H. and López de Prado, M. (2014). The deflated Sharpe ratio: correcting for
selection bias, backtest overfitting and non-normality. *Journal of Portfolio Management*
40(5), 94-107.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from tickcast.errors import ConfigError, DataError

__all__ = [
    "EULER_GAMMA",
    "STAT_COLUMNS",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "infer_periods_per_year",
    "max_drawdown",
    "performance",
    "probabilistic_sharpe_ratio",
    "sharpe_difference_test",
    "sharpe_ratio",
    "sharpe_se",
    "sharpe_se_hac",
]

#: Columns of :attr:`TradingResult.stats`, in order.
STAT_COLUMNS = (
    "n_periods",
    "total_return",
    "ann_return",
    "ann_volatility",
    "sharpe",
    "sharpe_se",
    "sharpe_se_hac",
    "psr",
    "dsr",
    "max_drawdown",
    "turnover",
    "win_rate",
    "exposure",
    "total_cost",
)

#: The Euler-Mascheroni constant, used by the expected maximum of N standard normals.
EULER_GAMMA = 0.5772156649015329


def _finite(
    name: str, value: object, *, minimum: float | None = None, strict: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ConfigError(f"`{name}` must be a finite number; got {value!r}.")
    value = float(value)
    if minimum is not None and (value <= minimum if strict else value < minimum):
        rule = ">" if strict else ">="
        raise ConfigError(f"`{name}` must be a number {rule} {minimum:g}; got {value!r}.")
    return value


def _returns(returns: ArrayLike) -> np.ndarray:
    try:
        r = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"`returns` must be numeric array-like; got {type(returns).__name__}."
        ) from exc
    if r.ndim != 1 or r.shape[0] < 2:
        raise DataError(
            f"`returns` must be a 1-D array of at least 2 per-period returns; got shape {r.shape}."
        )
    if not np.isfinite(r).all():
        raise DataError("`returns` must be finite; got NaN or infinite values. Drop them first.")
    return r


def sharpe_ratio(returns: ArrayLike) -> float:
    """Per-period Sharpe ratio ``mean(r) / std(r, ddof=1)`` (zero risk-free rate).

    Parameters
    ----------
    returns : array-like of shape (T,)
        Per-period (e.g. daily) simple returns, fraction, ``T >= 2``.

    Returns
    -------
    float
        The ratio, per period (not annualised); 0 for a constant zero series, NaN for a
        constant non-zero one.
    """
    r = _returns(returns)
    sd = float(np.std(r, ddof=1))
    mean = float(np.mean(r))
    if sd == 0:
        return 0.0 if mean == 0 else math.nan
    return mean / sd


def sharpe_se(sharpe: float, n_obs: int) -> float:
    """Standard error of a per-period Sharpe ratio for iid normal returns (Lo 2002, eq. 8).

    Parameters
    ----------
    sharpe : float
        Estimated per-period Sharpe ratio.
    n_obs : int
        Number of returns ``T`` it was estimated from.

    Returns
    -------
    float
        ``sqrt((1 + SR^2 / 2) / T)``, per period; multiply by ``sqrt(P)`` for the standard
        error of the ratio annualised with ``P`` periods a year.
    """
    sr = _finite("sharpe", sharpe)
    t = _finite("n_obs", n_obs, minimum=0, strict=True)
    return math.sqrt((1.0 + 0.5 * sr * sr) / t)


def sharpe_se_hac(returns: ArrayLike, *, lags: int | None = None) -> float:
    """Autocorrelation- and non-normality-robust standard error of the per-period Sharpe ratio.

    Lo's (2002, Section "Non-IID returns") GMM delta method: with moment conditions
    ``(r_t - mu, (r_t - mu)^2 - sigma^2)`` and their Newey-West long-run covariance ``S``
    (Bartlett kernel, ``lags`` lags), ``Var(SR) = g' S g / T`` where
    ``g = (1 / sigma, -mu / (2 sigma^3))``. For iid normal returns ``g' S g`` tends to
    ``1 + SR^2 / 2``, the iid formula of :func:`sharpe_se`.

    Parameters
    ----------
    returns : array-like of shape (T,)
        Per-period returns, fraction.
    lags : int, optional
        Newey-West truncation lag; default ``floor(4 (T / 100)^(2/9))``.

    Returns
    -------
    float
        Standard error of the per-period Sharpe ratio (NaN if the returns are constant).
    """
    from statsmodels.stats.sandwich_covariance import S_hac_simple

    r = _returns(returns)
    t = r.shape[0]
    if lags is None:
        lags = math.floor(4 * (t / 100) ** (2 / 9))
    elif isinstance(lags, bool) or not isinstance(lags, numbers.Integral) or lags < 0:
        raise ConfigError(f"`lags` must be an integer >= 0 or None; got {lags!r}.")
    mu = float(np.mean(r))
    var = float(np.mean((r - mu) ** 2))
    if var == 0:
        return math.nan
    sigma = math.sqrt(var)
    moments = np.column_stack([r - mu, (r - mu) ** 2 - var])
    s = S_hac_simple(moments, nlags=int(lags)) / t  # statsmodels returns the sum over t
    g = np.array([1.0 / sigma, -mu / (2.0 * sigma**3)])
    return float(math.sqrt(max(float(g @ s @ g), 0.0) / t))


def sharpe_difference_test(
    returns_a: ArrayLike,
    returns_b: ArrayLike,
    *,
    lags: int | None = None,
    periods_per_year: float = 252,
) -> dict[str, float]:
    """Test of equal Sharpe ratios of two strategies over the same periods (paired).

    Ledoit & Wolf (2008, Section 3.1): the difference of the per-period Sharpe ratios
    ``SR_a - SR_b`` is a smooth function of the moments ``v = (mu_a, mu_b, E r_a^2,
    E r_b^2)``; with the Newey-West long-run covariance ``Psi`` of
    ``(r_a - mu_a, r_b - mu_b, r_a^2 - E r_a^2, r_b^2 - E r_b^2)`` (Bartlett kernel,
    ``lags`` lags, statsmodels' ``S_hac_simple``) the delta method gives
    ``Var = g' Psi g / T`` with ``g`` the gradient of the difference. It allows for the
    correlation of the two strategies (a strategy that is long most days moves with
    buy-and-hold, so the difference is much more precise than either ratio), for fat tails
    and for autocorrelation. For iid normal returns and ``lags = 0`` the variance tends to
    Jobson-Korkie's with Memmel's (2003) correction,
    ``(2 (1 - rho) + (SR_a^2 + SR_b^2 - 2 SR_a SR_b rho^2) / 2) / T``.

    Parameters
    ----------
    returns_a, returns_b : array-like of shape (T,)
        Per-period returns of the two strategies over the same periods, fraction, ``T >= 3``.
    lags : int, optional
        Newey-West truncation lag; default ``floor(4 (T / 100)^(2/9))``.
    periods_per_year : float, default 252
        For the annualised ratios and difference (``* sqrt(periods_per_year)``).

    Returns
    -------
    dict
        ``sharpe_a``, ``sharpe_b`` and ``difference`` (annualised; the moment estimates
        ``mu / sqrt(E r^2 - mu^2)``, i.e. the standard deviation with ``ddof=0``), ``se`` (of
        the annualised difference), ``stat`` (difference / se) and ``pvalue`` (two-sided,
        normal). ``stat`` and ``pvalue`` are NaN when the two series are identical.

    Raises
    ------
    DataError
        Series of different lengths, shorter than 3, not finite, or one of them constant
        (its Sharpe ratio is undefined).
    """
    from scipy.special import ndtr
    from statsmodels.stats.sandwich_covariance import S_hac_simple

    a, b = _returns(returns_a), _returns(returns_b)
    if a.shape != b.shape or a.shape[0] < 3:
        raise DataError(
            "`returns_a` and `returns_b` must cover the same periods (same length, >= 3); "
            f"got lengths {a.shape[0]} and {b.shape[0]}."
        )
    t = a.shape[0]
    if lags is None:
        lags = math.floor(4 * (t / 100) ** (2 / 9))
    elif isinstance(lags, bool) or not isinstance(lags, numbers.Integral) or lags < 0:
        raise ConfigError(f"`lags` must be an integer >= 0 or None; got {lags!r}.")
    ppy = _finite("periods_per_year", periods_per_year, minimum=0, strict=True)
    mu = np.array([a.mean(), b.mean()])
    second = np.array([np.mean(a**2), np.mean(b**2)])
    var = second - mu**2
    if (var <= 0).any():
        raise DataError(
            "`returns_a` and `returns_b` must both vary; a constant series has no Sharpe ratio."
        )
    sr = mu / np.sqrt(var)
    root = math.sqrt(float(ppy))
    out = {
        "sharpe_a": float(sr[0] * root),
        "sharpe_b": float(sr[1] * root),
        "difference": float((sr[0] - sr[1]) * root),
    }
    moments = np.column_stack([a - mu[0], b - mu[1], a**2 - second[0], b**2 - second[1]])
    psi = S_hac_simple(moments, nlags=int(lags)) / t  # statsmodels returns the sum over t
    v15 = var**1.5
    g = np.array(
        [second[0] / v15[0], -second[1] / v15[1], -mu[0] / (2 * v15[0]), mu[1] / (2 * v15[1])]
    )
    se = math.sqrt(max(float(g @ psi @ g), 0.0) / t) * root
    out["se"] = se
    if se == 0:
        out.update(stat=math.nan, pvalue=math.nan)
    else:
        stat = out["difference"] / se
        out.update(stat=stat, pvalue=float(2.0 * ndtr(-abs(stat))))
    return out


def expected_max_sharpe(n_trials: int, sharpe_std_across_trials: float) -> float:
    """Expected largest of ``n_trials`` Sharpe ratios whose true value is zero.

    Bailey & López de Prado (2014, eq. 2 with Proposition 1): with ``gamma`` the
    Euler-Mascheroni constant and ``Z`` the standard normal quantile function,
    ``SR_0 = sd * ((1 - gamma) Z(1 - 1/N) + gamma Z(1 - 1/(N e)))``.

    Parameters
    ----------
    n_trials : int
        Number of independent strategies tried, ``N >= 1``; ``N = 1`` gives 0.
    sharpe_std_across_trials : float
        Standard deviation of the trials' estimated Sharpe ratios, in the units of the
        result (per period, or annualised).

    Returns
    -------
    float
        ``SR_0``, the benchmark a selected Sharpe ratio must beat.
    """
    n = _finite("n_trials", n_trials, minimum=1)
    if n != int(n):
        raise ConfigError(f"`n_trials` must be an integer >= 1; got {n_trials!r}.")
    sd = _finite("sharpe_std_across_trials", sharpe_std_across_trials, minimum=0)
    if n == 1:
        return 0.0
    z = stats.norm.ppf
    return cast(
        "float", sd * ((1 - EULER_GAMMA) * z(1 - 1 / n) + EULER_GAMMA * z(1 - 1 / (n * math.e)))
    )


def probabilistic_sharpe_ratio(
    sharpe: float,
    n_obs: int,
    *,
    benchmark: float = 0.0,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> float:
    """Probability that the true Sharpe ratio exceeds ``benchmark`` (Bailey & López de Prado).

    Parameters
    ----------
    sharpe : float
        Estimated per-period Sharpe ratio ``SR``.
    n_obs : int
        Number of returns ``T``, ``T >= 2``.
    benchmark : float, default 0.0
        Per-period Sharpe ratio ``SR*`` to beat.
    skew, kurtosis : float, default 0 and 3
        Skewness ``g3`` and (non-excess) kurtosis ``g4`` of the returns; 0 and 3 for normal.

    Returns
    -------
    float
        ``Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))``, in [0, 1].
    """
    sr = _finite("sharpe", sharpe)
    t = _finite("n_obs", n_obs, minimum=2)
    sr0 = _finite("benchmark", benchmark)
    g3 = _finite("skew", skew)
    g4 = _finite("kurtosis", kurtosis, minimum=1)
    den = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr
    if den <= 0:
        raise DataError(
            f"the Sharpe ratio's variance term 1 - skew*SR + (kurtosis-1)/4*SR^2 is {den:.3g} "
            f"<= 0 for sharpe={sr!r}, skew={g3!r}, kurtosis={g4!r}; these moments are not "
            "consistent with each other."
        )
    return float(stats.norm.cdf((sr - sr0) * math.sqrt(t - 1.0) / math.sqrt(den)))


def deflated_sharpe_ratio(
    sharpe: float,
    n_obs: int,
    *,
    n_trials: int,
    sharpe_std_across_trials: float,
    skew: float = 0.0,
    kurtosis: float = 3.0,
    periods_per_year: float = 1.0,
) -> float:
    """Deflated Sharpe ratio: probability that the selected strategy's true SR is above zero
    once the selection among ``n_trials`` strategies is accounted for.

    Parameters
    ----------
    sharpe : float
        Estimated Sharpe ratio of the selected strategy, per period unless
        ``periods_per_year`` says it is annualised.
    n_obs : int
        Number of returns ``T`` it was estimated from, ``T >= 2``.
    n_trials : int
        Number of independent strategies (models, parameter sets) tried, ``N >= 1``.
    sharpe_std_across_trials : float
        Standard deviation of the ``N`` trials' estimated Sharpe ratios, in the units of
        ``sharpe``.
    skew, kurtosis : float, default 0 and 3
        Skewness and non-excess kurtosis of the selected strategy's returns.
    periods_per_year : float, default 1.0
        If ``sharpe`` and ``sharpe_std_across_trials`` are annualised with ``P`` periods a
        year, pass ``P``; both are divided by ``sqrt(P)`` first. The default 1 means they are
        per period already.

    Returns
    -------
    float
        ``DSR = PSR(SR_0)`` (see :func:`probabilistic_sharpe_ratio`) with the benchmark
        ``SR_0`` of :func:`expected_max_sharpe`; a probability in [0, 1]. Values above 0.95
        are significant at the 5 % level.

    Notes
    -----
    Bailey & López de Prado (2014), eq. (1)-(2)::

        SR_0 = sqrt(V[SR_n]) ((1 - gamma) Z^-1(1 - 1/N) + gamma Z^-1(1 - 1/(N e)))
        DSR  = Z((SR - SR_0) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1)/4 SR^2))

    Their numerical example (N = 100, annualised V[SR_n] = 1/2 and SR = 2.5 with 250
    periods a year, T = 1250, skew -3, kurtosis 10) gives SR_0 = 0.1132 per period and
    DSR = 0.9004.

    Examples
    --------
    >>> round(deflated_sharpe_ratio(2.5, 1250, n_trials=100, sharpe_std_across_trials=0.5**0.5,
    ...                             skew=-3, kurtosis=10, periods_per_year=250), 4)
    0.9004
    """
    ppy = _finite("periods_per_year", periods_per_year, minimum=0, strict=True)
    scale = math.sqrt(ppy)
    sr = _finite("sharpe", sharpe) / scale
    sd = _finite("sharpe_std_across_trials", sharpe_std_across_trials, minimum=0) / scale
    sr0 = expected_max_sharpe(n_trials, sd)
    return probabilistic_sharpe_ratio(sr, n_obs, benchmark=sr0, skew=skew, kurtosis=kurtosis)


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


def infer_periods_per_year(index: pd.DatetimeIndex) -> float:
    """Observations per year of a dated series, from the spacing of its dates.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Sorted dates of the observations (at least 2).

    Returns
    -------
    float
        252 for business-daily data (median spacing up to 1.5 days and under 10 % of the
        dates on weekends), 365 for daily data including weekends, 52 weekly (up to 10 days),
        12 monthly (up to 45), 4 quarterly (up to 135), else 1.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        raise DataError(
            "`index` must be a DatetimeIndex of at least 2 dates to infer periods_per_year; "
            "pass periods_per_year explicitly."
        )
    days = float(np.median(np.diff(index.as_unit("s").asi8)) / 86_400)
    if days <= 1.5:
        return 365.0 if float(np.mean(index.day_of_week >= 5)) > 0.1 else 252.0
    for limit, ppy in ((10, 52.0), (45, 12.0), (135, 4.0)):
        if days <= limit:
            return ppy
    return 1.0


def performance(
    net_returns: ArrayLike,
    positions: ArrayLike,
    asset_returns: ArrayLike,
    *,
    periods_per_year: float = 252,
    cost_bps: float = 0.0,
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
    cost_bps : float, default 0.0
        The cost rate used, for ``total_cost``.

    Returns
    -------
    dict
        Keys :data:`STAT_COLUMNS`: ``n_periods``; ``total_return`` (``E_n - 1`` with
        ``E_t = Π (1 + net)``); ``ann_return`` (``E_n^(P/n) - 1``, -1 when equity is wiped
        out); ``ann_volatility`` (``std(net, ddof=1) sqrt(P)``); ``sharpe``
        (``mean(net) / std(net) sqrt(P)``, zero risk-free rate); ``sharpe_se`` (Lo's iid
        standard error ``sqrt((1 + SR^2/2) / n)`` of the per-period ratio, times
        ``sqrt(P)``); ``sharpe_se_hac`` (Lo's autocorrelation-robust GMM standard error,
        times ``sqrt(P)``); ``psr`` (probability that the true Sharpe ratio is above 0,
        with the returns' skewness and kurtosis); ``dsr`` (NaN here; set by
        :func:`trading_backtest` when several models are compared); ``max_drawdown``
        (fraction >= 0, from a start value of 1); ``turnover`` (mean ``|Δp|`` per period,
        entry included); ``win_rate`` (fraction of periods with a position whose gross P&L
        ``p r`` is positive; NaN if never invested); ``exposure`` (fraction of periods
        with a position); ``total_cost`` (sum of ``c |Δp|``, fraction of capital at each
        trade, not compounded).
    """
    net = np.asarray(net_returns, dtype=np.float64)
    p = np.asarray(positions, dtype=np.float64)
    r = np.asarray(asset_returns, dtype=np.float64)
    n = net.shape[0]
    ppy = float(periods_per_year)
    root = math.sqrt(ppy)
    equity = np.concatenate(([1.0], np.cumprod(1.0 + net)))
    end = equity[-1]
    sd = float(np.std(net, ddof=1)) if n > 1 else math.nan
    mean = float(np.mean(net))
    invested = p != 0
    gross = p * r
    turnover = np.abs(np.diff(p, prepend=0.0))
    out = dict.fromkeys(STAT_COLUMNS, math.nan)
    out.update(
        n_periods=float(n),
        total_return=float(end - 1.0),
        ann_return=float(end ** (ppy / n) - 1.0) if end > 0 else -1.0,
        ann_volatility=sd * root,
        max_drawdown=max_drawdown(equity),
        turnover=float(np.mean(turnover)),
        win_rate=float(np.mean(gross[invested] > 0)) if invested.any() else math.nan,
        exposure=float(np.mean(invested)),
        total_cost=float(cost_bps / 1e4 * np.sum(turnover)),
    )
    if n > 2 and sd > 0:
        sr = mean / sd
        skew, kurt = _moments(net)
        out.update(
            sharpe=sr * root,
            sharpe_se=sharpe_se(sr, n) * root,
            sharpe_se_hac=sharpe_se_hac(net) * root,
            psr=_psr(sr, n, 0.0, skew, kurt),
        )
    elif n > 1 and sd == 0:
        out["sharpe"] = 0.0 if mean == 0 else math.nan
    return out


def _moments(x: np.ndarray) -> tuple[float, float]:
    return float(stats.skew(x)), float(stats.kurtosis(x, fisher=False))


def _psr(sr: float, n: int, benchmark: float, skew: float, kurt: float) -> float:
    try:
        return probabilistic_sharpe_ratio(sr, n, benchmark=benchmark, skew=skew, kurtosis=kurt)
    except DataError:  # moments inconsistent (a degenerate return series)
        return math.nan


def _add_dsr(stats_rows: dict[str, Any], ret_cols: dict[str, Any], models: list[str]) -> None:
    """Deflated Sharpe ratio of each model, the models being the trials (needs two or more)."""
    if len(models) < 2:
        return
    per_period = {}
    for m in models:
        r = ret_cols[m]
        sd = float(np.std(r, ddof=1))
        mean = float(np.mean(r))
        # a strategy that never trades has SR 0: it is one of the trials all the same
        per_period[m] = mean / sd if sd > 0 else (0.0 if mean == 0 else math.nan)
    srs = np.array([v for v in per_period.values() if math.isfinite(v)])
    if len(srs) < 2:
        return
    spread = float(np.std(srs, ddof=1))
    for m in models:
        if not (math.isfinite(per_period[m]) and np.std(ret_cols[m]) > 0):
            continue
        skew, kurt = _moments(ret_cols[m])
        sr0 = expected_max_sharpe(len(models), spread)
        stats_rows[m]["dsr"] = _psr(per_period[m], len(ret_cols[m]), sr0, skew, kurt)
