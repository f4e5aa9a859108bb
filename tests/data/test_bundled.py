"""The bundled real data: every file loads, with its quirks handled and real values intact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import DATASETS, bundled, series_kind
from tickcast.data.spec import known_kind
from tickcast.errors import ConfigError, DataError

NAMES = list(DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_every_bundled_dataset_loads_as_a_clean_series(name):
    y = tc.load(name)
    assert isinstance(y, pd.Series)
    assert y.name == name
    assert y.dtype == np.float64
    assert isinstance(y.index, pd.DatetimeIndex) and y.index.tz is None
    assert y.index.is_monotonic_increasing and y.index.is_unique
    assert not y.isna().any()
    assert len(y) > 4000
    assert y.attrs["kind"] == DATASETS[name].kind
    assert y.attrs["units"] == DATASETS[name].units
    assert y.attrs["source"] == f"bundled:{name}"
    assert y.attrs["via"] == "bundled"


@pytest.mark.parametrize(
    ("name", "date", "field", "value"),
    [
        ("dgs10", "2020-12-31", "close", 0.93),
        ("sp500", "2018-12-31", "close", 2506.850098),
        ("sp500", "1999-01-04", "open", 1229.22998),  # M/D/YYYY dates
        ("wti", "1986-01-02", "value", 25.56),  # M/D/YYYY dates
        ("dbk", "1996-11-18", "adj_close", 28.580523),
        ("dbk", "1996-11-18", "close", 45.324429),  # raw close differs from adjusted
        ("msft", "2017-11-10", "close", 83.87),
        ("dax", "2022-12-30", "close", 13923.589844),
        ("dgs2", "2021-01-04", "value", 0.11),
        ("dgs3mo", "1981-09-01", "value", 17.01),
    ],
)
def test_spot_values_match_the_raw_files(name, date, field, value):
    y = tc.load(name, field=field)
    assert y.loc[date] == pytest.approx(value, rel=1e-12)


def test_missing_markers_are_dropped_not_zero():
    dgs10 = tc.load("dgs10")
    assert pd.Timestamp("2021-01-01") not in dgs10.index  # '.' in the file
    assert (dgs10 > 0).all()
    dax = tc.load("dax", field=None)  # 'null' rows in the file
    assert not dax.isna().all(axis=1).any()
    assert len(dax) < 9011


def test_frames_have_lower_case_fields():
    assert list(tc.load("sp500", field=None).columns) == [
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
    ]
    assert list(tc.load("dgs10", field=None).columns) == ["value"]


def test_msft_has_no_adjusted_close_and_says_so():
    with pytest.raises(ConfigError, match=r"adj_close.*open, high, low, close, volume"):
        tc.load("msft", field="adj_close")


def test_close_and_value_stand_in_for_each_other():
    pd.testing.assert_series_equal(tc.load("dgs10", field="close"), tc.load("dgs10", field="value"))


def test_list_datasets_describes_every_file():
    table = tc.list_datasets()
    for column in ("name", "aliases", "kind", "start", "end", "rows", "source", "licence"):
        assert column in table.columns
    assert list(table["name"]) == NAMES
    row = table.set_index("name").loc["dgs10"]
    assert row["kind"] == "rate"
    assert "fred:DGS10" in row["aliases"] and "^TNX" in row["aliases"]
    assert row["start"] == pd.Timestamp("1962-01-02")
    assert row["end"] == pd.Timestamp("2021-01-04")
    assert row["rows"] == len(tc.load("dgs10"))
    assert "GPL-3" in table.set_index("name").loc["dbk", "licence"]


def test_load_bundled_and_unknown_names():
    pd.testing.assert_series_equal(tc.load_bundled("wti"), tc.load("wti"))
    with pytest.raises(DataError, match=r"unknown bundled dataset 'nope'.*sp500, msft"):
        tc.load_bundled("nope")
    with pytest.raises(DataError, match="alias of 'dbk'"):
        tc.load_bundled("DB")


def test_returned_frames_do_not_share_state():
    y = tc.load("dbk")
    y.iloc[0] = -1.0
    assert tc.load("dbk").iloc[0] > 0


def test_data_dir_is_found_in_the_repo():
    folder = bundled.data_dir()
    for ds in DATASETS.values():
        assert (folder / ds.file).is_file()
    assert (folder / "PROVENANCE.md").is_file()


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("dgs10", "rate"),
        ("dgs3mo", "rate"),
        ("wti", "price"),
        ("sp500", "price"),
        ("fred:DGS10", "rate"),
        ("fred:T10Y2Y", "rate"),
        ("fred:DCOILWTICO", "price"),
        ("fred:DGS30", "rate"),
        ("fred:DEXUSEU", "price"),
        ("fred:GDP", "rate"),  # unknown FRED id: rate (load warns)
        ("ecb:EXR/D.USD.EUR.SP00.A", "price"),
        ("ecb:FM/D.U2.EUR.4F.KR.MRR_FR.LEV", "rate"),
        ("^TNX", "rate"),
        ("^irx", "rate"),
        ("AAPL", "price"),
        ("DBK.DE", "price"),
    ],
)
def test_series_kind(spec, kind):
    assert series_kind(spec) == kind


def test_series_kind_of_a_series_prefers_attrs():
    y = tc.load("dgs2")
    assert series_kind(y) == "rate"
    plain = pd.Series([1.0], index=pd.DatetimeIndex(["2020-01-01"]), name="dgs10")
    assert series_kind(plain) == "rate"
    assert series_kind(plain.rename(None)) == "price"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("DGS30", "rate"),
        ("dgs1mo", "rate"),
        ("DTB3", "rate"),
        ("T10Y2Y", "rate"),
        ("DFII10", "rate"),
        ("SOFR", "rate"),
        ("MORTGAGE30US", "rate"),
        ("IRLTLT01DEM156N", "rate"),
        ("dgs10", "rate"),
        ("^TYX", "rate"),
        ("DCOILBRENTEU", "price"),
        ("SP500", "price"),
        ("DEXJPUS", "price"),
        ("dbk", "price"),
        ("close", None),
        ("value", None),
        ("GDP", None),
        ("my prices", None),
    ],
)
def test_known_kind(name, kind):
    assert known_kind(name) == kind
