"""`tickcast forecast`, `tickcast backtest` and `tickcast demo` through cli.main (offline)."""

import numpy as np
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
    assert "`horizon` must be a positive integer" in capsys.readouterr().err


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


def _forecast(capsys, *argv):
    assert main(["forecast", "dgs10", "--model", "naive", *argv]) == 0
    return capsys.readouterr().out


def _prob(out: str) -> float:
    line = next(x for x in out.splitlines() if x.startswith("P(touches below 0"))
    return float(line.split("=")[1].split()[0])


def test_forecast_default_window_is_ten_years_and_is_printed(capsys):
    """DGS10 naive, P(below 0 within 252 days): 0.20 on ten years, 0.34 on 1962-2021.

    Checked against the reflection principle for a driftless random walk with the window's
    daily-change volatility, with the Broadie-Glasserman-Kou shift for daily monitoring:
    P = 2 Phi(-(x0 + 0.5826 s) / (s sqrt(h))) (scipy), within Monte Carlo error.
    """
    from scipy.stats import norm

    import tickcast as tc
    from tickcast.data.loader import last_window

    # constant volatility: the closed form below assumes one sigma per window
    argv = ("--horizon", "252", "--prob-below", "0", "--paths", "4000", "--volatility", "constant")
    out = _forecast(capsys, *argv)
    assert (
        "estimation window: 2011-01-05 to 2021-01-04, 2,500 observations (default --window 10Y"
        in out
    )
    assert "settings: kind rate, target diff; parameters: kind=None, seed=0, target=None" in out
    p_default = _prob(out)
    p_all = _prob(_forecast(capsys, *argv, "--window", "all"))
    for window, p in (("10Y", p_default), ("all", p_all)):
        y = last_window(tc.load("dgs10"), window).to_numpy()
        s = np.std(np.diff(y), ddof=1)
        closed = 2 * norm.cdf(-(y[-1] + 0.5826 * s) / (s * np.sqrt(252)))
        assert abs(p - closed) < 4 * np.sqrt(closed * (1 - closed) / 4000) + 0.01, window
    assert p_default < 0.25 < p_all  # 0.198 and 0.337 with seed 0


def test_forecast_sqrt_target_puts_the_root_walk_s_chance_on_a_negative_yield(capsys):
    """--target sqrt_diff: the walk is on sqrt(y), which reaches 0 far more rarely.

    Same closed form as above on the root scale (reflection principle with the BGK shift);
    the level-independent default gives about 0.20 on the same window.
    """
    from scipy.stats import norm

    import tickcast as tc
    from tickcast.data.loader import last_window

    argv = ("--horizon", "252", "--prob-below", "0", "--paths", "20000")
    out = _forecast(capsys, *argv, "--volatility", "constant", "--target", "sqrt_diff")
    assert "settings: kind rate, target sqrt_diff;" in out and "target='sqrt_diff'" in out
    p = _prob(out)
    root = np.sqrt(last_window(tc.load("dgs10"), "10Y").to_numpy())
    s = np.std(np.diff(root), ddof=1)
    closed = 2 * norm.cdf(-(root[-1] + 0.5826 * s) / (s * np.sqrt(252)))
    assert closed < 0.01 and abs(p - closed) < 4 * np.sqrt(closed / 20000) + 1e-3


def test_forecast_notes_negative_bounds_of_a_rate_that_never_was_negative(capsys):
    out = _forecast(capsys, "--horizon", "252", "--every", "63")
    lower_95 = [float(row.split()[4]) for row in out.splitlines() if row.startswith("20")]
    assert min(lower_95) < 0 and "note: lower bounds go below 0 from" in out
    assert "--target sqrt_diff" in out
    assert "note:" not in _forecast(capsys, "--horizon", "252", "--target", "sqrt_diff")
    assert "note:" not in _forecast(capsys, "--horizon", "5")  # bounds stay above 0


def test_forecast_start_replaces_the_window_and_arima_prints_its_order(capsys):
    from pathlib import Path

    out = _forecast(capsys, "--start", "2020-06-01", "--horizon", "3")
    raw = (Path(__file__).resolve().parents[1] / "data" / "fred_DGS10.csv").read_text()
    n = sum(r >= "2020-06-01" and not r.endswith(",.") for r in raw.splitlines()[1:])  # '.': NA
    assert f"estimation window: 2020-06-01 to 2021-01-04, {n} observations (from --start" in out
    assert main(["forecast", "dgs10", "--model", "arima", "--window", "6M", "--horizon", "3"]) == 0
    out = capsys.readouterr().out
    assert "estimation window: 2020-07-06 to 2021-01-04" in out
    assert "chosen order (" in out and "seasonal order (0, 0, 0, 0), trend" in out


def test_forecast_kind_option_overrides_the_source(capsys):
    out = _forecast(capsys, "--kind", "price", "--horizon", "3")
    assert "settings: kind price, target log_return" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--window", "ten years"], "`window` must be a period"),
        (["--window", "0Y"], "`window` must be a period"),
        (["--window", "2Y", "--start", "2020-01-01"], "give either --start or --window"),
    ],
)
def test_forecast_bad_window(argv, message, capsys):
    assert main(["forecast", "dgs10", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
