"""Volatility models for the working-scale steps: constant, EWMA (RiskMetrics), GARCH(1,1)-t.

Every forecaster's intervals and simulated paths can be scaled by one of these (its
``volatility=`` option). The model is fitted on the working-scale steps ``z_t`` of the series
(log returns for prices, differences for rates), the conditional standard deviation
``sigma_t`` of each step given the steps before it is filtered, and forecasts of
``sigma_{T+j}`` revert to the long-run level over the horizon: GARCH by its own term
structure, EWMA geometrically towards the mean square of the fitted steps with a half-life
estimated from the fit (RiskMetrics' flat forecast is ``half_life=inf``).

Filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999): a model's
residuals are divided by the ``sigma_t`` of their date (standardised residuals), resampled,
and multiplied by the forecast path ``sigma_{T+1..T+h}``.

The parameters are estimated once per fit; :meth:`VolatilityFit.update` filters new steps
with them fixed (the backtest between refits), so the volatility at an origin only ever uses
the steps up to that origin.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter

from tickcast.errors import ConfigError, VolatilityFallbackWarning

__all__ = [
    "DEFAULT_VOLATILITY",
    "HALF_LIFE_BOUNDS",
    "MIN_GARCH_STEPS",
    "RISKMETRICS_LAMBDA",
    "VOLATILITY_KINDS",
    "VolatilityFit",
    "check_volatility",
    "default_volatility",
    "fit_volatility",
]

VOLATILITY_KINDS = ("constant", "ewma", "garch")
RISKMETRICS_LAMBDA = 0.94
MIN_GARCH_STEPS = 250  # about one year of daily data; fewer -> EWMA with a warning
_INIT_STEPS = 30  # steps averaged for the first variance of the recursions
_LAMBDA_BOUNDS = (0.80, 0.999)
#: Range of the estimated EWMA reversion half-life, in steps (a week to about 20 years)
HALF_LIFE_BOUNDS = (5.0, 5000.0)
#: Forecast lags (steps ahead) whose realised squared steps score a half-life (QLIKE)
_HALF_LIFE_LAGS = (1, 2, 5, 10, 20, 50, 100, 250)
_HALF_LIFE_STRIDE = 5  # every 5th origin of the fit scores it (lags overlap anyway)
_GRID_CHUNK = 5  # half-lives of the grid scored per array pass (memory: 5 x origins x lags)
# the default per kind of series, chosen by benchmarks/bench_calibration.py
DEFAULT_VOLATILITY = {"price": "ewma", "rate": "ewma"}


def default_volatility(kind: str) -> str:
    """The volatility model used when a forecaster's ``volatility`` is None.

    Parameters
    ----------
    kind : {"price", "rate"}

    Returns
    -------
    str
        ``DEFAULT_VOLATILITY[kind]``; see ``benchmarks/bench_calibration.py`` for the evidence.
    """
    return DEFAULT_VOLATILITY.get(kind, "constant")


def check_volatility(value: object) -> str:
    """Return ``value`` if it names a volatility model; else raise ConfigError.

    Parameters
    ----------
    value : object
        The ``volatility=`` option of a forecaster, ``prob_hit`` or the CLI.

    Returns
    -------
    str
        One of ``"constant"``, ``"ewma"``, ``"garch"``.
    """
    if value not in VOLATILITY_KINDS:
        raise ConfigError(
            f"`volatility` must be one of {list(VOLATILITY_KINDS)}; got {value!r}. "
            "Use 'constant' for today's unconditional intervals, 'ewma' (RiskMetrics) or "
            "'garch' (GARCH(1,1) with Student-t innovations)."
        )
    return str(value)


@dataclass(frozen=True)
class VolatilityFit:
    """A fitted volatility model filtered through the steps it has seen.

    Attributes
    ----------
    kind : {"constant", "ewma", "garch"}
        The model actually used (``"ewma"`` after a GARCH fallback; ``requested`` keeps the
        asked one).
    requested : str
        The ``kind`` passed to :func:`fit_volatility`.
    params : dict of str to float
        ``sigma2`` (constant); ``lam`` and ``sigma2_0`` (EWMA); ``omega``, ``alpha``,
        ``beta``, ``nu`` and ``sigma2_0`` (GARCH), in squared step units.
    steps : ndarray of shape (n_steps,)
        The steps filtered so far (working-scale units).
    sigma2_next : ndarray of shape (n_steps + 1,)
        ``sigma2_next[t]`` is the conditional variance of step ``t`` given steps ``< t``; the
        last entry is the one-step forecast of the next, unseen step.
    fallback : str or None
        Why GARCH was replaced by EWMA, if it was.
    """

    kind: str
    requested: str
    params: dict[str, float]
    steps: np.ndarray = field(repr=False)
    sigma2_next: np.ndarray = field(repr=False)
    fallback: str | None = None

    @property
    def sigma_in_sample(self) -> np.ndarray:
        """ndarray of shape (n_steps,): conditional standard deviation of each seen step."""
        return np.asarray(np.sqrt(self.sigma2_next[:-1]), dtype=float)

    @property
    def standardised_residuals(self) -> np.ndarray:
        """ndarray of shape (n_steps,): ``steps / sigma_in_sample`` (0 where sigma is 0)."""
        return standardise(self.steps, self.sigma_in_sample)

    @property
    def long_run_variance(self) -> float:
        """Unconditional variance of a step (GARCH ``omega / (1 - alpha - beta)``)."""
        if self.kind == "garch":
            p = self.params
            return p["omega"] / max(1.0 - p["alpha"] - p["beta"], 1e-12)
        if self.kind == "constant":
            return self.params["sigma2"]
        return self.params.get("sigma2_lr", float(np.mean(self.steps**2)))

    @property
    def flat_forecast(self) -> bool:
        """Whether every forecast step has the one-step variance (constant, flat EWMA)."""
        if self.kind == "constant":
            return True
        return self.kind == "ewma" and _ewma_phi(self.params.get("half_life", np.inf)) == 1.0

    def forecast_sigma(self, horizon: int) -> np.ndarray:
        """Forecast standard deviations of the next ``horizon`` steps, shape (horizon,).

        GARCH reverts to its long-run level ``lr = omega / (1 - alpha - beta)``:
        ``s2_{T+j} = lr + (alpha + beta)^(j-1) * (s2_{T+1} - lr)`` (at alpha + beta = 1, an
        integrated GARCH, it grows by omega per step). EWMA reverts the same way to
        ``lr = sigma2_lr`` (the mean square of the fitted steps) with
        ``phi = 0.5 ** (1 / half_life)``: the gap to ``lr`` halves every ``half_life``
        steps (flat at ``half_life = inf``). Constant stays at ``s2_{T+1}``.
        """
        path = self.forecast_variance_paths(self.sigma2_next[-1:], horizon)[0]
        return np.asarray(np.sqrt(path), dtype=float)

    def forecast_variance_paths(self, sigma2_next: np.ndarray, horizon: int) -> np.ndarray:
        """Variance paths of shape (n_origins, horizon) from one-step variances (n_origins,)."""
        s2 = np.asarray(sigma2_next, dtype=float)[:, None]
        if self.kind == "ewma":
            phi = _ewma_phi(self.params.get("half_life", np.inf))
            if phi == 1.0:
                return np.repeat(s2, horizon, axis=1)
            lr = self.params["sigma2_lr"]
            return np.asarray(lr + (phi ** np.arange(horizon))[None, :] * (s2 - lr))
        if self.kind != "garch":
            return np.repeat(s2, horizon, axis=1)
        phi = self.params["alpha"] + self.params["beta"]
        j = np.arange(horizon)
        decay = phi**j
        # s2_{T+1+j} = omega * (1 + phi + ... + phi^(j-1)) + phi^j * s2_{T+1}; phi = 1 allowed
        geometric = j.astype(float) if abs(1 - phi) < 1e-10 else (1 - decay) / (1 - phi)
        return np.asarray(self.params["omega"] * geometric[None, :] + decay[None, :] * s2)

    def update(self, new_steps: np.ndarray) -> VolatilityFit:
        """Filter ``new_steps`` (shape (n_new,)) with the parameters kept fixed.

        Returns a new fit whose ``steps`` are the old ones followed by ``new_steps``.
        """
        new = np.asarray(new_steps, dtype=float)
        if len(new) == 0:
            return self
        tail = _filter(self.kind, self.params, new, self.sigma2_next[-1])
        return replace(
            self,
            steps=np.concatenate([self.steps, new]),
            sigma2_next=np.concatenate([self.sigma2_next[:-1], tail]),
        )

    def refilter(self, steps: np.ndarray) -> VolatilityFit:
        """Filter a whole series of steps (shape (n,)) from the start with fixed parameters."""
        steps = np.asarray(steps, dtype=float)
        s2 = _filter(self.kind, self.params, steps, self.params.get("sigma2_0", 0.0))
        return replace(self, steps=steps, sigma2_next=s2)


def standardise(values: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``values / sigma`` broadcast over trailing axes; 0 where ``sigma`` is 0 (no NaN)."""
    sigma = np.asarray(sigma, dtype=float)
    safe = np.where(sigma > 0, sigma, 1.0)
    out = np.asarray(values, dtype=float) / safe
    return np.where(sigma > 0, out, 0.0)


