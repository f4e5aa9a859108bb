"""`tickcast tune`: the nested report from the command line."""

from __future__ import annotations

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
