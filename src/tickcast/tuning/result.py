""":class:`TuneResult`: a backtest of nested-tuned forecasts, with what the tuning cost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickcast._validation import check_one_of
from tickcast.backtest.result import BacktestResult
from tickcast.errors import DataError
from tickcast.tuning.pbo import PBOResult, cscv_pbo
from tickcast.tuning.select import origin_losses, score_frame

__all__ = ["TuneResult"]


class TuneResult(BacktestResult):
    """The outcome of :func:`tickcast.tune`: a :class:`BacktestResult` plus the selection.

    ``forecasts``, ``summary()``, ``dm_test()``, ``trading()`` and the reports cover the
    baselines and the nested forecasts (model ``tuned_label``).

    Attributes
    ----------
    chosen_params : pd.DataFrame
        One row per outer refit block: ``first_origin``, ``last_origin``, ``n_train``
        (training observations), ``n_inner_origins``, ``candidate`` (its label),
        ``inner_score`` and one column per tuned parameter.
    inner_scores : pd.DataFrame of shape (n_blocks, n_candidates)
        Inner score of every candidate per block (inf where a candidate failed).
    candidates : BacktestResult
        The baselines and every candidate (labelled ``"lags=5, alpha=0.1"``) backtested on
        all outer origins: the material of the optimistic score and of PBO.
    candidate_params : list of dict
        The candidates' parameter values, in the order of ``inner_scores``' columns.
    tuned_label : str
        Label of the nested forecasts, e.g. ``"tuned_linear"``.
    scoring : {"rmse", "mae"}
        The selection score.
    """

    def __init__(
        self,
        forecasts: pd.DataFrame,
        failures: pd.DataFrame,
        settings: dict[str, Any],
        *,
        chosen_params: pd.DataFrame,
        inner_scores: pd.DataFrame,
        candidates: BacktestResult,
        candidate_params: list[dict[str, Any]],
        tuned_label: str,
        scoring: str,
    ) -> None:
        super().__init__(forecasts, failures, settings)
        self.chosen_params = chosen_params
        self.inner_scores = inner_scores
        self.candidates = candidates
        self.candidate_params = candidate_params
        self.tuned_label = tuned_label
        self.scoring = scoring

    def __repr__(self) -> str:
        return (
            f"TuneResult(model={self.tuned_label!r}, candidates={len(self.candidate_params)}, "
            f"blocks={len(self.chosen_params)}, origins={self.forecasts['origin'].nunique()}, "
            f"failures={len(self.failures)})"
        )

    # ------------------------------------------------------------------ scores
    @property
    def candidate_labels(self) -> list[str]:
        """Candidate labels in the order of :attr:`candidate_params`."""
        return list(self.inner_scores.columns)

    def candidate_losses(self) -> pd.DataFrame:
        """Per-origin loss of every candidate on the outer origins, shape (n_origins, n_cand).

        Squared error (``scoring="rmse"``) or absolute error (``"mae"``) averaged over the
        horizon steps; only origins where every candidate has a forecast.
        """
        labels = self.candidate_labels
        fc = self.candidates.forecasts
        losses = origin_losses(fc[fc["model"].isin(labels)], self.scoring)
        return losses.reindex(columns=labels).dropna()

    def candidate_pnl(self) -> pd.DataFrame:
        """Per-origin P&L of every candidate's one-step sign strategy, (n_origins, n_cand).

        At each origin: long (short) one unit when the step-1 forecast is above (below) the
        last level, for one observation: ``sign(mean - y_last) * (y_true / y_last - 1)``,
        without costs (see :mod:`tickcast.backtest.trading` for the rates caveat).
        """
        labels = self.candidate_labels
        fc = self.candidates.forecasts
        fc = fc[fc["model"].isin(labels) & (fc["step"] == 1)]
        if (fc["y_last"] <= 0).any():
            raise DataError(
                "the P&L treats the series as a price and needs positive levels; this series "
                "has levels <= 0. Use metric='loss'."
            )
        pnl = np.sign(fc["mean"] - fc["y_last"]) * (fc["y_true"] / fc["y_last"] - 1)
        table = fc[["origin", "model"]].assign(pnl=pnl.to_numpy())
        wide = table.pivot_table(index="origin", columns="model", values="pnl", aggfunc="mean")
        return wide.reindex(columns=labels).dropna()

    def candidate_scores(self) -> pd.Series:
        """Outer score of every candidate on the origins where all of them forecast."""
        return score_frame(self.candidate_losses(), self.scoring).rename(self.scoring)

    def optimism(self) -> pd.DataFrame:
        """The nested score beside the optimistic one, on the same outer origins.

        Returns
        -------
        pd.DataFrame
            Rows ``"nested"`` (parameters chosen per block on past data only),
            ``"optimistic"`` (the candidate with the best score on the outer origins
            themselves) and one per baseline. Columns: the score (``rmse`` or ``mae``, level
            units), ``relative`` (score / the naive score, if naive was backtested),
            ``choice`` and ``n_origins``.
        """
        losses = self.candidate_losses()
        all_losses = origin_losses(self.forecasts, self.scoring)
        common = losses.index.intersection(all_losses.dropna().index)
        cand = score_frame(losses.loc[common], self.scoring)
        others = score_frame(all_losses.loc[common], self.scoring)
        best = str(cand.idxmin())
        n_distinct = self.chosen_params["candidate"].nunique()
        rows = {
            "nested": (others[self.tuned_label], f"per block ({n_distinct} distinct)"),
            "optimistic": (cand[best], best),
        }
        for lab in self.models:
            if lab != self.tuned_label:
                rows[lab] = (others[lab], "baseline")
        out = pd.DataFrame(
            {
                self.scoring: [v[0] for v in rows.values()],
                "choice": [v[1] for v in rows.values()],
                "n_origins": len(common),
            },
            index=list(rows),
        )
        if "naive" in others.index:
            out.insert(1, "relative", out[self.scoring] / others["naive"])
        return out

    # ------------------------------------------------------------------ overfitting
    def pbo(self, n_splits: int = 16, *, metric: str = "loss") -> PBOResult:
        """Probability of backtest overfitting of choosing among the candidates (CSCV).

        Parameters
        ----------
        n_splits : int, default 16
            Even number of contiguous groups of outer origins (Bailey et al. use 16).
        metric : {"loss", "pnl"}, default "loss"
            "loss": the per-origin losses of :meth:`candidate_losses` (performance = minus
            the mean loss); "pnl": the per-origin P&L of :meth:`candidate_pnl`
            (performance = its Sharpe ratio).

        Returns
        -------
        PBOResult
            See :func:`tickcast.tuning.pbo.cscv_pbo`.
        """
        check_one_of("metric", metric, ("loss", "pnl"))
        values = self.candidate_losses() if metric == "loss" else self.candidate_pnl()
        return cscv_pbo(values.to_numpy(), n_splits=n_splits, metric=metric)

    def deflated_sharpe(self) -> pd.Series:
        """Deflated Sharpe ratio of the candidate with the best Sharpe ratio of its P&L.

        The per-origin P&L of :meth:`candidate_pnl`; the best candidate's (non-annualised)
        Sharpe ratio is deflated for the number of candidates tried and the spread of their
        Sharpe ratios, its skewness and kurtosis (Bailey & López de Prado 2014), through
        :func:`tickcast.backtest.trading.deflated_sharpe_ratio`.

        Returns
        -------
        pd.Series
            ``candidate``, ``sharpe`` (per origin), ``n_obs``, ``n_trials``,
            ``sharpe_std_across_trials``, ``skew``, ``kurtosis`` (non-excess) and
            ``deflated_sharpe`` (what ``deflated_sharpe_ratio`` returns).
        """
        from scipy import stats

        from tickcast.backtest.trading import deflated_sharpe_ratio

        pnl = self.candidate_pnl()
        sd = pnl.std(ddof=1)
        sharpe = (pnl.mean() / sd).where(sd > 0, 0.0)
        best = str(sharpe.idxmax())
        r = pnl[best].to_numpy()
        skew = float(stats.skew(r)) if np.std(r) > 0 else 0.0
        kurt = float(stats.kurtosis(r, fisher=False)) if np.std(r) > 0 else 3.0
        dsr = deflated_sharpe_ratio(
            float(sharpe[best]),
            len(r),
            n_trials=len(sharpe),
            sharpe_std_across_trials=float(sharpe.std(ddof=1)),
            skew=skew,
            kurtosis=kurt,
        )
        return pd.Series(
            {
                "candidate": best,
                "sharpe": float(sharpe[best]),
                "n_obs": len(r),
                "n_trials": len(sharpe),
                "sharpe_std_across_trials": float(sharpe.std(ddof=1)),
                "skew": skew,
                "kurtosis": kurt,
                "deflated_sharpe": dsr,
            },
            name="deflated_sharpe",
        )