def fit_volatility(
    steps: np.ndarray, kind: str, *, lam: float | None = None, half_life: float | None = None
) -> VolatilityFit:
    """Fit a volatility model to working-scale steps and filter it through them.

    Parameters
    ----------
    steps : ndarray of shape (n_steps,)
        Log returns or differences, in time order, mean treated as zero (the models'
        point forecasts carry the mean); n_steps >= 1.
    kind : {"constant", "ewma", "garch"}
        ``"constant"``: one variance, the mean square of ``steps``. ``"ewma"``: RiskMetrics,
        ``s2_{t+1} = lam * s2_t + (1 - lam) * z_t^2``, ``lam`` maximising the Gaussian
        likelihood on ``steps`` within [0.80, 0.999] (unless given); its forecasts revert
        to ``sigma2_lr = mean(steps**2)`` with ``half_life`` (see
        :meth:`VolatilityFit.forecast_sigma`). ``"garch"``:
        GARCH(1,1) with standardised Student-t innovations by maximum likelihood with
        ``arch`` (Bollerslev 1986; arch_model(mean="Zero", dist="t")).
    lam : float, optional
        Fixed EWMA decay, e.g. ``RISKMETRICS_LAMBDA`` = 0.94; None estimates it.
    half_life : float, optional
        EWMA reversion half-life in steps, > 0; ``np.inf`` keeps RiskMetrics' flat forecast.
        None estimates it within ``HALF_LIFE_BOUNDS`` by minimising the QLIKE loss
        ``log f + z^2 / f`` of the fit's own j-step variance forecasts ``f`` against the
        realised squared steps, j in (1, 2, 5, ..., 250), every 5th origin (Patton 2011:
        QLIKE ranks variance forecasts consistently with a noisy proxy); on fewer than 60
        steps it is the upper bound (nearly flat).

    Returns
    -------
    VolatilityFit

    Warns
    -----
    VolatilityFallbackWarning
        GARCH on fewer than ``MIN_GARCH_STEPS`` steps, on a constant series, or an ``arch``
        fit that fails, does not converge or is explosive (alpha + beta > 1): the EWMA
        model is used instead (``fit.kind == "ewma"``, ``fit.fallback`` says why), so
        intervals are never NaN.
    """
    kind = check_volatility(kind)
    z = np.asarray(steps, dtype=float)
    if z.ndim != 1 or len(z) == 0 or not np.all(np.isfinite(z)):
        raise ConfigError(
            f"`steps` must be a non-empty 1-d array of finite numbers; got shape {z.shape}."
        )
    if kind == "constant":
        params = {"sigma2": float(np.mean(z**2))}
        return VolatilityFit(kind, kind, params, z, np.full(len(z) + 1, params["sigma2"]))
    if kind == "garch":
        fit, why = _fit_garch(z)
        if fit is not None:
            return fit
        warnings.warn(
            f"volatility='garch': {why}; the EWMA (RiskMetrics) model is used instead.",
            VolatilityFallbackWarning,
            stacklevel=3,
        )
        return replace(_fit_ewma(z, lam, half_life), requested="garch", fallback=why)
    return _fit_ewma(z, lam, half_life)


