""":class:`TuneResult`: a backtest of nested-tuned forecasts, with what the tuning cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tickcast._validation import check_one_of
from tickcast.backtest.result import BacktestResult
from tickcast.errors import ConfigError
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
        y: Mapping[str, pd.Series] | None = None,
    ) -> None:
        super().__init__(forecasts, failures, settings, y=y)
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

    def candidate_trading(
        self,
        *,
        duration: float | None = None,
        cost_bps: float = 0.0,
        allow_short: bool = True,
        kind: str | None = None,
    ) -> Any:
        """Trade every candidate's forecasts on the outer origins with the trading module.

        :meth:`BacktestResult.trading` of :attr:`candidates` restricted to the candidates
        (the baselines are left out), ``strategy="sign"``: the rule, the costs and, for a
        yield, the constant-maturity bond of duration ``duration`` are those of
        :func:`tickcast.backtest.trading.trading_backtest`.

        Parameters
        ----------
        duration : float, optional
            Modified duration in years of the bond traded on a yield; required when the
            series is a rate (kind "rate"), rejected for a price.
        cost_bps : float, default 0.0
            Cost in basis points per unit of position change (0: the selection is judged
            without costs; the trading module's own default is 5).
        allow_short : bool, default True
            Short (-1) on a predicted fall; False: flat.
        kind : {"price", "rate"}, optional
            What the series is; default what the backtest recorded.

        Returns
        -------
        TradingResult
            Per-candidate (and buy-and-hold) returns, positions, equity and statistics.

        Raises
        ------
        ConfigError
            For a yield without ``duration`` (or ``duration`` for a price).
        """
        labels = self.candidate_labels
        cand = self.candidates
        fc = cand.forecasts
        sub = BacktestResult(fc[fc["model"].isin(labels)], cand.failures, cand.settings, y=cand.y)
        return sub.trading(
            "sign",
            cost_bps=cost_bps,
            allow_short=allow_short,
            duration=duration,
            kind=kind,
        )

    def candidate_pnl(
        self,
        *,
        duration: float | None = None,
        cost_bps: float = 0.0,
        allow_short: bool = True,
        kind: str | None = None,
    ) -> pd.DataFrame:
        """Per-origin P&L of every candidate's sign strategy, shape (n_origins, n_candidates).

        The net return, fraction of capital, of :meth:`candidate_trading` compounded from
        each origin's close to the next origin's (the last origin: to the last forecast
        date): ``E[o_(i+1)] / E[o_i] - 1`` with ``E`` the candidate's equity curve. For a
        price that is ``p_i (P_(i+1) / P_i - 1)`` when origins are one observation apart
        and costs are 0, with ``p_i = sign(forecast - last price)``; for a yield it is the
        return of the bond of modified duration ``duration`` (carry minus duration times
        the yield change, see :mod:`tickcast.backtest.trading`). Only origins where every
        candidate has a forecast are kept.

        Parameters are those of :meth:`candidate_trading`.

        Raises
        ------
        ConfigError
            For a yield without ``duration``: a yield's relative change is not a return.
        """
        trade = self.candidate_trading(
            duration=duration, cost_bps=cost_bps, allow_short=allow_short, kind=kind
        )
        return self._pnl_of(trade)

    def _pnl_of(self, trade: Any) -> pd.DataFrame:
        """Per-origin P&L of the candidates from their :meth:`candidate_trading` result."""
        labels = self.candidate_labels
        pnl = _origin_returns(trade, labels)
        fc = self.candidates.forecasts
        have = (
            fc[fc["model"].isin(labels)]
            .groupby(["origin", "model"])
            .size()
            .unstack("model")
            .reindex(index=pnl.index, columns=labels)
        )
        return pnl.where(have.notna()).dropna()

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
    def pbo(
        self,
        n_splits: int = 16,
        *,
        metric: str = "loss",
        duration: float | None = None,
        cost_bps: float = 0.0,
        allow_short: bool = True,
    ) -> PBOResult:
        """Probability of backtest overfitting of choosing among the candidates (CSCV).

        Parameters
        ----------
        n_splits : int, default 16
            Even number of contiguous groups of outer origins (Bailey et al. use 16).
        metric : {"loss", "pnl"}, default "loss"
            "loss": the per-origin losses of :meth:`candidate_losses` (performance = minus
            the mean loss); "pnl": the per-origin P&L of :meth:`candidate_pnl`
            (performance = its Sharpe ratio).
        duration, cost_bps, allow_short : optional
            Trading options of the P&L (:meth:`candidate_trading`), ``metric="pnl"`` only;
            ``duration`` (years) is required for a yield.

        Returns
        -------
        PBOResult
            See :func:`tickcast.tuning.pbo.cscv_pbo`.

        Raises
        ------
        ConfigError
            ``metric="pnl"`` on a yield without ``duration``, or ``duration`` with
            ``metric="loss"``.
        """
        check_one_of("metric", metric, ("loss", "pnl"))
        if metric == "loss":
            if duration is not None:
                raise ConfigError(
                    f"`duration` only applies to metric='pnl' (the P&L of a bond traded on a "
                    f"yield); got duration={duration!r} with metric='loss'. Drop duration."
                )
            values = self.candidate_losses()
        else:
            values = self.candidate_pnl(
                duration=duration, cost_bps=cost_bps, allow_short=allow_short
            )
        return cscv_pbo(values.to_numpy(), n_splits=n_splits, metric=metric)

    def deflated_sharpe(
        self,
        *,
        duration: float | None = None,
        cost_bps: float = 0.0,
        allow_short: bool = True,
    ) -> pd.Series:
        """Deflated Sharpe ratio of the candidate with the best Sharpe ratio of its P&L.

        The per-origin P&L of :meth:`candidate_pnl` (trading options as there; ``duration``
        in years is required for a yield); the best candidate's (non-annualised)
        Sharpe ratio is deflated for the number of candidates tried and the spread of their
        Sharpe ratios, its skewness and kurtosis (Bailey & López de Prado 2014), through
        :func:`tickcast.backtest.trading.deflated_sharpe_ratio`.

        Returns
        -------
        pd.Series
            ``candidate``, ``sharpe`` (per origin), ``n_obs``, ``n_trials``,
            ``sharpe_std_across_trials``, ``skew``, ``kurtosis`` (non-excess),
            ``deflated_sharpe`` (what ``deflated_sharpe_ratio`` returns), ``long_share``
            (share of those origins at which the best candidate went long) and
            ``buy_and_hold_sharpe`` (per-origin Sharpe ratio of being long at every one of
            them, the same holding periods and costs): a Sharpe ratio is measured against
            zero, so a candidate that is nearly always long in a rising market scores
            about what buy-and-hold does without any forecast.
        """
        from scipy import stats

        from tickcast.backtest.trading import BUY_AND_HOLD, deflated_sharpe_ratio

        trade = self.candidate_trading(
            duration=duration, cost_bps=cost_bps, allow_short=allow_short
        )
        pnl = self._pnl_of(trade)
        sd = pnl.std(ddof=1)
        sharpe = (pnl.mean() / sd).where(sd > 0, 0.0)
        best = str(sharpe.idxmax())
        r = pnl[best].to_numpy()
        skew = float(stats.skew(r)) if np.std(r) > 0 else 0.0
        kurt = float(stats.kurtosis(r, fisher=False)) if np.std(r) > 0 else 3.0
        decisions = trade.decisions[best].reindex(pnl.index).to_numpy()
        hold = _origin_returns(trade, [BUY_AND_HOLD])[BUY_AND_HOLD].reindex(pnl.index).to_numpy()
        hold_sd = float(np.std(hold, ddof=1))
        hold_sharpe = float(np.mean(hold) / hold_sd) if hold_sd > 0 else 0.0
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
                "long_share": float(np.mean(decisions > 0)),
                "buy_and_hold_sharpe": hold_sharpe,
            },
            name="deflated_sharpe",
        )


def _origin_returns(trade: Any, columns: list[str]) -> pd.DataFrame:
    """Net return per origin of a TradingResult's columns, shape (n_origins, len(columns)).

    The daily net returns compounded over each holding period, ``prod(1 + r_t) - 1`` over the
    days from the origin (exclusive) to the next origin (inclusive; the last origin: to the
    last date); a one-day period is its day's return itself. Computed per period from that
    period's returns only, so two candidates that held the same positions in a period get
    exactly the same value (CSCV's tie rules then apply).
    """
    returns = trade.returns[columns]
    origins = pd.DatetimeIndex(trade.decisions.index)
    ns_origins = origins.as_unit("ns").asi8
    ns_days = pd.DatetimeIndex(returns.index).as_unit("ns").asi8
    holder = np.searchsorted(ns_origins, ns_days, side="left") - 1  # origin index per day
    starts = np.flatnonzero(np.r_[True, holder[1:] != holder[:-1]])
    r = returns.to_numpy()
    compounded = np.multiply.reduceat(1.0 + r, starts, axis=0) - 1.0
    single = np.diff(np.r_[starts, len(r)]) == 1
    compounded[single] = r[starts[single]]
    out = pd.DataFrame(compounded, index=origins[holder[starts]], columns=columns)
    out.index.name = "origin"
    return out.reindex(origins)
