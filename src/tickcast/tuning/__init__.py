"""Honest model selection: nested walk-forward tuning and the probability of backtest overfitting.

* :func:`tune`: choose hyperparameters per outer refit block by an inner walk-forward on past
  data only, and report the nested score beside the optimistic one;
* :class:`Tuned`: the same selection as a forecaster, usable in :func:`tickcast.backtest`;
* :func:`cscv_pbo`: probability of backtest overfitting by combinatorially symmetric
  cross-validation (Bailey, Borwein, López de Prado & Zhu 2017).
"""

from tickcast.tuning.pbo import PBOResult, cscv_pbo
from tickcast.tuning.result import TuneResult
from tickcast.tuning.tune import tune
from tickcast.tuning.tuned import Tuned

__all__ = ["PBOResult", "TuneResult", "Tuned", "cscv_pbo", "tune"]