# --------------------------------------------------------------------------- EWMA
def _initial_variance(z: np.ndarray) -> float:
    return float(np.mean(z[:_INIT_STEPS] ** 2))


def _filter(kind: str, params: dict[str, float], z: np.ndarray, s2_first: float) -> np.ndarray:
    """Conditional variances of shape (n + 1,): of each step of ``z``, then of the next one.

    ``s2_first`` is the variance of ``z[0]``. EWMA and GARCH(1,1) are linear recursions in the
    variance, run with ``scipy.signal.lfilter``.
    """
    if kind == "constant":
        return np.full(len(z) + 1, params["sigma2"])
    if kind == "ewma":
        lam = params["lam"]
        # s2[t+1] = lam * s2[t] + (1 - lam) * z[t]^2
        rest = lfilter([1.0 - lam], [1.0, -lam], z**2, zi=[lam * s2_first])[0]
    else:
        a, b, w = params["alpha"], params["beta"], params["omega"]
        # s2[t+1] = w + a * z[t]^2 + b * s2[t]
        rest = lfilter([1.0], [1.0, -b], w + a * z**2, zi=[b * s2_first])[0]
    return np.concatenate([[s2_first], rest])


def _ewma_phi(half_life: float) -> float:
    """Per-step persistence of the EWMA forecast's gap to its long-run level."""
    return 1.0 if not np.isfinite(half_life) else float(0.5 ** (1.0 / half_life))


