"""`tickcast forecast`, `tickcast backtest` and `tickcast demo` through cli.main (offline)."""

import pytest

from tickcast.cli import main


def test_forecast_naive_with_barrier_probability(capsys, tmp_path):
    png = tmp_path / "fan.png"
    code = main(
        [
            "forecast",
            "dbk",
            "--model",
            "naive",
            "--horizon",
            "10",
            "--prob-below",
            "5",
            "--paths",
            "500",
            "--plot",
            str(png),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "lower_95" in out and "upper_80" in out
    assert "P(touches below 5 within 10 steps)" in out
    assert png.stat().st_size > 1000


def test_forecast_unknown_model_is_one_line_error(capsys):
    assert main(["forecast", "dbk", "--model", "prophet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `model` must be one of") and "Traceback" not in err


def test_forecast_bad_horizon(capsys):
    assert main(["forecast", "dbk", "--horizon", "0"]) == 1
    assert "`horizon` must be an integer >= 1" in capsys.readouterr().err


def test_backtest_writes_report(capsys, tmp_path):
    out_dir = tmp_path / "rep"
    code = main(
        [
            "backtest",
            "dgs10",
            "--models",
            "naive,drift",
            "--start",
            "2018-01-01",
            "--initial",
            "400",
            "--step",
            "20",
            "--horizon",
            "3",
            "--out",
            str(out_dir),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "dm_pvalue" in out and "drift" in out
    for name in ("report.html", "metrics.csv", "forecasts.csv", "summary.md", "errors.png"):
        assert (out_dir / name).exists(), name


def test_demo_runs_end_to_end_on_small_settings(capsys, tmp_path, monkeypatch):
    from tickcast.commands import demo

    small = dict(demo.DEMO_SETTINGS, last=360, initial=300, step=20, refit_every=2)
    small["model_params"] = dict(small["model_params"])
    small["model_params"]["lstm"] = dict(small["model_params"]["lstm"], epochs=2, hidden=4)
    monkeypatch.setattr(demo, "DEMO_SETTINGS", small)
    assert main(["demo", "--out", str(tmp_path / "demo"), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    for model in ("naive", "linear", "arima", "lstm"):
        assert model in out
    assert "dm_pvalue" in out
    assert (tmp_path / "demo" / "report.html").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["backtest", "dbk", "--models", "naive,nope"],
        ["backtest", "dbk", "--models", "naive", "--initial", "999999"],
        ["backtest", "dbk", "--models", "naive", "--step", "0"],
    ],
)
def test_backtest_bad_input(argv, capsys):
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith("tickcast: error:")
