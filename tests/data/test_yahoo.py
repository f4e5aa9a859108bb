"""Yahoo Finance via a faked yfinance returning the exact 1.x shapes (no network)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import cache, yahoo
from tickcast.errors import DataError, FallbackWarning, NetworkError, TickcastError


def _raw(path):
    raw = pd.read_csv(path, index_col=0)
    raw.index = pd.to_datetime(raw.index.str.slice(0, 10))
    return raw


def test_tidy_history_shape_keeps_exchange_dates_and_both_closes(shapes):
    frame = shapes.history(shapes.IBE, tz="Europe/Madrid", auto_adjust=False)
    assert str(frame.index.tz) == "Europe/Madrid"  # the shape is right
    out = yahoo.tidy(frame, "IBE.MC")
    raw = _raw(shapes.IBE)
    assert list(out.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert out.index.tz is None and out.index.name == "date"
    assert out.index[0] == pd.Timestamp("2022-01-03")  # midnight Madrid, not 23:00 UTC
    np.testing.assert_array_equal(out["close"].to_numpy(), raw["Close"].to_numpy())
    np.testing.assert_array_equal(out["adj_close"].to_numpy(), raw["Adj Close"].to_numpy())
    assert (out.dtypes == np.float64).all()


def test_tidy_download_multiindex_shape(shapes):
    frame = shapes.download(shapes.CALM, "calm")
    assert frame.columns.names == ["Price", "Ticker"]  # ('Close', 'CALM'), ...
    out = yahoo.tidy(frame, "CALM")
    raw = _raw(shapes.CALM)
    assert list(out.columns) == ["open", "high", "low", "close", "volume"]  # auto-adjusted
    assert len(out) == len(raw)
    np.testing.assert_allclose(out["close"].to_numpy(), raw["Adj Close"].to_numpy(), rtol=1e-12)
    # group_by="ticker" puts the ticker level first
    swapped = frame.swaplevel(axis=1)
    swapped.columns.names = ["Ticker", "Price"]
    pd.testing.assert_frame_equal(yahoo.tidy(swapped, "CALM"), out)


def test_tidy_picks_the_asked_ticker_from_a_multi_ticker_frame(shapes):
    parts = [shapes.download(shapes.CALM, "CALM"), shapes.download(shapes.IBE, "IBE.MC")]
    both = pd.concat(parts, axis=1, sort=True)  # yf.download: union of dates, NaN elsewhere
    out = yahoo.tidy(both, "ibe.mc")
    assert out["volume"].iloc[0] == pytest.approx(8281229)
    with pytest.raises(DataError, match="holds tickers"):
        yahoo.tidy(both, "SAP.DE")


def test_unknown_ticker_shapes_are_data_errors_naming_the_ticker(shapes):
    empty_download = pd.DataFrame(
        columns=pd.MultiIndex.from_product(
            [["Adj Close", "Close", "High", "Low", "Open", "Volume"], ["ZZZ"]],
            names=["Price", "Ticker"],
        ),
        dtype="float64",
    )
    all_nan = shapes.download(shapes.CALM, "ZZZ") * np.nan
    for frame in (shapes.empty(), empty_download, all_nan, None):
        with pytest.raises(DataError, match=r"no prices for ticker 'ZZZ'.*finance\.yahoo\.com"):
            yahoo.tidy(frame, "ZZZ")


def test_load_fetches_full_history_then_uses_the_cache(fake_yahoo, shapes):
    fake_yahoo.set("IBE.MC", shapes.history(shapes.IBE, tz="Europe/Madrid", auto_adjust=False))
    y = tc.load("IBE.MC", "2024-01-01", "2024-06-30", field="adj_close")
    assert y.name == "IBE.MC"
    assert y.attrs == {
        "kind": "price",
        "units": "quote currency",
        "source": "yahoo:IBE.MC",
        "via": "network",
        "calendar": "XMAD",  # Madrid, from the .MC suffix
    }
    assert y.index[0] >= pd.Timestamp("2024-01-01") and y.index[-1] <= pd.Timestamp("2024-06-30")
    ((symbol, kwargs),) = fake_yahoo.calls
    assert symbol == "IBE.MC" and kwargs["period"] == "max" and kwargs["auto_adjust"] is False
    assert kwargs["timeout"] > 0

    again = tc.load("ibe.mc", "2024-01-01", "2024-06-30", field="adj_close")
    assert len(fake_yahoo.calls) == 1  # fresh cache, no second request
    assert again.attrs["via"] == "cache"
    pd.testing.assert_series_equal(again, y, check_freq=False)

    tc.load("IBE.MC", refresh=True)
    assert len(fake_yahoo.calls) == 2


def test_rate_limit_is_retried_with_backoff_then_succeeds(fake_yahoo, shapes, online):
    from yfinance.exceptions import YFRateLimitError

    fake_yahoo.set("CALM", YFRateLimitError(), YFRateLimitError(), shapes.history(shapes.CALM))
    y = tc.load("CALM", source="network")
    assert len(y) == 662
    assert len(fake_yahoo.calls) == 3
    assert online == [1.0, 2.0]  # exponential backoff, recorded not slept


def test_rate_limit_gives_up_after_bounded_retries(fake_yahoo, online):
    from yfinance.exceptions import YFRateLimitError

    fake_yahoo.set("CALM", YFRateLimitError())
    with pytest.raises(NetworkError, match="rate-limited 4 requests"):
        tc.load("CALM", source="network")
    assert len(fake_yahoo.calls) == 4 and online == [1.0, 2.0, 4.0]


def test_unknown_ticker_is_a_data_error(fake_yahoo):
    from yfinance.exceptions import YFTzMissingError

    with pytest.raises(DataError, match="no prices for ticker 'ZZZNOPE'") as info:
        tc.load("ZZZNOPE")  # yfinance's empty_df()
    assert not isinstance(info.value, NetworkError)
    assert "not a bundled dataset either" in str(info.value)
    fake_yahoo.set("QQQNOPE", YFTzMissingError("QQQNOPE"))
    with pytest.raises(DataError, match=r"'QQQNOPE'.*no timezone found"):
        tc.load("QQQNOPE", source="network")


def test_connection_failure_is_a_network_error(fake_yahoo):
    fake_yahoo.set("CALM", ConnectionError("Failed to perform, curl: (7) refused"))
    with pytest.raises(NetworkError, match=r"cannot fetch Yahoo ticker 'CALM'.*refused"):
        tc.load("CALM", source="network")


def test_offline_alias_falls_back_to_the_bundled_snapshot(fake_yahoo):
    fake_yahoo.set("DB", ConnectionError("connection refused"))
    with pytest.warns(
        FallbackWarning, match=r"'DB'.*bundled snapshot 'dbk', 1996-11-18 – 2020-12-31"
    ):
        y = tc.load("DB")
    assert y.attrs["source"] == "bundled:dbk" and y.attrs["via"] == "bundled"
    pd.testing.assert_series_equal(y.rename("dbk"), tc.load("dbk"), check_freq=False)
    assert y.name == "DB" and y.attrs["units"] == "USD"


def test_tickcast_offline_switch_blocks_yahoo_without_calling_it(fake_yahoo, monkeypatch):
    monkeypatch.setenv("TICKCAST_OFFLINE", "1")
    with pytest.warns(FallbackWarning, match="TICKCAST_OFFLINE"):
        tc.load("^GSPC")
    assert fake_yahoo.calls == []


def test_stale_cache_beats_the_bundled_snapshot_when_offline(fake_yahoo, shapes):
    fresh = shapes.history(shapes.CALM, auto_adjust=False)
    fake_yahoo.set("MSFT", fresh, ConnectionError("down"))
    tc.load("MSFT")  # fills the cache
    entry = cache.read("yahoo:MSFT")
    cache.write(
        "yahoo:MSFT",
        entry.frame,
        meta=entry.meta,
        merge=False,
        fetched=pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=10),
    )
    with pytest.warns(FallbackWarning, match=r"cached copy fetched .* 2022-01-03 – 2024-08-21"):
        y = tc.load("MSFT")
    assert y.attrs["via"] == "cache" and len(y) == 662
    assert len(fake_yahoo.calls) == 2


def test_explicit_sources(fake_yahoo, shapes):
    with pytest.raises(DataError, match=r"nothing is cached for 'DBK\.DE'"):
        tc.load("DBK.DE", source="cache")
    with pytest.raises(DataError, match=r"no bundled snapshot of 'AAPL'.*DB \(dbk\)"):
        tc.load("AAPL", source="bundled")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = tc.load("DB", source="bundled")  # asked for: no warning
    assert y.attrs["via"] == "bundled" and fake_yahoo.calls == []
    fake_yahoo.set("^TNX", shapes.history(shapes.CALM))
    tnx = tc.load("^TNX", source="network")
    assert tnx.attrs["kind"] == "rate" and tnx.attrs["units"] == "percent"
    assert tc.load("^TNX", source="cache").attrs["via"] == "cache"


@pytest.fixture
def yf_transport(monkeypatch, online, tmp_path_factory):
    """Run yfinance's own history() code with its HTTP transport replaced."""
    import yfinance
    import yfinance.data

    yfinance.set_tz_cache_location(str(tmp_path_factory.mktemp("yf-tz")))
    calls: list[object] = []

    def install(error: Exception) -> list[object]:
        def get(self, *args, **kwargs):
            calls.append(kwargs.get("url"))
            raise error

        monkeypatch.setattr(yfinance.data.YfData, "get", get)
        monkeypatch.setattr(yfinance.data.YfData, "cache_get", get)
        return calls

    return install