def _estimate_half_life(z: np.ndarray, s2: np.ndarray, lr: float) -> float:
    """The half-life (steps) whose reverting forecasts minimise QLIKE on the fit itself.

    ``s2`` (n + 1,) are the filtered variances; the forecast made at origin ``t`` (after
    ``z[:t]``) for step ``t + j - 1`` is ``lr + phi^(j - 1) * (s2[t] - lr)``, scored against
    ``z[t + j - 1]^2`` for the lags of ``_HALF_LIFE_LAGS`` that fit in the series.
    """
    n = len(z)
    lags = np.array([j for j in _HALF_LIFE_LAGS if j <= n // 2])
    if n < 60 or lr <= 0 or len(lags) < 3:
        return HALF_LIFE_BOUNDS[1]
    origins = np.arange(0, n - lags[-1] + 1, _HALF_LIFE_STRIDE)
    gap = s2[origins] - lr  # (n_origins,)
    realised = z[origins[:, None] + lags[None, :] - 1] ** 2  # (n_origins, n_lags)
    powers = (lags - 1).astype(float)
    size = realised.size

    def qlike_of(log_h: np.ndarray) -> np.ndarray:
        """Mean QLIKE of each log half-life in ``log_h`` (shape (g,)), shape (g,)."""
        phi = np.array([_ewma_phi(float(np.exp(g))) for g in log_h])  # (g,)
        f = lr + (phi[:, None] ** powers[None, :])[:, None, :] * gap[None, :, None]
        np.maximum(f, 1e-300, out=f)
        loss = np.log(f)
        np.divide(realised[None], f, out=f)
        loss += f
        return cast("np.ndarray", loss.reshape(len(log_h), size).sum(axis=1) / size)

    def qlike(log_h: float) -> float:
        return float(qlike_of(np.array([log_h]))[0])

    # a grid on log half-life (the loss can have several local minima), then a bounded
    # refinement between the neighbours of the best grid point
    grid = np.linspace(np.log(HALF_LIFE_BOUNDS[0]), np.log(HALF_LIFE_BOUNDS[1]), 25)
    on_grid = np.concatenate(
        [qlike_of(grid[i : i + _GRID_CHUNK]) for i in range(0, len(grid), _GRID_CHUNK)]
    )
    k = int(np.argmin(on_grid))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best = minimize_scalar(qlike, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return float(np.exp(best.x if best.fun <= on_grid[k] else grid[k]))


def _fit_ewma(z: np.ndarray, lam: float | None, half_life: float | None = None) -> VolatilityFit:
    s2_0 = _initial_variance(z)
    if lam is None:
        if s2_0 == 0 and not np.any(z):
            lam = RISKMETRICS_LAMBDA
        else:

            def nll(value: float) -> float:
                s2 = np.maximum(_filter("ewma", {"lam": value}, z, s2_0)[:-1], 1e-300)
                return float(np.sum(np.log(s2) + z**2 / s2))

            lam = float(minimize_scalar(nll, bounds=_LAMBDA_BOUNDS, method="bounded").x)
    if half_life is not None and not half_life > 0:
        raise ConfigError(f"`half_life` must be > 0 (np.inf: flat); got {half_life!r}.")
    params = {"lam": float(lam), "sigma2_0": s2_0}
    s2 = _filter("ewma", params, z, s2_0)
    lr = float(np.mean(z**2))
    if half_life is None:
        half_life = _estimate_half_life(z, s2, lr)
    params.update(sigma2_lr=lr, half_life=float(half_life))
    return VolatilityFit("ewma", "ewma", params, z, s2)


# --------------------------------------------------------------------------- GARCH
def _fit_garch(z: np.ndarray) -> tuple[VolatilityFit | None, str]:
    """GARCH(1,1)-t by ``arch``; (None, reason) when it cannot be trusted."""
    if len(z) < MIN_GARCH_STEPS:
        return None, f"{len(z)} steps are fewer than the {MIN_GARCH_STEPS} a GARCH fit needs"
    scale = float(np.std(z))
    if scale == 0:
        return None, "the steps are constant (zero variance)"
    from arch import arch_model

    # SLSQP sometimes stops on a line-search failure near alpha + beta = 1; a rescaled
    # problem (same model, other conditioning) usually converges, so up to three scalings
    for factor in (1.0, 2.0, 0.5):
        scale = float(np.std(z)) / factor
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = arch_model(z / scale, mean="Zero", vol="GARCH", p=1, q=1, dist="t").fit(
                    disp="off", show_warning=False
                )
        except Exception as exc:  # arch raises several types on degenerate data
            return None, f"the arch fit failed ({type(exc).__name__}: {exc})"
        if res.convergence_flag == 0:
            break
    else:
        return None, f"the arch optimiser did not converge (flag {res.convergence_flag})"
    p = res.params
    omega, alpha, beta, nu = (float(p[k]) for k in ("omega", "alpha[1]", "beta[1]", "nu"))
    if not np.isfinite([omega, alpha, beta, nu]).all() or alpha + beta > 1 + 1e-4 or omega < 0:
        return None, f"the estimates are explosive (alpha + beta = {alpha + beta:.6f} > 1)"
    beta = min(beta, 1.0 - alpha)  # on the boundary up to the optimiser's tolerance: IGARCH
    params = {
        "omega": omega * scale**2,
        "alpha": alpha,
        "beta": beta,
        "nu": nu,
        "sigma2_0": _initial_variance(z),
    }
    return VolatilityFit(
        "garch", "garch", params, z, _filter("garch", params, z, params["sigma2_0"])
    ), ""
