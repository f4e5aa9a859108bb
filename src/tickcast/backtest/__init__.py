"""Walk-forward backtests: splitters, the engine, metrics, significance tests, trading, reports."""

from tickcast.backtest.engine import backtest
from tickcast.backtest.result import BacktestResult
from tickcast.backtest.significance import diebold_mariano, dm_table
from tickcast.backtest.splitters import Fold, WalkForward

__all__ = ["BacktestResult", "Fold", "WalkForward", "backtest", "diebold_mariano", "dm_table"]
