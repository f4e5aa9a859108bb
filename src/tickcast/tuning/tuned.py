""":class:`Tuned`: a forecaster that chooses its hyperparameters by an inner walk-forward.

``Tuned(model, space)`` is a :class:`~tickcast.models.base.Forecaster`: ``fit(y)`` backtests
every candidate of ``space`` on ``y`` alone, refits a clone of ``model`` with the best
parameters on all of ``y`` and then delegates ``predict``, ``update`` and ``simulate`` to it.
Inside :func:`tickcast.backtest` each refit sees only the training window that ends at its
origin, so the tuned forecasts are nested: no outer forecast uses parameters chosen on its
own targets.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd

from tickcast._validation import check_one_of
from tickcast.errors import ConfigError, InputTypeError, NotFittedError
from tickcast.models.base import Forecaster
from tickcast.tuning.select import SCORINGS, check_inner, default_inner, select_params
from tickcast.tuning.space import candidates, check_space, params_label

__all__ = ["Tuned"]


def check_tuning(
    model: Any, space: Any, *, inner: Any, scoring: str, search: str, n_trials: Any, seed: Any
) -> list[dict[str, Any]]:
    """Validate the shared tuning options; returns the candidates."""
    if not isinstance(model, Forecaster) or isinstance(model, Tuned):
        raise InputTypeError(
            f"`model` must be an (untuned) tickcast forecaster; got {type(model).__name__}."
        )
    check_one_of("scoring", scoring, SCORINGS)
    check_inner(inner)
    checked = check_space(model, space, search)
    return candidates(checked, search=search, n_trials=n_trials, seed=seed)


class Tuned(Forecaster):
    """A forecaster whose hyperparameters are chosen by walk-forward on its training data.

    Parameters
    ----------
    model : Forecaster
        The model to tune (unfitted template; never modified).
    space : dict of str to list (or distribution for ``search="random"``)
        Candidate values per constructor parameter of ``model``, e.g.
        ``{"lags": [5, 10, 20], "alpha": [0.1, 1.0]}`` or ``{"order": [(0, 1, 0), (1, 1, 1)]}``.
    inner : WalkForward, optional
        Inner origins on the training data passed to :meth:`fit`. Default: expanding, the
        first origin after half the data, ``horizon`` and ``step`` equal to ``model.horizon``
        (1 when the model has none), one fit per candidate (``refit_every=None``), the last
        250 origins. :func:`tickcast.tune` derives it from the outer splitter instead.
    scoring : {"rmse", "mae"}, default "rmse"
        Inner loss in level units; lowest wins, the first candidate on ties.
    search : {"grid", "random"}, default "grid"
        Every combination of the lists, or ``n_trials`` random draws.
    n_trials : int, optional
        Number of random draws (``search="random"`` only).
    seed : int, optional
        Seed of the random draws.
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of "tuned_<label>"; two
        models in one backtest need different names.

    Attributes
    ----------
    best_estimator_ : Forecaster
        ``model`` refitted with the chosen parameters on the data given to ``fit``.
    chosen_params_ : dict
        The chosen parameter values.
    inner_scores_ : pd.Series of shape (n_candidates,)
        Inner score per candidate (index: ``"lags=5, alpha=0.1"``); inf if it failed.
    n_inner_origins_ : int
        Inner origins scored.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dgs10").iloc[-300:]
    >>> m = tc.Tuned(tc.LinearForecaster(horizon=1), {"lags": [1, 5]}).fit(y)
    >>> sorted(m.chosen_params_)
    ['lags']
    """

    short_name = "tuned"

    def __init__(
        self,
        model: Any,
        space: Any,
        *,
        inner: Any = None,
        scoring: str = "rmse",
        search: str = "grid",
        n_trials: int | None = None,
        seed: int | None = None,
        alias: str | None = None,
    ) -> None:
        self.model = model
        self.space = space
        self.inner = inner
        self.scoring = scoring
        self.search = search
        self.n_trials = n_trials
        self.seed = seed
        self.alias = alias

    def __sklearn_clone__(self) -> Tuned:
        # sklearn's clone would call WalkForward.get_params(deep=False), which it lacks
        import copy

        from sklearn.base import clone

        return type(self)(
            clone(self.model),
            copy.deepcopy(self.space),
            inner=copy.deepcopy(self.inner),
            scoring=self.scoring,
            search=self.search,
            n_trials=self.n_trials,
            seed=self.seed,
            alias=self.alias,
        )

    # ------------------------------------------------------------------ naming, capabilities
    @property
    def label(self) -> str:
        """``alias`` when set, else ``"tuned_<model label>"``, e.g. ``"tuned_linear"``."""
        if isinstance(self.alias, str):
            return self.alias
        return f"tuned_{getattr(self.model, 'label', type(self.model).__name__.lower())}"

    @property
    def supports_exog(self) -> bool:  # type: ignore[override]
        """Whether the tuned model takes exogenous series."""
        return bool(getattr(self.model, "supports_exog", False))

    @property
    def y_(self) -> pd.Series:
        """The levels the chosen model was fitted (and updated) on."""
        return self._best().y_

    @property
    def X_(self) -> pd.DataFrame | None:  # type: ignore[override]
        """The exogenous series the chosen model was fitted on, if any."""
        return self._best().X_

    @property
    def transform_(self) -> Any:  # type: ignore[override]
        """The chosen model's fitted target transform (``update`` checks ``y_new`` with it)."""
        return self._best().transform_

    def _best(self) -> Forecaster:
        best = self.__dict__.get("best_estimator_")
        if best is None:
            raise NotFittedError("This Tuned is not fitted yet; call `fit(y)` first.")
        return cast(Forecaster, best)

    @property
    def batched_origins(self) -> bool:  # type: ignore[override]
        """Whether the chosen model forecasts many origins in one batched call."""
        best = self.__dict__.get("best_estimator_")
        return bool(best is not None and best.batched_origins)

    def _check_fitted(self) -> None:
        self._best()

    def _min_length(self) -> int:
        return 8

    # ------------------------------------------------------------------ trusted paths
    def fit_trusted(self, y: pd.Series, X: pd.DataFrame | None = None) -> Tuned:
        from sklearn.base import clone

        params = check_tuning(
            self.model,
            self.space,
            inner=self.inner,
            scoring=self.scoring,
            search=self.search,
            n_trials=self.n_trials,
            seed=self.seed,
        )
        inner = self.inner if self.inner is not None else self._default_inner(len(y))
        sel = select_params(self.model, params, y, X, inner=inner, scoring=self.scoring)
        best = clone(self.model).set_params(**params[sel.best])
        best.fit_trusted(y, X)
        self.best_estimator_ = best
        self.chosen_params_ = dict(params[sel.best])
        self.inner_scores_ = pd.Series(
            sel.scores, index=[params_label(p) for p in params], name=self.scoring
        )
        self.n_inner_origins_ = sel.n_origins
        return self

    def _default_inner(self, n: int) -> Any:
        h = getattr(self.model, "horizon", 1)
        h = h if isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h >= 1 else 1
        outer = SimpleNamespace(horizon=int(h), gap=0, step=int(h), refit_every=None)
        return default_inner(outer, n)

    def update_trusted(self, y_new: pd.Series, X_new: pd.DataFrame | None = None) -> Tuned:
        self._best().update_trusted(y_new, X_new)
        return self

    def predict_trusted(self, horizon: int, X_future: Any, levels: tuple[float, ...]) -> Any:
        return self._best().predict_trusted(horizon, X_future, levels)

    def forecast_origins(
        self,
        y: pd.Series,
        X: pd.DataFrame | None,
        origins: np.ndarray,
        horizon: int,
        quantiles: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._best().forecast_origins(y, X, origins, horizon, quantiles)

    def simulate_trusted(
        self, horizon: int, n_paths: int, rng: np.random.Generator, X_future: Any
    ) -> np.ndarray:
        return self._best().simulate_trusted(horizon, n_paths, rng, X_future)

    def save(self, path: str) -> str:
        """Not supported: save ``best_estimator_`` (a plain forecaster) instead."""
        raise ConfigError(
            "a Tuned wrapper cannot be saved; save its chosen model instead: "
            "`tuned.best_estimator_.save(path)`."
        )
