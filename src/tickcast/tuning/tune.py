""":func:`tune`: nested walk-forward tuning, with the optimistic score shown beside the honest one.

For every refit block of the outer splitter, the parameters are chosen by an inner
walk-forward on that block's training window (which ends at the block's first origin; the
inner test targets all lie inside it), and the model refitted with them forecasts the block.
Every candidate is also backtested on all outer origins: that gives the *optimistic* score
(the candidate that did best on the outer origins themselves, as grid searches that score on
their own folds report) and the per-origin losses behind the probability of backtest
overfitting (:meth:`TuneResult.pbo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from tickcast._validation import check_int, check_one_of
from tickcast.backtest.splitters import Fold, refit_blocks
from tickcast.errors import ConfigError, InputTypeError
from tickcast.tuning.result import TuneResult
from tickcast.tuning.select import Selection, candidate_models, default_inner, select_params
from tickcast.tuning.space import params_label
from tickcast.tuning.tuned import check_tuning

__all__ = ["tune"]


def _select_block(
    model: Any,
    params: list[dict[str, Any]],
    y: pd.Series,
    X: pd.DataFrame | None,
    train: range,
    inner: Any,
    scoring: str,
) -> Selection:
    from threadpoolctl import threadpool_limits

    sl = slice(train.start, train.stop)
    with threadpool_limits(limits=1):
        return select_params(
            model, params, y.iloc[sl], None if X is None else X.iloc[sl], inner=inner,
            scoring=scoring,
        )  # fmt: skip


def _selections(
    model: Any,
    params: list[dict[str, Any]],
    y: pd.Series,
    X: pd.DataFrame | None,
    blocks: list[list[Fold]],
    inner: Any,
    scoring: str,
    n_jobs: int,
    backend: str,
) -> list[Selection]:
    import joblib

    args = [(model, params, y, X, b[0].train, inner, scoring) for b in blocks]
    if n_jobs == 1 and backend != "dask":
        return [_select_block(*a) for a in args]
    with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
        return list(joblib.Parallel()(joblib.delayed(_select_block)(*a) for a in args))


def tune(
    model: Any,
    space: dict[str, Any],
    y: pd.Series,
    X: pd.DataFrame | None = None,
    *,
    splitter: Any,
    inner: Any = None,
    scoring: str = "rmse",
    search: str = "grid",
    n_trials: int | None = None,
    seed: int | None = None,
    baselines: Sequence[Any] | None = None,
    level: float | Sequence[float] | None = (80, 95),
    n_jobs: int = 1,
    backend: str = "loky",
    progress: bool | None = None,
) -> TuneResult:
    """Nested walk-forward tuning of ``model`` over ``space`` on ``y``.

    Parameters
    ----------
    model : Forecaster
        Unfitted template (never modified).
    space : dict of str to list (or scipy.stats distribution for ``search="random"``)
        Candidate values per constructor parameter, e.g. ``{"lags": [5, 10, 20]}``,
        ``{"order": [(0, 1, 0), (1, 1, 1)]}`` or ``{"optimizer": ["adam", "bb"]}``.
    y : pd.Series of shape (n_obs,)
        Levels (prices or rates) on a sorted DatetimeIndex.
    X : pd.DataFrame of shape (n_obs, n_exog), optional
        Exogenous series aligned to ``y`` (see :func:`tickcast.backtest`).
    splitter : WalkForward
        The outer origins; each of its refit blocks gets its own inner selection.
    inner : WalkForward, optional
        Inner origins, applied to each block's training window. Default: the outer
        ``step``, ``horizon``, ``gap`` and ``refit_every``, first origin after half of the
        first training window, the last 250 origins (expanding).
    scoring : {"rmse", "mae"}, default "rmse"
        Selection loss in level units (lower is better; the first candidate wins ties).
    search : {"grid", "random"}, default "grid"
        Every combination of the lists, or ``n_trials`` random draws from ``space``.
    n_trials : int, optional
        Number of random draws (``search="random"`` only).
    seed : int, optional
        Seed of the random draws; the same seed gives the same candidates and choices.
    baselines : sequence of Forecaster, optional
        Models backtested on the same origins for comparison; default ``[Naive()]`` (so
        ``summary()`` and ``dm_test()`` compare against the random walk). ``[]`` for none.
    level : float or sequence of float, default (80, 95)
        Interval levels recorded per forecast.
    n_jobs : int, default 1
        Parallel workers for the per-block selections and the outer backtest (joblib
        semantics). Results do not depend on it.
    backend : {"loky", "threading", "dask"}, default "loky"
        joblib backend, as in :func:`tickcast.backtest`.
    progress : bool, optional
        tqdm bar of the outer backtest.

    Returns
    -------
    TuneResult
        A :class:`~tickcast.backtest.result.BacktestResult` of the baselines and the nested
        forecasts (model ``"tuned_<label>"``), plus ``chosen_params``, ``inner_scores``,
        ``candidates`` (every candidate on the outer origins), :meth:`~TuneResult.optimism`,
        :meth:`~TuneResult.pbo` and :meth:`~TuneResult.deflated_sharpe`.

    Notes
    -----
    The nested forecasts of a block are those of the chosen candidate's own outer backtest
    on that block: the same refit on the same training window and the same updates, so they
    equal what ``tc.backtest(tc.Tuned(model, space, inner=...), ...)`` produces (except for
    models with ``warm_start=True``, whose candidate runs warm-start from their previous
    block).

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dgs10").iloc[-500:]
    >>> res = tc.tune(tc.LinearForecaster(horizon=1), {"lags": [1, 5, 10]}, y,
    ...               splitter=tc.WalkForward(initial=300, step=5, horizon=1, refit_every=10))
    >>> list(res.optimism().index)
    ['nested', 'optimistic', 'naive']
    """

    from tickcast.backtest.engine import backtest
    from tickcast.backtest.splitters import WalkForward
    from tickcast.data.validate import validate_series
    from tickcast.models.base import Forecaster, check_exog
    from tickcast.models.baselines import Naive

    params = check_tuning(
        model, space, inner=inner, scoring=scoring, search=search, n_trials=n_trials, seed=seed
    )
    if not isinstance(y, pd.Series):
        raise InputTypeError(
            f"`y` must be one pandas Series of levels; got {type(y).__name__}. Tune each "
            "series separately."
        )
    y = validate_series(y, name="y")
    if X is not None:
        X = check_exog(X, y.index)
    if not isinstance(splitter, WalkForward):
        raise InputTypeError(
            f"`splitter` must be a tickcast WalkForward; got {type(splitter).__name__}."
        )
    n_jobs = check_int("n_jobs", n_jobs)
    if n_jobs == 0:
        raise ConfigError("`n_jobs` must be a positive number of workers or -1 for all; got 0.")
    check_one_of("backend", backend, ("loky", "threading", "dask"))
    baselines = [Naive()] if baselines is None else list(baselines)
    for b in baselines:
        if not isinstance(b, Forecaster):
            raise InputTypeError(f"`baselines` must hold forecasters; got {type(b).__name__}.")

    blocks = refit_blocks(list(splitter.split(y)))
    inner_s = inner if inner is not None else default_inner(splitter, len(blocks[0][0].train))
    selections = _selections(model, params, y, X, blocks, inner_s, scoring, n_jobs, backend)

    candidates = candidate_models(model, params)
    run = backtest(
        [*baselines, *candidates],
        y,
        X,
        splitter=splitter,
        level=level,
        n_jobs=n_jobs,
        backend=backend,
        progress=progress,
        errors="skip",
    )
    labels = list(run.settings["models"])
    base_labels, cand_engine = labels[: len(baselines)], labels[len(baselines) :]
    names = [params_label(p) for p in params]
    rename = dict(zip(cand_engine, names, strict=True))
    tuned_label = f"tuned_{getattr(model, 'label', type(model).__name__.lower())}"

    frame = run.forecasts.copy()
    frame["model"] = frame["model"].map(lambda m: rename.get(m, m))
    fails = run.failures.copy()
    fails["model"] = fails["model"].map(lambda m: rename.get(m, m))
    cand_settings = dict(run.settings)
    cand_settings["models"] = {rename.get(k, k): v for k, v in run.settings["models"].items()}

    nested_parts, nested_fails, rows = [], [], []
    for b, (block, sel) in enumerate(zip(blocks, selections, strict=True)):
        origins = y.index[[f.origin for f in block]]
        chosen = names[sel.best]
        part = frame[(frame["model"] == chosen) & frame["origin"].isin(origins)]
        nested_parts.append(part.assign(model=tuned_label))
        bad = fails[(fails["model"] == chosen) & fails["origin"].isin(origins)]
        nested_fails.append(bad.assign(model=tuned_label))
        rows.append(
            {
                "block": b,
                "first_origin": origins[0],
                "last_origin": origins[-1],
                "n_train": len(block[0].train),
                "n_inner_origins": sel.n_origins,
                "candidate": chosen,
                "inner_score": float(sel.scores[sel.best]),
                **params[sel.best],
            }
        )
    base_rows = frame[frame["model"].isin(base_labels)]
    forecasts = (
        pd.concat([base_rows, *nested_parts], ignore_index=True)
        .sort_values(["series", "model", "origin", "step"], kind="stable")
        .reset_index(drop=True)
    )
    failures = pd.concat(
        [fails[fails["model"].isin(base_labels)], *nested_fails], ignore_index=True
    )
    settings = dict(run.settings)
    settings["models"] = {k: run.settings["models"][k] for k in base_labels}
    settings["models"][tuned_label] = {
        "class": "Tuned",
        "params": {
            "model": repr(model),
            "space": repr(space),
            "search": repr(search),
            "n_trials": repr(n_trials),
            "seed": repr(seed),
            "scoring": repr(scoring),
        },
        "fast_path": "per candidate",
    }
    settings["tuning"] = {
        "inner": inner_s.describe(),
        "inner_derived": inner is None,
        "scoring": scoring,
        "search": search,
        "n_candidates": len(params),
        "candidates": names,
    }
    chosen_params = pd.DataFrame(rows).set_index("block")
    inner_scores = pd.DataFrame(
        [s.scores for s in selections],
        index=pd.Index(chosen_params["first_origin"], name="first_origin"),
        columns=names,
    )
    from tickcast.backtest.result import BacktestResult

    cand_result = BacktestResult(
        frame.reset_index(drop=True), fails.reset_index(drop=True), cand_settings, y=run.y
    )
    return TuneResult(
        forecasts,
        failures,
        settings,
        chosen_params=chosen_params,
        inner_scores=inner_scores,
        candidates=cand_result,
        candidate_params=params,
        tuned_label=tuned_label,
        scoring=scoring,
        y=run.y,
    )
