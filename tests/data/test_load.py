"""tc.load options, spec resolution, and every rejected input (offline: bundled data only)."""

from __future__ import annotations

import pandas as pd
import pytest

import tickcast as tc
from tickcast.data.spec import resolve
from tickcast.errors import ConfigError, DataError, FallbackWarning, InputTypeError


def test_start_end_are_inclusive():
    y = tc.load("sp500", "2018-12-24", "2018-12-31")
    assert y.index[0] == pd.Timestamp("2018-12-24") and y.index[-1] == pd.Timestamp("2018-12-31")
    assert len(y) == 5  # Christmas closed
    ts = tc.load("sp500", pd.Timestamp("2018-12-24", tz="UTC"), pd.Timestamp("2018-12-31").date())
    pd.testing.assert_series_equal(ts, y)


def test_field_none_returns_all_fields_as_float64():
    frame = tc.load("dbk", "2020-12-01", field=None)
    assert isinstance(frame, pd.DataFrame)
    assert (frame.dtypes == "float64").all()
    assert frame.attrs["kind"] == "price"
    assert frame.loc["2020-12-31", "close"] == pytest.approx(10.9)


def test_freq_takes_the_last_value_per_period():
    daily = tc.load("dgs10", "2020-01-01", "2020-12-31")
    monthly = tc.load("dgs10", "2020-01-01", "2020-12-31", freq="M")
    assert len(monthly) == 12
    assert monthly.loc["2020-12-31"] == daily.iloc[-1]
    assert monthly.loc["2020-03-31"] == daily.loc["2020-03"].iloc[-1]
    assert monthly.attrs["kind"] == "rate"
    weekly = tc.load("dbk", "2020-12-01", "2020-12-31", freq="W-FRI")
    # each bar is dated on its week's last observation: Christmas week ends Thursday 24th
    days = tc.load("dbk", "2020-12-01", "2020-12-31").index
    last_days = days.to_series().groupby(days.to_period("W-FRI")).max()
    assert list(weekly.index) == list(last_days)
    assert weekly.index[-2] == pd.Timestamp("2020-12-24")


@pytest.mark.parametrize(
    ("spec", "provider", "ident", "name", "snapshot"),
    [
        ("dbk", "bundled", "dbk", "dbk", "dbk"),
        ("DB", "yahoo", "DB", "DB", "dbk"),  # the NYSE listing the snapshot is of
        ("DBK.DE", "yahoo", "DBK.DE", "DBK.DE", None),  # Xetra, EUR: not the snapshot
        ("dbk.de", "yahoo", "DBK.DE", "DBK.DE", None),
        ("MSFT", "yahoo", "MSFT", "MSFT", "msft"),  # upper case: the live ticker
        ("^gspc", "yahoo", "^GSPC", "^GSPC", "sp500"),
        ("^TNX", "yahoo", "^TNX", "^TNX", "dgs10"),
        ("fred:dgs10", "fred", "DGS10", "fred:DGS10", "dgs10"),
        ("fred:DCOILWTICO", "fred", "DCOILWTICO", "fred:DCOILWTICO", "wti"),
        (
            "ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV",
            "ecb",
            "FM/D.U2.EUR.4F.KR.MRR_FR.LEV",
            "ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV",
            None,
        ),
        ("yahoo:sap.de", "yahoo", "SAP.DE", "SAP.DE", None),
        ("AAPL", "yahoo", "AAPL", "AAPL", None),
        ("csv:~/x.csv", "csv", None, "x", None),
        ("data/prices.csv", "csv", "data/prices.csv", "prices", None),
    ],
)
def test_resolve(spec, provider, ident, name, snapshot):
    target = resolve(spec)
    assert target.provider == provider and target.name == name
    if ident is not None:
        assert target.ident == ident
    assert (target.dataset.name if target.dataset else None) == snapshot


def test_offline_aliases_fall_back_with_a_warning():
    # tests run with TICKCAST_OFFLINE=1 (tests/conftest.py)
    with pytest.warns(FallbackWarning, match=r"'\^GSPC'.*bundled snapshot 'sp500'"):
        y = tc.load("^GSPC", "2018-12-31", "2018-12-31")
    assert y.iloc[0] == pytest.approx(2506.850098)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("sp5000",), {}, DataError, r"unknown dataset 'sp5000'; did you mean 'sp500'\?"),
        (("dgs1o",), {}, DataError, "did you mean 'dgs10'"),
        (("ZZZNOTREAL",), {}, DataError, r"'ZZZNOTREAL'.*TICKCAST_OFFLINE.*not a bundled dataset"),
        ((42,), {}, InputTypeError, "`spec` must be a string"),
        (("",), {}, ConfigError, "`spec` must not be empty"),
        (("foo:bar",), {}, ConfigError, "unknown prefix"),
        (("has space",), {}, ConfigError, "not a bundled name"),
        (("fred:DGS-10",), {}, ConfigError, "FRED series id"),
        (("dbk", "2021-01-01", "2020-01-01"), {}, ConfigError, "`start` must not be after `end`"),
        (
            ("dbk", "2030-01-01"),
            {},
            DataError,
            r"no observations between `start` and `end` \(2030-01-01 – the end\); "
            r"it covers 1996-11-18",
        ),
        (("dbk", "1990-01-01", "1990-12-31"), {}, DataError, "Choose dates inside that span"),
        (("dbk", "not-a-date"), {}, ConfigError, "`start` must be a date"),
        (("dbk",), {"field": "adj"}, ConfigError, r"`field` 'adj' is not in 'dbk'.*adj_close"),
        (("dbk",), {"field": 3}, ConfigError, "`field` must be"),
        (("dbk",), {"freq": "5min"}, ConfigError, "`freq` must be a daily or coarser"),
        (
            ("dbk",),
            {"source": "web"},
            ConfigError,
            "`source` must be one of auto, bundled, cache, network; got 'web'",
        ),
        (("dbk",), {"source": "network"}, ConfigError, r"bundled dataset.*live series is 'DB'"),
        (("dbk",), {"source": "cache"}, ConfigError, "read directly"),
        (("dbk",), {"refresh": True}, ConfigError, "`refresh` False"),
        (("dbk",), {"refresh": "yes"}, InputTypeError, "`refresh` must be True or False"),
        (("DBK.DE",), {"source": "cache", "refresh": True}, ConfigError, "contradicts"),
    ],
)
def test_invalid(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        tc.load(*args, **kwargs)


def test_errors_are_tickcast_errors_and_builtin_types():
    with pytest.raises(ValueError):
        tc.load("dbk", "2021-01-01", "2020-01-01")
    with pytest.raises(tc.errors.TickcastError):
        tc.load("sp5000")
