"""tickcast.backtest."""
