"""Subcommands of the ``tickcast`` command line beyond ``data``: forecast, backtest, demo."""
