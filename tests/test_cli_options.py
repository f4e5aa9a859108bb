"""`tickcast forecast` and `tickcast backtest` options: --source, --field, --start/--end,
--order, --seed and --level (offline; the network is blocked by tests/conftest.py)."""

import pandas as pd
import pytest

import tickcast as tc
from tickcast.cli import main

_BACKTEST = ["--initial", "300", "--step", "50", "--horizon", "2", "--start", "2018-01-01"]


@pytest.mark.parametrize("level", ["0.95", "1", "0.8,95"])
@pytest.mark.parametrize("command", ["forecast", "backtest"])
def test_level_as_probability_is_one_line_usage_error(command, level, capsys):
    assert main([command, "dbk", "--level", level]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `--level` is in percent") and err.count("\n") == 1
    assert "did you mean" in err and "Traceback" not in err
    if level == "0.95":
        assert "did you mean 95?" in err


def test_level_not_a_number_is_usage_error(capsys):
    assert main(["forecast", "dbk", "--level", "80,abc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `--level` must be numbers in percent")
    assert err.count("\n") == 1


@pytest.mark.parametrize("level", ["100", "-5", "95,150"])
def test_level_out_of_range_is_an_error(level, capsys):
    assert main(["backtest", "dbk", "--level", level]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `level` must lie strictly between 0 and 100")


def test_forecast_levels_repeat_or_comma_separated(capsys):
    argv = ["forecast", "dbk", "--horizon", "3"]
    assert main([*argv, "--level", "50,90", "--level", "99"]) == 0
    out = capsys.readouterr().out
    for lvl in (50, 90, 99):
        assert f"lower_{lvl}" in out and f"upper_{lvl}" in out
    assert "lower_80" not in out and "lower_95" not in out


def test_forecast_field_start_end(capsys):
    code = main(
        ["forecast", "dbk", "--field", "open", "--start", "2015-01-01", "--end", "2016-06-30"]
    )
    assert code == 0
    out = capsys.readouterr().out
    y = tc.load("dbk", field="open", start="2015-01-01", end="2016-06-30")
    close = tc.load("dbk", start="2015-01-01", end="2016-06-30")
    assert y.iloc[-1] != close.iloc[-1]  # the test can tell the fields apart
    assert f"last {y.iloc[-1]:.4g}" in out and f"on {y.index[-1].date()}" in out
    assert f"estimation window: {y.index[0].date()} to {y.index[-1].date()}" in out


def test_source_cache_with_empty_cache_is_an_error(capsys):
    for argv in (["forecast", "DBK.DE"], ["backtest", "DBK.DE", "--models", "naive"]):
        assert main([*argv, "--source", "cache"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("tickcast: error: nothing is cached"), err


def test_source_bundled_uses_the_snapshot(capsys):
    assert main(["forecast", "dbk", "--source", "bundled", "--horizon", "2"]) == 0
    y = tc.load("dbk", source="bundled")
    assert f"on {y.index[-1].date()}" in capsys.readouterr().out


def test_order_fixes_the_arima_order(capsys):
    argv = ["forecast", "dgs10", "--model", "arima", "--window", "2Y", "--horizon", "2"]
    assert main([*argv, "--order", "0,1,1"]) == 0
    assert "chosen order (0, 1, 1)" in capsys.readouterr().out


@pytest.mark.parametrize("order", ["1,1", "a,b,c", "1,-1,0"])
def test_bad_order_is_an_error(order, capsys):
    assert main(["forecast", "dgs10", "--model", "arima", "--order", order]) == 1
    assert "`--order` must be three non-negative integers" in capsys.readouterr().err


def test_order_on_a_model_other_than_arima_is_an_error(capsys):
    assert main(["forecast", "dbk", "--model", "naive", "--order", "1,1,1"]) == 1
    err = capsys.readouterr().err
    assert "`--order` is an ARIMA option" in err and "'naive'" in err
    assert main(["backtest", "dbk", "--models", "arima,linear", "--order", "1,1,1"]) == 1
    assert "'linear'" in capsys.readouterr().err


def test_seed_reaches_the_model(capsys):
    assert main(["forecast", "dbk", "--model", "naive", "--horizon", "2", "--seed", "7"]) == 0
    assert "seed=7" in capsys.readouterr().out


def test_backtest_options_reach_the_backtest(tmp_path, capsys):
    out_dir = tmp_path / "rep"
    argv = ["backtest", "dgs10", "--models", "arima", "--order", "0,1,0", *_BACKTEST]
    argv += ["--end", "2019-12-31", "--level", "50", "--field", "value", "--out", str(out_dir)]
    assert main(argv) == 0
    fc = pd.read_csv(out_dir / "forecasts.csv", parse_dates=["origin"])
    assert {"lower_50", "upper_50"} <= set(fc.columns)
    assert "lower_80" not in fc.columns
    assert fc["origin"].max() <= pd.Timestamp("2019-12-31")
    assert fc["origin"].min() >= pd.Timestamp("2018-01-01")
    # ARIMA(0,1,0) without drift forecasts the last value: the naive forecast
    y = tc.load("dgs10", start="2018-01-01", end="2019-12-31")
    first = fc[fc["origin"] == fc["origin"].min()]
    assert first["mean"].to_numpy() == pytest.approx(y.loc[first["origin"].iloc[0]], abs=1e-6)


class _Terminal:
    """A stderr that says it is a terminal (tqdm shows its bar only on one)."""

    def __init__(self, tty):
        import io

        self.buffer, self.tty = io.StringIO(), tty

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass

    def isatty(self):
        return self.tty


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
def test_rnn_training_shows_a_progress_bar_on_a_terminal_only(tty, monkeypatch):
    import sys

    err = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", err)
    argv = ["forecast", "dgs10", "--model", "lstm", "--window", "1Y", "--horizon", "2"]
    argv += ["--epochs", "2", "--hidden", "2", "--lookback", "5"]
    assert main(argv) == 0
    shown = err.buffer.getvalue()
    assert ("training" in shown and "epoch" in shown) is tty, shown


def test_backtest_interval_method_aci_reaches_the_conformal_models(tmp_path, capsys):
    """--interval-method aci: Linear's intervals differ from the conformal run (same point
    forecasts); a run with no conformal model is a one-line error."""
    argv = ["backtest", "dgs10", "--models", "naive,linear", "--step", "5", "--horizon", "2"]
    argv += ["--initial", "300", "--start", "2016-01-01", "--end", "2019-12-31", "--level", "80"]
    argv += ["--field", "value", "--volatility", "constant"]
    frames = {}
    for method in ("conformal", "aci"):
        out_dir = tmp_path / method
        assert main([*argv, "--interval-method", method, "--out", str(out_dir)]) == 0
        frames[method] = pd.read_csv(out_dir / "forecasts.csv")
    a, b = (f[f["model"] == "linear"] for f in (frames["conformal"], frames["aci"]))
    assert a["mean"].to_numpy() == pytest.approx(b["mean"].to_numpy())
    assert not (a["upper_80"].to_numpy() == pytest.approx(b["upper_80"].to_numpy()))
    na, nb = (f[f["model"] == "naive"] for f in (frames["conformal"], frames["aci"]))
    assert na["upper_80"].to_numpy() == pytest.approx(nb["upper_80"].to_numpy())
    capsys.readouterr()
    assert main(["backtest", "dgs10", "--models", "naive", "--interval-method", "aci"]) == 1
    err = capsys.readouterr().err
    assert "`--interval-method` applies to the conformal models" in err and err.count("\n") == 1
