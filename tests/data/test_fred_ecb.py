"""FRED and ECB CSV endpoints served by a local http.server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import ecb, fred, http
from tickcast.errors import ConfigError, DataError, FallbackWarning, NetworkError

FRED_OLD = "DATE,DGS10\n2020-12-30,0.93\n2020-12-31,0.93\n2021-01-01,.\n2021-01-04,0.95\n"
FRED_NEW = "observation_date,DGS2\n2025-01-02,4.25\n2025-01-03,4.28\n2025-01-06,\n2025-01-07,4.30\n"
FRED_GDP = "observation_date,GDP\n2024-10-01,29700.6\n2025-01-01,29962.0\n"
ECB_DAILY = (
    "KEY,FREQ,REF_AREA,CURRENCY,PROVIDER_FM,INSTRUMENT_FM,PROVIDER_FM_ID,DATA_TYPE_FM,"
    "TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT,TITLE\n"
    "FM.D.U2.EUR.4F.KR.MRR_FR.LEV,D,U2,EUR,4F,KR,MRR_FR,LEV,2023-09-19,4.25,A,PC,"
    "Main refinancing operations - fixed rate tenders\n"
    "FM.D.U2.EUR.4F.KR.MRR_FR.LEV,D,U2,EUR,4F,KR,MRR_FR,LEV,2023-09-20,4.5,A,PC,"
    "Main refinancing operations - fixed rate tenders\n"
)
ECB_MRR = "/FM/D.U2.EUR.4F.KR.MRR_FR.LEV"


@pytest.fixture
def fred_url(server, monkeypatch):
    monkeypatch.setenv("TICKCAST_FRED_URL", server.url + "/fredgraph.csv")

    def route(path, query):
        body = {"DGS10": FRED_OLD, "DGS2": FRED_NEW, "GDP": FRED_GDP}.get(query.get("id"))
        return (200, body) if body else (404, "<html>Series not found</html>")

    server.routes["/fredgraph.csv"] = route
    return server


@pytest.fixture
def ecb_url(server, monkeypatch):
    monkeypatch.setenv("TICKCAST_ECB_URL", server.url + "/service/data/")
    return server


def test_fred_old_header_style_with_dots(fred_url):
    y = tc.load("fred:DGS10", source="network")
    assert y.name == "fred:DGS10"
    assert y.to_dict() == {
        pd.Timestamp("2020-12-30"): 0.93,
        pd.Timestamp("2020-12-31"): 0.93,
        pd.Timestamp("2021-01-04"): 0.95,
    }
    assert y.attrs == {
        "kind": "rate",
        "units": "percent",
        "source": "fred:DGS10",
        "via": "network",
        "calendar": "US-BOND",
    }
    assert fred_url.requests == ["/fredgraph.csv?id=DGS10"]


def test_fred_new_header_style_with_empty_cells(fred_url):
    y = tc.load("fred:dgs2", start="2025-01-03")  # ids are upper-cased
    assert list(y) == [4.28, 4.30]
    assert y.attrs["via"] == "network"


def test_fred_parse_rejects_non_csv_answers():
    with pytest.raises(DataError, match=r"did not return CSV data for 'XYZ'.*series/XYZ"):
        fred.parse("<!DOCTYPE html><html>oops</html>", "XYZ")
    with pytest.raises(DataError, match="must hold numbers"):
        fred.parse("DATE,X\n2020-01-01,abc\n", "X")


def test_fred_unknown_series_is_a_data_error_naming_it(fred_url):
    with pytest.raises(DataError, match=r"FRED has no series 'NOSUCH' \(HTTP 404\)") as info:
        tc.load("fred:NOSUCH")
    assert not isinstance(info.value, NetworkError)


def test_server_errors_are_retried_with_backoff(server, monkeypatch, online):
    monkeypatch.setenv("TICKCAST_FRED_URL", server.url + "/f")
    server.routes["/f"] = [(429, "slow down"), (503, "busy"), (200, FRED_OLD)]
    y = tc.load("fred:DGS10", source="network")
    assert len(y) == 3 and len(server.requests) == 3
    assert online == [0.5, 2.0]  # Retry-After honoured, then exponential backoff


def test_persistent_server_errors_end_in_network_error(server, monkeypatch, online):
    monkeypatch.setenv("TICKCAST_FRED_URL", server.url + "/f")
    server.routes["/f"] = (500, "broken")
    with pytest.raises(NetworkError, match=r"HTTP 500.*4 times"):
        tc.load("fred:DGS2", source="network")
    assert len(server.requests) == 4 and len(online) == 3


def test_connection_refused_falls_back_to_the_bundled_snapshot(
    closed_port_url, monkeypatch, online
):
    monkeypatch.setenv("TICKCAST_FRED_URL", closed_port_url + "/fredgraph.csv")
    with pytest.raises(NetworkError, match="no connection"):
        tc.load("fred:DGS10", source="network")
    assert online == []  # refused connections are not retried
    with pytest.warns(FallbackWarning, match=r"bundled snapshot 'dgs10', 1962-01-02 – 2021-01-04"):
        y = tc.load("fred:DGS10", "2020-12-31", "2020-12-31")
    assert y.iloc[0] == 0.93 and y.attrs["source"] == "bundled:dgs10"
    with pytest.raises(NetworkError, match="no connection"):
        tc.load("fred:T10Y2Y")  # no snapshot, nothing cached: the error surfaces


def test_corrupt_cache_warns_and_is_refetched(fred_url):
    from tickcast.data import cache
    from tickcast.errors import CacheWarning

    tc.load("fred:DGS10")
    path = cache.path_for("fred:DGS10")
    path.write_bytes(path.read_bytes()[:-7])  # truncated
    with pytest.warns(CacheWarning, match="corrupt"):
        y = tc.load("fred:DGS10")
    assert y.attrs["via"] == "network" and len(y) == 3
    assert len(fred_url.requests) == 2
    assert tc.load("fred:DGS10").attrs["via"] == "cache"


def test_ecb_daily_series(ecb_url):
    ecb_url.routes["/service/data" + ECB_MRR] = (200, ECB_DAILY)
    y = tc.load("ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV")
    assert y.to_dict() == {pd.Timestamp("2023-09-19"): 4.25, pd.Timestamp("2023-09-20"): 4.5}
    assert y.attrs["kind"] == "rate" and y.attrs["units"] == "percent"
    assert ecb_url.requests == ["/service/data" + ECB_MRR + "?format=csvdata"]


@pytest.mark.parametrize(
    ("freq", "periods", "first"),
    [
        ("M", ["2024-01", "2024-02"], "2024-01-01"),
        ("Q", ["2024-Q1", "2024-Q2"], "2024-01-01"),
        ("A", ["2023", "2024"], "2023-01-01"),
        ("H", ["2024-S1", "2024-S2"], "2024-01-01"),
        ("W", ["2024-W01", "2024-W02"], "2024-01-01"),
    ],
)
def test_ecb_period_formats(freq, periods, first):
    text = "KEY,FREQ,TIME_PERIOD,OBS_VALUE\n" + "".join(
        f"X.{freq}.K,{freq},{p},{i + 1}\n" for i, p in enumerate(periods)
    )
    frame, meta = ecb.parse(text, "X/K")
    assert frame.index[0] == pd.Timestamp(first) and list(frame["value"]) == [1.0, 2.0]
    assert meta == {}


def test_ecb_errors(ecb_url):
    ecb_url.routes["/service/data/FM/D.XX"] = (404, "No results found.")
    ecb_url.routes["/service/data/FM/D..."] = (400, "Syntax error in key")
    with pytest.raises(DataError, match=r"no data for 'FM/D.XX' \(HTTP 404\)"):
        tc.load("ecb:FM/D.XX")
    with pytest.raises(ConfigError, match=r"rejected the key 'FM/D\.\.\.' as malformed"):
        tc.load("ecb:FM/D...")
    multi = "KEY,FREQ,TIME_PERIOD,OBS_VALUE\nA.D.1,D,2024-01-02,1\nA.D.2,D,2024-01-02,2\n"
    with pytest.raises(DataError, match="matches 2 series"):
        ecb.parse(multi, "A/D.1+2")
    with pytest.raises(DataError, match="no TIME_PERIOD/OBS_VALUE"):
        ecb.parse("a,b\n1,2\n", "A/B")


@pytest.mark.parametrize("spec", ["ecb:FM", "ecb:FM/", "ecb:/D.U2", "ecb:FM/D U2", "ecb:F-M/D"])
def test_malformed_ecb_specs_fail_before_any_request(spec, ecb_url):
    with pytest.raises(ConfigError, match=r"'ecb:FLOW/KEY'.*e\.g\. 'ecb:FM/D\.U2"):
        tc.load(spec)
    assert ecb_url.requests == []


def test_every_request_has_a_timeout(monkeypatch, fred_url):
    seen = []
    real = http.urllib.request.urlopen

    def spy(request, timeout=None):
        seen.append(timeout)
        return real(request, timeout=timeout)

    monkeypatch.setattr(http.urllib.request, "urlopen", spy)
    tc.load("fred:DGS10", source="network")
    assert seen == [http.TIMEOUT] and http.TIMEOUT > 0


def test_unwritable_cache_still_returns_the_data(fred_url, monkeypatch, tmp_path):
    from tickcast.errors import CacheWarning

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TICKCAST_CACHE_DIR", str(blocker))
    with pytest.warns(CacheWarning, match="continuing without caching"):
        y = tc.load("fred:DGS10")
    assert len(y) == 3 and y.attrs["via"] == "network"


def test_fred_ids_known_by_name_do_not_warn_and_others_say_the_guess(fred_url):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", tc.errors.KindGuessWarning)
        assert tc.load("fred:DGS2").attrs["kind"] == "rate"
    with pytest.warns(tc.errors.KindGuessWarning, match="'fred:GDP': kind guessed as 'rate'"):
        assert tc.load("fred:GDP").attrs["kind"] == "rate"
    assert tc.load("fred:GDP", kind="price").attrs["kind"] == "price"
