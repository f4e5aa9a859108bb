"""ARIMA forecaster on statsmodels' SARIMAX, with a fast order search and fixed-parameter updates.

statsmodels is imported lazily, inside the methods, so that ``import tickcast`` stays light.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from tickcast._validation import Rule, check_params, integer, is_integer, one_of, optional
from tickcast._validation import alias as alias_rule
from tickcast.errors import ConfigError, ConvergenceWarning, DataError, ModelFileError
from tickcast.models._arma_exact import ArmaSpec, difference
from tickcast.models._arma_state import Filtered, filter_innovations, first_origin
from tickcast.models._arma_state import forecast as arma_forecast
from tickcast.models._quantiles import sorted_quantiles
from tickcast.models.arima_search import (
    SEARCH_WINDOW,
    ExactFit,
    css_fit,
    fit_exact,
    kpss_d,
    root_summary,
    search_orders,
    well_posed_at,
)
from tickcast.models.base import Forecaster, check_origins

__all__ = ["ARIMAForecaster"]

_TRENDS = ("n", "c", "t", "ct")
#: Central coverage whose interval width measures the spread of the standardised in-sample
#: j-step errors (``ARIMAForecaster._step_scale``).
STEP_SCALE_LEVEL = 0.80
_CRITERIA = ("aicc", "aic", "bic", "hqic")


class ARIMAForecaster(Forecaster):
    """Seasonal ARIMA, the model of statsmodels' ``SARIMAX``, with its forecast variance.

    The model is fitted on the *integrated* scale of the target: log prices for the
    ``"log_return"`` target, the square root of the rate for ``"sqrt_diff"``, the rate itself
    for ``"diff"`` (and for ``"level"``), so that
    ``d`` counts differences of that scale (``d = 1`` on log prices is an ARMA on log
    returns). Trends "n"/"c" are estimated and filtered by our NumPy likelihood and filter
    (equal to SARIMAX's to 1e-8 and 1e-12, see Notes), trends "t"/"ct" by SARIMAX itself.
    With ``volatility="constant"`` the forecast quantiles are the Gaussian quantiles of the
    model's mean and variance, mapped back to levels: ``exp`` of the log-price quantiles for
    prices, which is exact because ``exp`` is monotone; the point forecast is ``exp`` of the
    mean log price, i.e. the median price. With a volatility model the Gaussian ``z`` is
    replaced by empirical quantiles of standardised sums and the spread rescaled (see
    ``volatility``).

    Parameters
    ----------
    order : tuple of 3 int (p, d, q), optional
        AR order, differences, MA order. None searches p <= ``max_p``, q <= ``max_q``,
        d in ``d_values`` (see Notes).
    seasonal_order : tuple of 4 int (P, D, Q, s), optional
        Seasonal AR order, seasonal differences, seasonal MA order and period (>= 2). Kept
        fixed during the order search.
    trend : {"n", "c", "t", "ct"}, optional
        Intercept / linear time trend of the ARMA equation on the differenced series, as
        SARIMAX's ``trend``. None: a constant ("c") when the series is not differenced
        (d + D = 0, the model then has a mean), none ("n") otherwise (no drift).
    target : {"log_return", "diff", "diff_bps", "sqrt_diff", "level"}, optional
        Decides the scale (log levels for "log_return", square roots for "sqrt_diff",
        levels otherwise); default
        "log_return" for prices and "diff" for rates. "pct_change" has no integrated scale
        and is refused.
    kind : {"price", "rate"}, optional
        What ``y`` is, when ``target`` is None: prices get log returns, rates differences.
        Overrides ``y.attrs["kind"]``; default: the attrs, else the sign (all positive ->
        price) with a :class:`~tickcast.errors.KindGuessWarning`. Checked in ``fit``.
    max_p, max_q : int, default 3
        Largest AR and MA orders of the search, >= 0.
    d_values : sequence of int, default (0, 1)
        Differencing orders tried by the search, each in {0, 1, 2}.
    information_criterion : {"aicc", "aic", "bic", "hqic"}, default "aicc"
        Criterion that ranks the candidates (lower is better), as R's ``auto.arima``.
    maxiter : int, default 500
        Iteration cap of the likelihood optimiser (L-BFGS on the parameters other than
        sigma2, which is profiled out; typical fits need 5-50 iterations).
    volatility : {"constant", "ewma", "garch"}, optional
        Volatility model of the steps (:mod:`tickcast.models.volatility`). Non-constant:
        the Gaussian deviations from the mean path (quantiles, simulated paths, the batched
        backtest) are multiplied by ``sqrt(mean_{j<=h} s2_{T+j} / mean_t s2_t)``, the
        forecast over the in-sample average conditional variance, and by the in-sample
        j-step error spread ``_step_scale`` (1 at step 1). None: the default for the
        series' kind (``DEFAULT_VOLATILITY``).
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of "arima"; two
        models in one backtest need different names.

    Attributes
    ----------
    order_ : tuple of int (p, d, q)
        The fitted (searched or given) order.
    kpss_d_ : int
        With ``order=None``: the differencing order the KPSS test chose (see Notes).
    seasonal_order_ : tuple of int (P, D, Q, s)
    trend_ : str
        The trend used ("n", "c", "t" or "ct").
    params_ : ndarray of shape (n_params,)
        SARIMAX parameters (trend, ar, ma, seasonal ar, seasonal ma, sigma2) on the
        integrated scale (log price or rate units) divided by ``scale_``.
    scale_ : float
        1.0, or the power of ten the integrated series is divided by before SARIMAX sees it
        when its steps are tiny or huge (standard deviation outside 1e-3..1e3, e.g. a rate
        x 1e-8): the optimiser then works near unit variance. Forecasts, quantiles,
        simulated paths and ``residuals_`` are in the series' own units; ``params_``,
        ``results_`` and the criteria are those of the scaled series.
    results_ : statsmodels MLEResults
        The SARIMAX results, filtered through the last observation (built on first
        access when the NumPy filter served the fit).
    search_results_ : pd.DataFrame or None
        One row per candidate of the order search, the chosen one first: ``p``, ``d``,
        ``q``, ``trend``, the CSS ``sigma2`` and criterion ``css_<ic>``, ``min_root`` (the
        smallest AR/MA root modulus of the CSS estimates), ``factor_gap`` (the smallest
        distance between an AR and an MA inverse root), ``admissible``, and for the
        candidates refitted by exact maximum likelihood ``loglik``, ``min_root_exact``,
        ``factor_gap_exact``, ``converged`` and the exact criterion ``<ic>`` (NaN for the
        others and for rejected ones), and ``full_history_ok``: whether the estimates on the
        whole series pass the same rules (NA where not tried; see Notes). None when
        ``order`` was given.
    converged_ : bool
        Whether the optimiser reported convergence.
    convergence_warnings_ : list of str
        Warnings statsmodels emitted during the final fit (captured, not shown).
    residuals_ : ndarray of shape (n_residuals, 1)
        One-step-ahead errors after the differencing burn-in, in the target's units
        (exact-diffuse Kalman innovations; statsmodels' approximate diffuse prior moves
        the first few by ~1e-8 relative).

    Notes
    -----
    **Order search** (Hyndman & Khandakar 2008), on the last ``SEARCH_WINDOW`` = 1000
    observations:

    1. d is the smallest in ``d_values`` whose differenced series passes a KPSS
       stationarity test at 5 % (``kpss_d_``), as in ``auto.arima``: log prices are almost
       always differenced once.
    2. Every (p, q) at that d is screened by its conditional-sum-of-squares (CSS) criterion,
       :math:`n \\log \\hat\\sigma^2 + \\text{penalty}(k, n)` with :math:`\\hat\\sigma^2` the
       mean squared CSS residual over a conditioning sample common to all candidates.
    3. A candidate whose CSS estimates have an AR or MA root of modulus below
       1 + ``ROOT_MARGIN`` = 1.01 (near non-stationary or non-invertible) is rejected, as in
       R's ``forecast:::myarima``; so is one with an AR inverse root within
       ``FACTOR_MARGIN`` = 0.1 of an MA one (a near-common factor: parameters not
       identified; R has no such rule and often picks these on returns).
    4. The ``N_EXACT`` = 4 best admissible candidates and the (0, d, 0) model are refitted
       by exact Gaussian maximum likelihood, rejected again if their exact estimates break
       either rule, and the lowest exact criterion wins (AICc by
       default, :math:`-2\\ell + 2k + 2k(k+1)/(n-k-1)`, with k counting sigma2 and n the
       observations after differencing, as R's ``arima``).
    5. The winner is re-estimated on the whole series; if those estimates break either
       rule, the next candidate by the exact criterion is estimated instead, and so on
       (``full_history_ok``).

    **Estimation.** Exact Gaussian maximum likelihood of the SARIMAX model (stationarity
    and invertibility enforced, the same parameters). Trends "n" and "c": the NumPy/SciPy
    likelihood of :mod:`tickcast.models._arma_exact` (pre-sample state integrated out in
    closed form, residuals by ``lfilter``, sigma2 and the mean profiled out), maximised by
    L-BFGS-B; it equals statsmodels' exact-diffuse likelihood to 1e-8 (up to a constant).
    Trends "t"/"ct": statsmodels' ``SARIMAX`` with the innovation variance concentrated
    out, L-BFGS then Powell. A refit of the same order starts from the previous optimum
    (warm start) unless a cold start (the search's window estimates or the CSS estimates,
    and zeros) already has a higher likelihood; a warm run that does not converge or ends
    lower is followed by the best cold start. A model without ARMA or trend terms needs no
    optimisation at all. BLAS runs on one thread during the fit (its threads only slow
    down these small matrices).

    **Update and forecasts.** ``update(y_new)`` keeps ``params_``. Trends "n"/"c": the
    NumPy filter (:mod:`tickcast.models._arma_state`: an exact Kalman filter until the
    state is known, then ``lfilter``) gives the innovations (``residuals_``) and the
    forecasts, equal to statsmodels' Kalman filter with its full recursion to 1e-12
    (``results_`` is built from statsmodels only when read). Otherwise, or from origins
    before the filter's steady state, one statsmodels filter pass (``results.append``).
    The batched backtest path forecasts from every origin of a block at once, from the
    same filter.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dgs10").iloc[-1500:]
    >>> m = tc.ARIMAForecaster(order=(1, 1, 1)).fit(y)
    >>> fc = m.predict(252, level=90)          # where is the 10-year yield in a year?
    >>> bool(fc.lower(90).iloc[-1] < fc.mean.iloc[-1] < fc.upper(90).iloc[-1])
    True
    """

    short_name = "arima"
    batched_origins = True
    interval_method = "model"
    _instability_fix = "Lower the orders or forecast fewer steps."
    _parameter_constraints: ClassVar[dict[str, Rule]] = {
        "order": optional(lambda name, value: _order(value)),
        "seasonal_order": lambda name, value: _seasonal_order(value),
        "trend": optional(
            one_of(*_TRENDS, fix="Use 'n' (none), 'c' (constant), 't' (time) or 'ct' (both).")
        ),
        "max_p": integer(minimum=0),
        "max_q": integer(minimum=0),
        "d_values": lambda name, value: _d_values(value),
        "information_criterion": one_of(*_CRITERIA),
        "maxiter": integer(minimum=1),
        "alias": alias_rule(),
    }

    def __init__(
        self,
        order: tuple[int, int, int] | None = None,
        *,
        seasonal_order: tuple[int, int, int, int] | None = None,
        trend: str | None = None,
        target: str | None = None,
        kind: str | None = None,
        max_p: int = 3,
        max_q: int = 3,
        d_values: Sequence[int] = (0, 1),
        information_criterion: str = "aicc",
        maxiter: int = 500,
        volatility: str | None = None,
        alias: str | None = None,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.target = target
        self.kind = kind
        self.max_p = max_p
        self.max_q = max_q
        self.d_values = d_values
        self.information_criterion = information_criterion
        self.maxiter = maxiter
        self.volatility = volatility
        self.alias = alias

    def describe(self) -> str:
        """One line naming the fitted model, e.g. for printing with a forecast.

        Returns
        -------
        str
            E.g. ``"ARIMA(0,1,0) on log price, no constant; chosen by AICc among 16
            candidates (KPSS d = 1); AICc -5741.3 on 1000 obs"``.
        """
        self._check_fitted()
        p, d, q = self.order_
        text = f"ARIMA({p},{d},{q})"
        P, D, Q, s = self.seasonal_order_
        if any((P, D, Q)):
            text += f"({P},{D},{Q})[{s}]"
        scale = {"log_return": "log price", "sqrt_diff": "square-root level"}.get(
            self.target_, "level"
        )
        differenced = d + D > 0
        trend = {
            "n": "no constant",
            "c": "drift" if differenced else "mean",
            "t": "linear trend",
            "ct": "drift and linear trend" if differenced else "mean and linear trend",
        }[self.trend_]
        text += f" on {scale}, {trend}"
        table = self.search_results_
        if table is not None:
            ic = str(self.information_criterion)
            text += (
                f"; chosen by {ic.upper().replace('AICC', 'AICc')} among {len(table)} "
                f"candidates (KPSS d = {self.kpss_d_})"
            )
        elif self.order is not None:
            text += "; order given"
        else:
            text += "; order of the saved fit"
        res = self.results_
        n = int(res.nobs - res.loglikelihood_burn)
        text += f"; AICc {float(res.aicc):.1f} on {n} obs"
        if self.scale_ != 1.0:
            text += f" of the series / {self.scale_:g}"
        if not self.converged_:
            text += " (optimiser did not converge)"
        return text

    # ------------------------------------------------------------------ parameters
    def _checked_params(self) -> dict[str, Any]:
        """The declared rules' values, as the configuration the fit uses."""
        p = check_params(self, self._parameter_constraints)
        return {
            "order": p["order"],
            "seasonal": p["seasonal_order"],
            "max_p": p["max_p"],
            "max_q": p["max_q"],
            "d_values": p["d_values"],
            "ic": p["information_criterion"],
            "maxiter": p["maxiter"],
        }

    # ------------------------------------------------------------------ scale
    def _integrated(self, levels: np.ndarray) -> np.ndarray:
        """Levels -> the integrated scale (log price or rate), before ``scale_``."""
        return self.transform_.to_integrated(levels)

    def _to_work(self, levels: np.ndarray) -> np.ndarray:
        """Levels -> the series the SARIMAX model sees: the integrated scale / ``scale_``."""
        return self._integrated(levels) / self.scale_

    def _from_work(self, w: np.ndarray) -> np.ndarray:
        return self.transform_.from_integrated(np.asarray(w, dtype=float) * self.scale_)

    def _steps_from_levels(self, levels: np.ndarray) -> np.ndarray:
        """Transformed steps whose inverse transform from the last level gives ``levels``.

        ``levels`` has shape (..., horizon); returns the same shape.
        """
        last = np.broadcast_to(self.last_value_, (*levels.shape[:-1], 1))
        path = np.concatenate([last, levels], axis=-1)
        if self.target_ == "level":
            return np.asarray(levels, dtype=float)
        return np.diff(self.transform_.to_integrated(path), axis=-1) * self._step_factor()

    def _step_factor(self) -> float:
        """Target units per unit of the integrated scale (100 for "diff_bps", else 1)."""
        if self.target_ in ("log_return", "sqrt_diff", "level"):
            return 1.0
        probe = np.asarray(self.transform_.transform(np.array([0.0, 1.0])), dtype=float)
        return float(probe[-1])

    # ------------------------------------------------------------------ fit
    def _min_obs(self, cfg: dict[str, Any]) -> int:
        P, D, Q, s = cfg["seasonal"]
        if cfg["order"] is None:
            p, d, q = cfg["max_p"], max(cfg["d_values"]), cfg["max_q"]
        else:
            p, d, q = cfg["order"]
        return cast("int", 20 + 2 * (p + q + P + Q) + d + s * (D + P))

    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        if self.target_ == "pct_change":
            raise ConfigError(
                "`target` must be 'log_return', 'diff', 'diff_bps', 'sqrt_diff' or 'level' for "
                "ARIMAForecaster (it needs an integrated scale); got 'pct_change'. Use "
                "target='log_return' for prices."
            )
        cfg = self._checked_params()
        restore = self.__dict__.pop("_restore_state", None)
        need = self._min_obs(cfg)
        if len(y) < need:
            raise DataError(
                f"`y` is too short for ARIMAForecaster(order={self.order!r}, seasonal_order="
                f"{self.seasonal_order!r}): it needs at least {need} observations; got "
                f"{len(y)}. Pass a longer series or lower the orders."
            )
        if restore is not None:
            self.scale_ = float(np.asarray(restore.get("scale", 1.0)))
        else:
            previous_scale = getattr(self, "scale_", None)
            self.scale_ = _work_scale(self._integrated(y.to_numpy()))
            if previous_scale is not None and previous_scale != self.scale_:
                self.__dict__.pop("_spec", None)  # no warm start from another scale
        w = self._to_work(y.to_numpy())
        if restore is not None:
            self._restore(w, restore)
            return
        with _one_blas_thread():  # tiny matrices: BLAS threads only cost (15x here)
            self._search_and_estimate(w, cfg)

    def _search_and_estimate(self, w: np.ndarray, cfg: dict[str, Any]) -> None:
        seasonal = cfg["seasonal"]
        previous = getattr(self, "params_", None), getattr(self, "_spec", None)
        self.search_results_ = None
        window = w[-SEARCH_WINDOW:]
        fit = None
        if cfg["order"] is None:
            self.kpss_d_ = kpss_d(window, cfg["d_values"])
            table, spec, fit = search_orders(
                window, {**cfg, "d_values": (self.kpss_d_,)}, self.trend
            )
            self.search_results_ = table
            starts: list[np.ndarray | None] = [fit.params]
        else:
            order = cfg["order"]
            trend = self.trend or ("c" if order[1] + seasonal[1] == 0 else "n")
            spec = (tuple(order), tuple(seasonal), trend)
            starts = []
            if previous[1] != spec:  # a refit of the same model starts from its last optimum
                starts = [css_fit(window, order, seasonal, trend, order[0], order[1])[1]]
        warm = previous[0] if previous[1] == spec else None
        # the search screened the window at a loose tolerance: re-estimate on all of `w`
        # from its optimum (a few iterations when the window is all of `w`)
        self._estimate(w, spec, starts, cfg["maxiter"], None, warm)
        if self.search_results_ is not None:
            self._keep_well_posed(w, window, cfg)

    def _keep_well_posed(self, w: np.ndarray, window: np.ndarray, cfg: dict[str, Any]) -> None:
        """The search's rules on the full-history estimates.

        When the winner's estimates on all of ``w`` break them (a root within
        ``ROOT_MARGIN`` of the unit circle, or a near-common factor that the window's
        estimates did not have), the next admissible candidate by the exact criterion is
        estimated on ``w`` instead, and so on ((0, d, 0) has no roots); if none passes, the
        winner is kept. The table's ``full_history_ok`` column records each candidate tried
        (NA for the others), and the chosen one is moved to row 0.
        """
        table = self.search_results_
        assert table is not None
        ok = pd.array([pd.NA] * len(table), dtype="boolean")
        winner = (self._spec, self.params_)
        chosen = 0
        for row in np.flatnonzero(np.isfinite(table[cfg["ic"]].to_numpy())):
            if row > 0:
                r = table.iloc[row]
                order = (int(r["p"]), int(r["d"]), int(r["q"]))
                spec = (order, tuple(cfg["seasonal"]), str(r["trend"]))
                start = css_fit(window, order, spec[1], spec[2], cfg["max_p"], order[1])[1]
                self._estimate(w, spec, [start], cfg["maxiter"], None, None)
            ok[row] = well_posed_at(*root_summary(self.params_, self._spec))
            if ok[row]:
                chosen = int(row)
                break
        else:
            if self._spec != winner[0]:
                self._estimate(w, winner[0], [], cfg["maxiter"], None, winner[1])
        table = table.assign(full_history_ok=ok)
        order_rows = [chosen, *(i for i in range(len(table)) if i != chosen)]
        self.search_results_ = table.iloc[order_rows].reset_index(drop=True)

    def _model(self, w: np.ndarray, spec: tuple[Any, ...]) -> Any:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        order, seasonal, trend = spec
        return SARIMAX(w, order=order, seasonal_order=seasonal, trend=trend)

    def _estimate(
        self,
        w: np.ndarray,
        spec: tuple[Any, ...],
        starts: list[np.ndarray | None],
        maxiter: int,
        fit: ExactFit | None,
        warm: np.ndarray | None,
    ) -> None:
        """Exact maximum likelihood (see ``fit_exact``) from ``warm`` (the previous fit of
        the same model) if admissible, else the best of ``starts`` and statsmodels'
        defaults, unless the search already fitted ``w`` (``fit``); then one filter pass
        (no smoother, no parameter covariance) gives the results object with sigma2 as an
        ordinary parameter.
        """
        if fit is None:
            fit = fit_exact(w, spec, starts, maxiter, warm=warm)
        self.convergence_warnings_ = list(fit.warnings)
        self.converged_ = fit.converged
        self._set_results(w, fit.params, spec)
        if not self.converged_:
            warnings.warn(
                f"ARIMA{self.order_} x {self.seasonal_order_} likelihood optimisation did not "
                f"converge within maxiter={self.maxiter} ({len(self.convergence_warnings_)} "
                "statsmodels warnings captured in `convergence_warnings_`); the last "
                "iterate is used. Increase `maxiter` or lower the orders.",
                ConvergenceWarning,
                stacklevel=6,
            )

    # ------------------------------------------------------------------ filter state
    @property
    def results_(self) -> Any:
        """The statsmodels SARIMAX results filtered through the last observation.

        Built on first access (one statsmodels filter pass, no smoother, no parameter
        covariance) when the NumPy filter (:mod:`tickcast.models._arma_state`) served the
        fit, updates and forecasts; then kept until the next fit or update.
        """
        res = self.__dict__.get("_results")
        if res is None:
            if "_w" not in self.__dict__:
                raise AttributeError("results_")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = self._model(self._w, self._spec).filter(self.params_, cov_type="none")
            self._results = res
        return res

    @results_.setter
    def results_(self, res: Any) -> None:
        self._results = res

    def _fast_spec(self) -> ArmaSpec | None:
        """The NumPy filter's spec of the fitted model, or None (statsmodels' filter)."""
        order, seasonal, trend = self._spec
        params = self.params_
        if not (np.all(np.isfinite(params)) and params[-1] > 0):
            return None  # e.g. a constant series' zero variance: statsmodels' filter
        return ArmaSpec.of(order, seasonal, trend)

    def _set_results(self, w: np.ndarray, params: np.ndarray, spec: tuple[Any, ...]) -> None:
        """Keep the work series and parameters; residuals from the NumPy filter when it
        covers the model, else from a statsmodels filter pass."""
        self._spec = spec
        self.order_, self.seasonal_order_, self.trend_ = spec
        self.params_ = np.asarray(params, dtype=float).copy()
        self._step_scale_cache: dict[int, np.ndarray] = {}  # new parameters: recompute
        self._set_filter(w)

    def _set_filter(self, w: np.ndarray, filtered: Filtered | None = None) -> None:
        """Filter ``w`` (the whole work series) with the fixed ``params_`` (``filtered``:
        the NumPy filter of ``w`` when already run)."""
        self._w = np.asarray(w, dtype=float)
        self._results = None
        self._forecast_cache: tuple[int, np.ndarray, np.ndarray] | None = None
        fast = self._fast_spec()
        if fast is None:
            self._filtered = None
            self.residuals_ = self._residuals_of(self.results_)
            return
        self._filtered = filtered if filtered is not None else self._numpy_filter(fast, self._w)
        resid = self._filtered.innovations * self.scale_
        self.residuals_ = (resid * self._step_factor())[:, None]

    def _residuals_of(self, res: Any) -> np.ndarray:
        """One-step residuals after the likelihood burn-in, as steps, shape (n, 1)."""
        burn = int(res.loglikelihood_burn)
        resid = np.asarray(res.resid, dtype=float)[burn:] * self.scale_
        return (resid * self._step_factor())[:, None]

    def _restore(self, w: np.ndarray, arrays: dict[str, Any]) -> None:
        spec = (
            tuple(int(v) for v in arrays["order"]),
            tuple(int(v) for v in arrays["seasonal_order"]),
            str(arrays["trend"]),
        )
        self.search_results_ = None
        self.convergence_warnings_ = []
        self.converged_ = bool(arrays["converged"])
        self._set_results(w, np.asarray(arrays["params"], dtype=float), spec)

    # ------------------------------------------------------------------ update
    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        w_new = self._to_work(y.to_numpy()[-n_new:])
        w = np.concatenate([self._w, w_new])
        if self._fast_spec() is None and self.__dict__.get("_results") is not None:
            res = self.results_.append(w_new)
            self._set_filter(w)
            self._results = res
            self.residuals_ = self._residuals_of(res)
        else:
            self._set_filter(w)
        self._set_history(y, self.X_)

    # ------------------------------------------------------------------ predict
    def _forecast_work(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the next ``horizon`` values on the integrated scale."""
        cached = self.__dict__.get("_forecast_cache")
        if cached is not None and cached[0] == horizon:
            return cached[1].copy(), cached[2].copy()  # predict asks for mean, then quantiles
        out = self._fast_forecast(np.array([len(self._w) - 1]), horizon)
        if out is not None:
            mean, var = out[0][0], out[1][0]
        else:
            fc = self.results_.get_forecast(horizon)
            mean = np.asarray(fc.predicted_mean, dtype=float).reshape(horizon)
            var = np.asarray(fc.var_pred_mean, dtype=float).reshape(horizon)
        self._forecast_cache = (horizon, mean.copy(), var.copy())
        return mean, var

    def _numpy_filter(self, fast: ArmaSpec, w: np.ndarray) -> Filtered:
        """The NumPy filter of ``w`` (work scale) under ``params_``."""
        c, b, a = fast.split(self.params_[:-1])
        mu = c / float(np.sum(b)) if fast.k_trend else 0.0
        return filter_innovations(difference(w, fast), b, a, mu)

    def _fast_forecast(
        self,
        origins: np.ndarray,
        horizon: int,
        w: np.ndarray | None = None,
        filtered: Filtered | None = None,
    ) -> tuple[np.ndarray, np.ndarray, Filtered] | None:
        """NumPy forecasts (K, horizon) on the work scale from ``origins`` of ``w`` (default
        the fitted series) and the filter of ``w`` (``filtered``: already run), or None
        when statsmodels' filter is needed (see :func:`tickcast.models._arma_state.forecast`)."""
        fast = self._fast_spec()
        if fast is None:
            return None
        if w is None:
            w, filtered = self._w, self._filtered
        if filtered is None:
            filtered = self._numpy_filter(fast, w)
        out = arma_forecast(w, fast, self.params_, origins, horizon, filtered)
        return None if out is None else (out[0], out[1], filtered)

    def _first_steady_origin(
        self, w: np.ndarray, filtered: Filtered | None = None
    ) -> tuple[int, Filtered] | None:
        """The first origin (position into ``w``) from which the NumPy filter forecasts
        (:func:`tickcast.models._arma_state.first_origin`) and that filter of ``w``
        (``filtered``: already run); None when only statsmodels' filter covers the model."""
        fast = self._fast_spec()
        if fast is None:
            return None
        if filtered is None:
            filtered = self._numpy_filter(fast, w)
        _, b, a = fast.split(self.params_[:-1])
        return first_origin(fast, b, a, filtered), filtered

    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        mean, _ = self._forecast_work(horizon)
        return self._steps_from_levels(self._from_work(mean))

    def _predict_quantiles(
        self, horizon: int, quantiles: np.ndarray, X_future: pd.DataFrame | None
    ) -> tuple[np.ndarray, str]:
        from scipy.special import ndtri

        mean, var = self._forecast_work(horizon)
        zq = ndtri(np.asarray(quantiles, dtype=float))
        sd = np.sqrt(np.clip(var, 0.0, None)) * self._vol_ratio(horizon)
        if self._vol_state() is not None:  # empirical standardised quantiles, (horizon, n_q)
            zq = self._vol_standard_quantiles(horizon, np.asarray(quantiles, dtype=float))
        work = mean[:, None] + zq * sd[:, None]
        return self._from_work(work), "analytic"

    def simulate_trusted(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Level paths of shape (n_paths, horizon), simulated from the state space model.

        The initial state is drawn from its filtered distribution at the last observation,
        then measurement and state shocks are Gaussian with the fitted variances.
        """
        res = self.results_
        n = int(res.nobs)
        model = res.model.clone(np.concatenate([res.model.endog[:, 0], np.full(horizon, np.nan)]))
        model.update(self.params_)
        Z, T, RQR, H, d_int, c_int = _system(model)
        a = np.asarray(res.predicted_state, dtype=float)[:, n]
        P = np.asarray(res.predicted_state_cov, dtype=float)[:, :, n]
        state = a + rng.standard_normal((n_paths, len(a))) @ _psd_root(P).T
        root_q = _psd_root(RQR).T
        work = np.empty((n_paths, horizon))
        for j in range(horizon):
            tau = n + j
            work[:, j] = state @ Z + d_int[tau]
            if H > 0:
                work[:, j] += np.sqrt(H) * rng.standard_normal(n_paths)
            if j + 1 < horizon:
                shocks = rng.standard_normal((n_paths, len(a))) @ root_q
                state = state @ T.T + c_int[:, tau] + shocks
        if self._vol_state() is not None:  # rescale deviations from the mean path
            mean, var = self._forecast_work(horizon)
            sd = np.sqrt(np.clip(var, 1e-300, None))
            work = mean + self._vol_shape(horizon, (work - mean) / sd) * (
                sd * self._vol_ratio(horizon)
            )
        return self._from_work(work)

    def _vol_shape(self, horizon: int, dev: np.ndarray) -> np.ndarray:
        """Standard normal deviations (n_paths, horizon) -> the intervals' standardised shape.

        Each step's N(0, 1) deviation is mapped through ``Phi`` and the empirical quantile
        function of ``_vol_standard_quantiles`` (interpolated on 199 levels), so that the
        simulated paths have the marginal quantiles of ``predict`` (a Gaussian copula keeps
        their dependence across steps).
        """
        from scipy.special import ndtr

        grid = np.linspace(0.005, 0.995, 199)
        table = self._vol_standard_quantiles(horizon, grid)  # (horizon, 199)
        u = ndtr(dev)
        out = np.empty_like(dev)
        for j in range(horizon):
            out[:, j] = np.interp(u[:, j], grid, table[j])
        return out

    def _vol_ratio(self, horizon: int, sigma2_next: Any = None) -> np.ndarray:
        """The volatility ratio of :class:`Forecaster` times ``_step_scale`` (with a
        volatility model; ones without), shape (horizon,) or (K, horizon)."""
        ratio = super()._vol_ratio(horizon, sigma2_next)
        if self.__dict__.get("volatility_") is None:
            return ratio
        return cast("np.ndarray", ratio * self._step_scale(horizon))

    def _step_scale(self, horizon: int) -> np.ndarray:
        """In-sample spread of the model's j-step errors relative to its 1-step ones, (horizon,).

        With a volatility model the quantiles of step j are ``mean_j + q_j sd_j r_j`` (``q_j``
        the standardised quantiles of ``_vol_standard_quantiles``, ``sd_j`` the ARMA's j-step
        standard deviation, ``r_j`` the volatility ratio). The factor ``c_j`` multiplies
        ``sd_j`` so that the model's own j-step errors over the fit, standardised the same
        way, are as wide against ``q_j`` as its 1-step errors are against ``q_1``:
        ``z_{t,j} = (w_{t+j} - w_{t+j|t}) / (sd_{t,j} r_{t,j})`` over the origins t of the
        fit (after the first ``_INIT_STEPS`` + d + sD, and from the NumPy filter's steady
        state on when it covers the model, so that one vectorised pass serves them all)
        whose j-th value is inside it,
        ``s_j`` = the width of the central ``STEP_SCALE_LEVEL`` interval of the ``z_{.,j}``
        over that of ``q_j``, and ``c_j = s_j / s_1`` (so ``c_1 = 1``). Widths, not
        variances: a few crises rule the variance of these heavy-tailed errors. It corrects
        ARMAs (e.g. a given order with nearly cancelling AR/MA roots) whose j-step variance is below
        what their own in-sample j-step errors show, and narrows those whose variance is
        above. Parameters and the fit's steps only (fixed between refits, no look-ahead);
        a step j with fewer than ``50 j`` errors takes step j - 1's factor.
        """
        from tickcast.models.base import _MIN_STANDARD_SUMS
        from tickcast.models.volatility import _INIT_STEPS

        cache = self.__dict__.setdefault("_step_scale_cache", {})
        if horizon in cache:
            return cast("np.ndarray", cache[horizon])
        out = np.ones(horizon)
        vol = self.__dict__.get("volatility_")
        n_fit = int(self._vol_anchor_[0]) if vol is not None else 0  # steps of the fit
        _, d, _ = self.order_
        _, D, _, s = self.seasonal_order_
        start = _INIT_STEPS + d + s * D
        w = self._w[: n_fit + 1]
        # the model's own filter when the fit's steps are its whole series (no update since)
        own = self._filtered if len(w) == len(self._w) else None
        steady = self._first_steady_origin(w, own) if vol is not None else None
        filtered = None if steady is None else steady[1]
        if steady is not None and n_fit - steady[0] >= _MIN_STANDARD_SUMS:
            start = max(start, steady[0])  # the NumPy filter serves every origin
        origins = np.arange(start, n_fit)  # positions in the fitted series: 0..n_fit
        if vol is not None and len(origins) >= _MIN_STANDARD_SUMS:
            fast = self._fast_forecast(origins, horizon, w, filtered)
            if fast is not None:
                mean, var = fast[0], fast[1]
            else:
                mean, var, _ = self._statsmodels_origins(w, origins, horizon)
            ratio = super()._vol_ratio(horizon, vol.sigma2_next[origins])
            sd = np.sqrt(np.clip(var, 0.0, None)) * ratio
            tails = np.array([(1 - STEP_SCALE_LEVEL) / 2, (1 + STEP_SCALE_LEVEL) / 2])
            shape = self._vol_standard_quantiles(horizon, tails)  # (horizon, 2)
            scale = np.full(horizon, np.nan)
            for j in range(1, horizon + 1):
                k = origins + j <= n_fit  # the j-th value is inside the fit
                if k.sum() < _MIN_STANDARD_SUMS * j:
                    break
                err = w[origins[k] + j] - mean[k, j - 1]
                ok = sd[k, j - 1] > 0
                if not ok.any():
                    break
                lo, hi = sorted_quantiles(np.sort(err[ok] / sd[k, j - 1][ok]), tails)
                scale[j - 1] = (hi - lo) / (shape[j - 1, 1] - shape[j - 1, 0])
            done = int(np.sum(np.isfinite(scale)))
            if done and scale[0] > 0:
                out[:done] = scale[:done] / scale[0]
                out[done:] = out[done - 1]
        cache[horizon] = out
        return out

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Simulated transformed steps, shape (n_paths, horizon) (see ``simulate_trusted``)."""
        return self._steps_from_levels(self.simulate_trusted(horizon, n_paths, rng, X_future))

    # ------------------------------------------------------------------ batched backtest
    def forecast_origins(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        origins: np.ndarray,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Update through each origin and forecast from it, with one Kalman filter pass.

        Parameters and returns as :meth:`Forecaster.forecast_origins
        <tickcast.models.base.Forecaster.forecast_origins>`; ``X`` is unused (ARIMAForecaster
        takes no exogenous series).

        Notes
        -----
        The parameters stay fixed, so the filtered state at origin ``o`` from one pass over
        ``y[: origins[-1] + 1]`` is the state an ``update`` through ``o`` would reach. From the
        predicted state :math:`a_{o+1}, P_{o+1}` the h-step moments follow the state space
        recursion :math:`\\hat y = d + Z a,\\ V = Z P Z^\\top + H`,
        :math:`a \\leftarrow c + T a,\\ P \\leftarrow T P T^\\top + R Q R^\\top`, vectorised
        over origins. The series is padded with ``horizon`` missing values so that
        time-varying intercepts (trends) exist after the last origin. The model is left
        updated through ``origins[-1]``: its results are that filter pass (the one
        ``update`` reruns).
        """
        from scipy.special import ndtri

        origins = check_origins(origins, len(self.y_), len(y))
        end = int(origins[-1]) + 1
        y_all = y.iloc[:end]
        w = self._to_work(y_all.to_numpy())
        res, filtered = None, None
        fast = self._fast_forecast(origins, horizon, w)
        if fast is not None:  # NumPy filter (trends "n"/"c", origins in steady state)
            mean, var, filtered = fast
        else:
            mean, var, res = self._statsmodels_origins(w, origins, horizon)
        zq = ndtri(np.asarray(quantiles, dtype=float))
        sd = np.sqrt(np.clip(var, 0.0, None))
        if self._vol_state() is not None:  # volatility filtered through each origin
            self._vol_extend(y_all)
            sd = sd * self._vol_ratio(horizon, self._vol_state().sigma2_next[origins])
            zq = self._vol_standard_quantiles(horizon, np.asarray(quantiles, dtype=float))
        means = self._from_work(mean)
        quants = self._from_work(mean[:, :, None] + zq * sd[:, :, None])
        if end > len(self.y_):  # leave the model updated through the last origin
            y_keep = y_all.copy()
            y_keep.attrs = dict(self.y_.attrs)
            self._set_filter(w, filtered)
            if res is not None:
                self._results = res
                self.residuals_ = self._residuals_of(res)
            self._set_history(y_keep, self.X_)
        return means, quants

    def _statsmodels_origins(
        self, w: np.ndarray, origins: np.ndarray, horizon: int
    ) -> tuple[np.ndarray, np.ndarray, Any]:
        """``forecast_origins``' moments (K, horizon) from one statsmodels filter pass over
        ``w``, and that pass (the updated model's results)."""
        res = self._model(w, self._spec).filter(self.params_, cov_type="none")
        a = np.asarray(res.predicted_state)[:, origins + 1].T.copy()  # (K, k_states)
        P = np.moveaxis(np.asarray(res.predicted_state_cov)[:, :, origins + 1], -1, 0).copy()
        # system arrays, with time-varying intercepts through the last forecast date
        model = res.model.clone(np.concatenate([w, np.full(horizon, np.nan)]))
        model.update(self.params_)
        Z, T, RQR, H, d_int, c_int = _system(model)
        K = len(origins)
        mean = np.empty((K, horizon))
        var = np.empty((K, horizon))
        for j in range(horizon):
            tau = origins + 1 + j  # time of the forecast value
            mean[:, j] = a @ Z + d_int[tau]
            var[:, j] = np.einsum("i,kij,j->k", Z, P, Z) + H
            if j + 1 < horizon:
                a = a @ T.T + c_int[:, tau].T
                P = T @ P @ T.T + RQR
        return mean, var, res

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> dict[str, np.ndarray]:
        return {
            "params": self.params_,
            "order": np.asarray(self.order_, dtype=np.int64),
            "seasonal_order": np.asarray(self.seasonal_order_, dtype=np.int64),
            "trend": np.asarray(self.trend_),
            "converged": np.asarray(self.converged_),
            "scale": np.asarray(self.scale_),
        }

    def _check_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Refuse a saved state a fit could not have produced (ModelFileError).

        Beyond finite numbers (the base check): the order, seasonal order and trend are
        valid, ``params`` has exactly the length that model needs (trend terms, p + q + P +
        Q coefficients, sigma2), sigma2 > 0, and the AR and MA polynomials (plain and
        seasonal) have every root strictly outside the unit circle (stationary and
        invertible, as the fit enforces), and ``scale`` is positive.
        """
        super()._check_state({k: v for k, v in arrays.items() if k != "trend"})
        order = _order(tuple(int(v) for v in np.ravel(arrays["order"])))
        seasonal = tuple(int(v) for v in np.ravel(arrays["seasonal_order"]))
        if len(seasonal) != 4 or min(seasonal) < 0:
            raise ModelFileError(f"state 'seasonal_order' is {seasonal}, not (P, D, Q, s).")
        trend = str(arrays["trend"])
        if trend not in _TRENDS:
            raise ModelFileError(f"state 'trend' is {trend!r}, not one of {list(_TRENDS)}.")
        params = np.asarray(arrays["params"], dtype=float)
        if params.ndim != 1:
            raise ModelFileError(f"state 'params' has shape {params.shape}, not (n_params,).")
        p, _, q = order
        P, _, Q, _ = seasonal
        k_trend = {"n": 0, "c": 1, "t": 1, "ct": 2}[trend]
        need = k_trend + p + q + P + Q + 1
        if len(params) != need:
            raise ModelFileError(
                f"state 'params' has {len(params)} values but ARIMA{order} x {seasonal} with "
                f"trend {trend!r} has {need} ({k_trend} trend, {p + q + P + Q} ARMA, sigma2); "
                "the order disagrees with the parameters."
            )
        if not params[-1] > 0:
            raise ModelFileError(f"state 'params' has sigma2 = {float(params[-1])}, not > 0.")
        blocks = np.split(params[k_trend:-1], np.cumsum([p, q, P]))
        for coef, sign, what in zip(
            blocks, (-1, 1, -1, 1), ("AR", "MA", "seasonal AR", "seasonal MA"), strict=True
        ):
            if len(coef) == 0:
                continue
            roots = np.polynomial.polynomial.polyroots(np.concatenate([[1.0], sign * coef]))
            smallest = float(np.min(np.abs(roots))) if len(roots) else np.inf
            if not smallest > 1.0:
                kind = "stationary" if sign < 0 else "invertible"
                raise ModelFileError(
                    f"state 'params' has {what} coefficients {np.round(coef, 6).tolist()} with a "
                    f"root of modulus {smallest:.6g} <= 1: the model is not {kind}, which a "
                    "fit never gives (a unit root or an edited file)."
                )
        scale = float(np.asarray(arrays.get("scale", 1.0)))
        if not scale > 0:
            raise ModelFileError(f"state 'scale' is {scale!r}, not a positive number.")

    def _set_state(self, y: pd.Series, X: pd.DataFrame | None, arrays: dict[str, Any]) -> None:
        """Rebuild the results with the saved parameters (one filter pass, no estimation)."""
        self._restore_state = arrays
        self.fit_trusted(y, X)


# --------------------------------------------------------------------------- helpers
_BLAS: list[Any] = []  # one threadpoolctl controller per process (its scan costs ~7 ms)


def _one_blas_thread() -> Any:
    """A context limiting BLAS to one thread; the library scan is done once per process."""
    if not _BLAS:
        import statsmodels.tsa.statespace.sarimax  # noqa: F401 - load its BLAS before the scan
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1)


#: Step sizes (standard deviation of the differenced integrated series) fitted unscaled.
_UNSCALED_STEPS = (1e-3, 1e3)


def _work_scale(w: np.ndarray) -> float:
    """1.0, or the power of ten near the step size of ``w`` when that is outside 1e-3..1e3.

    SARIMAX's optimiser and Kalman filter lose precision when the innovation variance is
    far from 1 (a rate series x 1e-8 has sigma2 ~ 1e-18: intervals 5-130x too wide, with
    only a ConvergenceWarning), so such series are divided by this scale and every output
    multiplied back; series of ordinary scale are fitted exactly as they are.
    """
    steps = np.diff(w)
    sd = float(np.std(steps)) if len(steps) > 1 else 0.0
    if not np.isfinite(sd) or sd == 0.0 or _UNSCALED_STEPS[0] <= sd <= _UNSCALED_STEPS[1]:
        return 1.0
    return float(10.0 ** np.round(np.log10(sd)))


def _order(value: Any) -> tuple[int, ...]:
    order = _int_tuple("order", value, 3, "(p, d, q), e.g. order=(1, 1, 1)")
    if order[1] > 2:
        raise ConfigError(f"`order` must have d <= 2 differences; got {value!r}. Use d in 0..2.")
    return order


def _seasonal_order(value: Any) -> tuple[int, ...]:
    if value is None:
        return (0, 0, 0, 0)
    seasonal = _int_tuple("seasonal_order", value, 4, "(P, D, Q, s), e.g. (1, 0, 0, 5)")
    if any(seasonal[:3]) and seasonal[3] < 2:
        raise ConfigError(
            f"`seasonal_order` must have a period s >= 2 when P, D or Q > 0; got {value!r}. "
            "E.g. seasonal_order=(1, 0, 0, 5) for a week."
        )
    return seasonal if any(seasonal[:3]) else (0, 0, 0, 0)


def _d_values(value: Any) -> tuple[int, ...]:
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or len(value) == 0
        or not all(is_integer(d) and 0 <= int(d) <= 2 for d in value)
    ):
        raise ConfigError(
            f"`d_values` must be a non-empty sequence of integers in 0..2; got {value!r}. "
            "Use e.g. d_values=(0, 1)."
        )
    return tuple(sorted({int(d) for d in value}))


def _int_tuple(name: str, value: Any, n: int, shape: str) -> tuple[int, ...]:
    ok = (
        isinstance(value, Sequence)
        and not isinstance(value, (str, bytes))
        and len(value) == n
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
        and all(v >= 0 for v in value)
    )
    if not ok:
        raise ConfigError(f"`{name}` must be {n} non-negative integers {shape}; got {value!r}.")
    return tuple(int(v) for v in value)


def _invariant(matrix: Any, name: str) -> np.ndarray:
    """The matrix of a time-invariant system array (dropping its time axis of length 1)."""
    arr = np.asarray(matrix, dtype=float)
    if arr.ndim == 3:
        if arr.shape[-1] != 1:  # pragma: no cover - SARIMAX without exog is time-invariant
            raise ConfigError(f"the batched ARIMA path needs a time-invariant `{name}` matrix.")
        arr = arr[..., 0]
    return arr


def _system(
    model: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """System arrays of an updated SARIMAX state space model (one observed series).

    Returns ``Z`` (k,), ``T`` (k, k), ``RQR'`` (k, k), ``H`` (float), the observation
    intercepts ``d`` (nobs,) and state intercepts ``c`` (k, nobs), broadcast over time.
    """
    ssm = model.ssm
    n = model.nobs
    Z = _invariant(ssm["design"], "design")[0]
    T = _invariant(ssm["transition"], "transition")
    R = _invariant(ssm["selection"], "selection")
    RQR = R @ _invariant(ssm["state_cov"], "state_cov") @ R.T
    H = float(_invariant(ssm["obs_cov"], "obs_cov")[0, 0])
    d_int = np.broadcast_to(np.asarray(ssm["obs_intercept"], dtype=float).reshape(-1), (n,))
    c_int = np.asarray(ssm["state_intercept"], dtype=float)
    c_int = np.broadcast_to(c_int.reshape(len(T), -1), (len(T), n))
    return Z, T, RQR, H, d_int, c_int


def _psd_root(S: np.ndarray) -> np.ndarray:
    """A matrix ``L`` with ``L @ L.T == S`` for a symmetric positive semi-definite ``S``."""
    vals, vecs = np.linalg.eigh((S + S.T) / 2)
    return cast("np.ndarray", vecs * np.sqrt(np.clip(vals, 0.0, None)))
