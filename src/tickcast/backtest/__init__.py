"""Walk-forward backtests: splitters, the engine, metrics, significance tests, trading, reports."""

from tickcast.backtest.engine import backtest
from tickcast.backtest.result import BacktestResult
from tickcast.backtest.splitters import Fold, WalkForward
from tickcast.backtest.tests import diebold_mariano, dm_table

__all__ = ["BacktestResult", "Fold", "WalkForward", "backtest", "diebold_mariano", "dm_table"]