def test_real_yfinance_code_transport_failure_is_a_network_error(yf_transport):
    calls = yf_transport(ConnectionError("Failed to perform, curl: (7) Connection refused"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # yfinance's deprecation notice must not leak
        with pytest.raises(NetworkError, match="Connection refused"):
            yahoo.fetch("DBK.DE")
    assert any("/v8/finance/chart/DBK.DE" in str(url) for url in calls)


def test_real_yfinance_code_rate_limit_is_retried(yf_transport, online):
    from yfinance.exceptions import YFRateLimitError

    calls = yf_transport(YFRateLimitError())
    with pytest.raises(NetworkError, match="rate-limited 4 requests"):
        yahoo.fetch("DBK.DE")
    assert len(calls) == 4 and online == [1.0, 2.0, 4.0]


def test_xetra_ticker_offline_does_not_fall_back_to_the_nyse_snapshot(fake_yahoo):
    # the bundled dbk is the NYSE listing in USD (dates = NYSE sessions, closes = DBK.DE's
    # times EUR/USD, data/PROVENANCE.md): it must not stand in for Xetra's DBK.DE in EUR
    fake_yahoo.set("DBK.DE", ConnectionError("connection refused"))
    with pytest.raises(TickcastError, match=r"DBK\.DE"):
        tc.load("DBK.DE")
