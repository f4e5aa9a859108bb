"""Network specs that fall back to bundled data: exit 3 with the last date unless --allow-stale.

tests/conftest.py sets TICKCAST_OFFLINE=1 and blocks sockets, so every Yahoo/FRED fetch fails
and ``tc.load`` falls back to the bundled snapshot with a FallbackWarning.
"""

import pytest

import tickcast as tc
from tickcast.cli import main

_CASES = {
    "forecast": ["forecast", "DB", "--horizon", "2"],
    "forecast-fred": ["forecast", "fred:DGS10", "--horizon", "2"],
    "backtest": ["backtest", "DB", "--models", "naive", "--initial", "5900", "--step", "50"],
    "download": ["data", "download", "fred:DGS10", "--start", "2020-12-01"],
}
_BUNDLED = {"DB": "dbk", "fred:DGS10": "dgs10"}


def _last_date(argv):
    spec = next(a for a in argv if a in _BUNDLED)
    return tc.load(_BUNDLED[spec]).index[-1].date()


@pytest.mark.parametrize("case", list(_CASES))
def test_fallback_is_exit_3_naming_the_last_date(case, capsys):
    argv = _CASES[case]
    assert main(argv) == 3
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("tickcast: error: stale data:") and err.count("\n") == 1, err
    assert f"Its last date is {_last_date(argv)}" in err and "--allow-stale" in err
    assert "Traceback" not in err
    assert captured.out == ""  # nothing forecast or written from stale data


@pytest.mark.parametrize("case", list(_CASES))
def test_allow_stale_runs_and_warns_with_the_last_date(case, capsys):
    argv = _CASES[case]
    assert main([*argv, "--allow-stale"]) == 0
    captured = capsys.readouterr()
    assert "tickcast: warning: stale data (--allow-stale)" in captured.err
    assert f"Its last date is {_last_date(argv)}" in captured.err
    assert captured.out


def test_stale_cache_fallback_is_also_exit_3(capsys, monkeypatch):
    import pandas as pd

    from tickcast.data import cache

    frame = tc.load("dbk", field=None, end="2019-06-28")
    entry = cache.Entry(
        frame=frame,
        fetched=pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30),
        meta={"kind": "price", "units": "USD"},
    )
    assert not entry.fresh
    monkeypatch.setattr(cache, "read", lambda key: entry)
    assert main(["forecast", "DB", "--horizon", "2"]) == 3
    err = capsys.readouterr().err
    assert "cached copy" in err and "Its last date is 2019-06-28" in err
    assert main(["forecast", "DB", "--horizon", "2", "--allow-stale"]) == 0
    assert "on 2019-06-28" in capsys.readouterr().out


def test_bundled_names_and_explicit_bundled_source_are_not_stale(capsys):
    assert main(["forecast", "dbk", "--horizon", "2"]) == 0
    assert main(["forecast", "DB", "--source", "bundled", "--horizon", "2"]) == 0
    assert "stale" not in capsys.readouterr().err
