"""`tickcast tune`: the nested report from the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickcast.cli import main
from tickcast.commands.tune import parse_param
from tickcast.errors import ConfigError


def test_parse_param():
    assert parse_param("lags=5,10, 20") == ("lags", [5, 10, 20])
    assert parse_param("alpha=0.1,1") == ("alpha", [0.1, 1])
    assert parse_param("order=0:1:0,1:1:1") == ("order", [(0, 1, 0), (1, 1, 1)])
    assert parse_param("optimizer=adam,bb") == ("optimizer", ["adam", "bb"])
    assert parse_param("lr=none,0.01") == ("lr", [None, 0.01])
    for bad in ("lags", "lags=", "=5", "lags=,"):
        with pytest.raises(ConfigError, match="NAME=V1,V2"):
            parse_param(bad)


def test_tune_writes_the_backtest_report_and_the_selection(tmp_path, capsys):
    out = tmp_path / "rep"
    argv = ["tune", "dgs10", "--start", "2020-01-01", "--model", "linear",
            "--param", "lags=1,5,20", "--param", "alpha=0.1,10", "--horizon", "1",
            "--step", "5", "--initial", "150", "--refit-every", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "6 candidates" in text and "optimistic" in text and "overfitting" in text
    for name in ("report.html", "metrics.csv", "forecasts.csv", "chosen_params.csv",
                 "inner_scores.csv", "optimism.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    opt = pd.read_csv(out / "optimism.csv", index_col=0)
    assert list(opt.index[:2]) == ["nested", "optimistic"]
    assert set(pd.read_csv(out / "forecasts.csv")["model"]) == {"naive", "tuned_linear"}


def test_tune_bad_param_is_one_error_line(capsys):
    assert main(["tune", "dgs10", "--param", "lag=1,2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error:") and "not a parameter" in err
    assert main(["tune", "dgs10"]) == 1
    assert "--param" in capsys.readouterr().err


# the shared options of forecast/backtest, through the entry point (offline: bundled data)
_SMALL = ["--horizon", "1", "--step", "5", "--initial", "150", "--refit-every", "4"]


def _tune(argv, capsys):
    code = main(["tune", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_duration_gives_the_bond_pnl_views_of_the_library(capsys):
    import tickcast as tc

    argv = ["dgs10", "--start", "2020-01-01", "--param", "lags=1,5,20", *_SMALL]
    code, text, _ = _tune(argv, capsys)
    assert code == 0
    assert "not computed (dgs10 is a yield; pass --duration D" in text
    assert "deflated Sharpe ratio of" not in text
    code, text, _ = _tune([*argv, "--duration", "8.5", "--pbo-splits", "4"], capsys)
    assert code == 0
    y = tc.load("dgs10", start="2020-01-01")
    sp = tc.WalkForward(initial=150, step=5, horizon=1, refit_every=4)
    res = tc.tune(tc.LinearForecaster(horizon=1), {"lags": [1, 5, 20]}, y, splitter=sp)
    pbo = res.pbo(4, metric="pnl", duration=8.5).pbo
    dsr = res.deflated_sharpe(duration=8.5)
    assert f"P&L, no costs, bond of duration 8.5 years): {pbo:.3f}" in text
    assert f"({dsr['candidate']}, 3 trials): {dsr['deflated_sharpe']:.3f}" in text
    assert f"buy-and-hold's Sharpe {dsr['buy_and_hold_sharpe']:.4f}" in text


def test_prices_get_the_pnl_views_without_duration(capsys):
    argv = ["dbk", "--start", "2019-01-01", "--param", "lags=1,2", *_SMALL, "--pbo-splits", "4"]
    code, text, _ = _tune(argv, capsys)
    assert code == 0
    assert "sign-strategy P&L, no costs):" in text and "deflated Sharpe ratio of" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dbk", "--param", "lags=1,2", "--duration", "8.5"], "only applies to yields"),
        (["no_such_file.csv", "--param", "lags=1", "--duration", "-1"], "positive number"),
        (["dgs10", "--param", "lags=1", "--order", "1,1,0"], "ARIMA option"),
        (
            ["dgs10", "--model", "arima", "--param", "order=0:1:0", "--order", "1,1,0"],
            "not both",
        ),
        (["dgs10", "--param", "lags=1", "--level", "150"], "between 0 and 100"),
    ],
)
def test_bad_shared_options_are_one_error_line(argv, message, capsys):
    code, _, err = _tune(argv, capsys)
    assert code == 1 and err.startswith("tickcast: error:") and message in err, err
    assert err.count("\n") == 1


def test_level_as_probability_and_missing_out_folder_are_usage_errors(tmp_path, capsys):
    code, _, err = _tune(["dgs10", "--param", "lags=1", "--level", "0.9"], capsys)
    assert code == 2 and "did you mean 90?" in err
    missing = tmp_path / "nope" / "rep"
    code, _, err = _tune(["dgs10", "--param", "lags=1", "--out", str(missing)], capsys)
    assert code == 2 and "does not exist" in err and not missing.parent.exists()


def test_field_source_end_level_and_volatility_reach_the_tuning(tmp_path, capsys):
    import tickcast as tc

    out = tmp_path / "rep"
    argv = ["dbk", "--source", "bundled", "--field", "open", "--start", "2018-06-01",
            "--end", "2019-12-31", "--param", "lags=1,2", *_SMALL, "--level", "90",
            "--volatility", "constant", "--out", str(out)]  # fmt: skip
    code, _, _ = _tune(argv, capsys)
    assert code == 0
    fc = pd.read_csv(out / "forecasts.csv", parse_dates=["origin", "date"])
    y = tc.load("dbk", field="open", start="2018-06-01", end="2019-12-31")
    assert fc["date"].max() <= pd.Timestamp("2019-12-31")
    last = fc.drop_duplicates("origin").set_index("origin")["y_last"]
    assert not y.equals(tc.load("dbk", start="2018-06-01", end="2019-12-31"))  # fields differ
    pd.testing.assert_series_equal(last, y.loc[last.index], check_names=False)
    assert {"lower_90", "upper_90"} <= set(fc.columns) and "lower_80" not in fc.columns
    # the same numbers as the library with the same options (the volatility moves the bounds)
    sp = tc.WalkForward(initial=150, step=5, horizon=1, refit_every=4)
    kw = {"splitter": sp, "level": 90}
    for vol in ("constant", "ewma"):
        model = tc.LinearForecaster(horizon=1, volatility=vol, seed=0)
        lib = tc.tune(model, {"lags": [1, 2]}, y, **kw).forecasts
        lib = lib[lib["model"] == "tuned_linear"]
        mine = fc[fc["model"] == "tuned_linear"]
        np.testing.assert_allclose(mine["mean"], lib["mean"], rtol=1e-12)
        same = np.allclose(mine["lower_90"], lib["lower_90"], rtol=1e-12)
        assert same == (vol == "constant"), vol


def test_seed_reaches_the_model(tmp_path, capsys):
    def run(seed, name):
        out = tmp_path / name
        argv = ["dgs10", "--start", "2020-01-01", "--model", "rnn", "--hidden", "2",
                "--epochs", "1", "--param", "lookback=3,5", *_SMALL, "--level", "80",
                "--seed", str(seed), "--out", str(out)]  # fmt: skip
        assert _tune(argv, capsys)[0] == 0
        return pd.read_csv(out / "forecasts.csv")["mean"].to_numpy()

    a, b, c = run(1, "a"), run(1, "b"), run(2, "c")
    assert (a == b).all() and not (a == c).all()


def test_target_reaches_the_tuning(tmp_path, capsys):
    import tickcast as tc

    out = tmp_path / "rep"
    argv = ["dgs10", "--source", "bundled", "--start", "2019-01-01", "--param", "lags=1,2",
            *_SMALL, "--level", "90", "--target", "sqrt_diff", "--out", str(out)]  # fmt: skip
    assert _tune(argv, capsys)[0] == 0
    mine = pd.read_csv(out / "forecasts.csv")
    mine = mine[mine["model"] == "tuned_linear"]
    y = tc.load("dgs10", source="bundled", start="2019-01-01")
    kw = {"splitter": tc.WalkForward(initial=150, step=5, horizon=1, refit_every=4), "level": 90}
    for target in ("sqrt_diff", "diff"):
        model = tc.LinearForecaster(horizon=1, target=target, seed=0)
        lib = tc.tune(model, {"lags": [1, 2]}, y, **kw).forecasts
        lib = lib[lib["model"] == "tuned_linear"]
        same = np.allclose(mine["lower_90"], lib["lower_90"], rtol=1e-12)
        assert same == (target == "sqrt_diff"), target
