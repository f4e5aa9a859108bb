"""Inner walk-forward selection: score every candidate on one training window, pick the best.

The selection only ever sees the data it is given. Called on the training window of an outer
refit origin (which ends at that origin), every inner test target lies at or before the
origin, so no outer forecast is made with parameters chosen on its own targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickcast.errors import ConfigError, InputTypeError, TrainingError

__all__ = [
    "INNER_MAX_ORIGINS",
    "SCORINGS",
    "Selection",
    "candidate_models",
    "default_inner",
    "origin_losses",
    "score_frame",
    "select_params",
]

#: Accepted values of ``scoring``: root mean squared or mean absolute error in level units.
SCORINGS = ("rmse", "mae")

#: The default inner walk-forward keeps at most this many origins (the most recent ones).
INNER_MAX_ORIGINS = 250

#: Errors of a candidate that mean its parameter values are invalid, not that it failed once.
_CONFIG_ERRORS = ("ConfigError", "InputTypeError")


def origin_losses(forecasts: pd.DataFrame, scoring: str) -> pd.DataFrame:
    """Loss per (origin, model): mean squared (rmse) or absolute (mae) error over the steps.

    Parameters
    ----------
    forecasts : pd.DataFrame
        A backtest's long-format forecasts (``origin``, ``model``, ``y_true``, ``mean``).
    scoring : {"rmse", "mae"}

    Returns
    -------
    pd.DataFrame of shape (n_origins, n_models)
        Squared-error (rmse) or absolute-error (mae) loss averaged over the horizon steps, in
        squared level units or level units; NaN where a model has no forecast.
    """
    err = forecasts["y_true"].to_numpy(float) - forecasts["mean"].to_numpy(float)
    loss = err**2 if scoring == "rmse" else np.abs(err)
    frame = forecasts[["origin", "model"]].assign(loss=loss)
    return frame.pivot_table(index="origin", columns="model", values="loss", aggfunc="mean")


def score_frame(losses: pd.DataFrame, scoring: str) -> pd.Series:
    """Score per model from per-origin losses: RMSE = sqrt(mean loss), MAE = mean loss."""
    mean = losses.mean(axis=0)
    return np.sqrt(mean) if scoring == "rmse" else mean


def default_inner(splitter: Any, n_train: int) -> Any:
    """The inner walk-forward derived from an outer one, for training windows of ``n_train``.

    Same ``step``, ``horizon``, ``gap`` and ``refit_every`` as the outer splitter; the first
    inner origin leaves half of the shortest training window for the first fit; only the last
    :data:`INNER_MAX_ORIGINS` origins are kept. Expanding windows.
    """
    from tickcast.backtest.splitters import WalkForward

    horizon, gap = int(splitter.horizon), int(splitter.gap)
    initial = n_train // 2
    if initial + gap + horizon > n_train:
        raise ConfigError(
            f"the training window ({n_train} observations) is too short for an inner "
            f"walk-forward with horizon={horizon} and gap={gap}; raise the outer `initial` "
            "or pass `inner=` explicitly."
        )
    return WalkForward(
        initial=initial,
        step=int(splitter.step),
        horizon=horizon,
        gap=gap,
        refit_every=splitter.refit_every,
        max_origins=INNER_MAX_ORIGINS,
    )


class Selection:
    """The outcome of one inner selection.

    Attributes
    ----------
    best : int
        Index of the chosen candidate (lowest score; the first one on ties).
    scores : ndarray of shape (n_candidates,)
        Inner score of each candidate (inf for a candidate that failed at an inner origin).
    n_origins : int
        Inner origins scored.
    """

    def __init__(self, best: int, scores: np.ndarray, n_origins: int) -> None:
        self.best = best
        self.scores = scores
        self.n_origins = n_origins


def candidate_models(model: Any, params: list[dict[str, Any]]) -> list[Any]:
    """``clone(model).set_params(**p)`` per candidate, each aliased ``params_label(p)``.

    The aliases give the candidates distinct labels in one backtest (two models with one
    label are an error); a model without an ``alias`` parameter keeps its own label.
    """
    from sklearn.base import clone

    from tickcast.tuning.space import params_label

    out = []
    for p in params:
        candidate = clone(model).set_params(**p)
        if "alias" in candidate.get_params(deep=False) and "alias" not in p:
            candidate.set_params(alias=params_label(p))
        out.append(candidate)
    return out


def select_params(
    model: Any,
    params: list[dict[str, Any]],
    y: pd.Series,
    X: pd.DataFrame | None,
    *,
    inner: Any,
    scoring: str,
) -> Selection:
    """Backtest every candidate on ``y`` with the ``inner`` splitter and pick the best.

    Parameters
    ----------
    model : Forecaster
        Template; each candidate is ``clone(model).set_params(**p)``.
    params : list of dict
        The candidates.
    y : pd.Series of shape (n_train,)
        The training levels (for nested tuning: ending at the outer origin).
    X : pd.DataFrame of shape (n_train, n_exog), optional
        Exogenous series aligned to ``y``.
    inner : WalkForward
        Inner origins on ``y``.
    scoring : {"rmse", "mae"}
        Lower is better.

    Returns
    -------
    Selection

    Raises
    ------
    ConfigError
        A candidate's parameter value is rejected by the model.
    TrainingError
        Every candidate failed at some inner origin.
    """

    from tickcast.backtest.engine import backtest

    models = candidate_models(model, params)
    for p, candidate in zip(params, models, strict=True):  # the model's declared rules
        try:
            candidate._check_params()
        except ConfigError as exc:
            raise ConfigError(
                f"candidate {p!r} of `space` is rejected by {type(model).__name__}: {exc}"
            ) from None
    res = backtest(models, y, X, splitter=inner, level=None, progress=False, errors="skip")
    labels = list(res.settings["models"])
    failures = res.failures
    bad = failures[failures["error"].isin(_CONFIG_ERRORS)]
    if len(bad):
        k = labels.index(bad["model"].iloc[0])
        raise ConfigError(
            f"candidate {params[k]!r} of `space` is rejected by {type(model).__name__}: "
            f"{bad['message'].iloc[0]}"
        )
    losses = origin_losses(res.forecasts, scoring).reindex(columns=labels)
    scores = score_frame(losses, scoring).to_numpy(dtype=float)
    failed = set(failures["model"]) | {lab for lab in labels if losses[lab].isna().any()}
    for k, lab in enumerate(labels):
        if lab in failed:
            scores[k] = np.inf
    if not np.isfinite(scores).any():
        first = failures["message"].iloc[0] if len(failures) else "no forecasts"
        raise TrainingError(
            f"every candidate failed in the inner walk-forward ending {y.index[-1].date()}; "
            f"first failure: {first}"
        )
    return Selection(int(np.argmin(scores)), scores, len(losses))


def check_inner(inner: Any) -> Any:
    """``inner`` if it is None or a WalkForward; else InputTypeError."""
    from tickcast.backtest.splitters import WalkForward

    if inner is not None and not isinstance(inner, WalkForward):
        raise InputTypeError(
            f"`inner` must be a tickcast WalkForward or None (derived); got {type(inner).__name__}."
        )
    return inner
