"""User CSV files: ``csv:path`` / existing paths, sniffed formats and clear errors."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

import tickcast as tc
from tickcast.errors import ConfigError, DataError

DATA = Path(__file__).resolve().parents[2] / "data"


def _write(tmp_path, text, name="series.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_european_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = _write(
        tmp_path, "\ufeffDatum;Schluss\n02.01.2020;1,5\n03.01.2020;2,25\n06.01.2020;\n", "eu.csv"
    )
    y = tc.load(f"csv:{path}", kind="price")
    assert y.name == "eu"
    assert y.to_dict() == {pd.Timestamp("2020-01-02"): 1.5, pd.Timestamp("2020-01-03"): 2.25}
    assert y.attrs["via"] == "file" and y.attrs["source"] == f"csv:{path}"


def test_existing_path_and_pathlike_specs(tmp_path):
    src = DATA / "sp500_1999_2018.csv"
    path = tmp_path / "copy.csv"
    shutil.copy(src, path)
    with pytest.warns(tc.errors.KindGuessWarning, match="'copy': kind guessed as 'price'"):
        from_path = tc.load(path)  # PathLike
    from_str = tc.load(str(path), field="adj_close", kind="price")  # existing file name
    assert from_path.loc["2018-12-31"] == pytest.approx(2506.850098)
    assert from_str.loc["2018-12-31"] == pytest.approx(2506.850098)
    assert from_path.attrs["kind"] == "price"


def test_first_column_of_dates_without_a_date_header(tmp_path):
    path = _write(tmp_path, "when,price\n2020-01-03,2\n2020-01-02,1\n")
    y = tc.load(f"csv:{path}", kind="price")
    assert list(y) == [1.0, 2.0]  # sorted
    assert y.index.name == "date"


def test_tab_separated_with_utc_offsets(tmp_path):
    path = _write(
        tmp_path,
        "Datetime\tClose\n2022-01-03 00:00:00-05:00\t37.7\n2022-03-14 00:00:00-04:00\t40\n",
    )
    y = tc.load(path, kind="price")
    assert list(y.index) == [pd.Timestamp("2022-01-03"), pd.Timestamp("2022-03-14")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("price,volume\n1.5,10\n2.5,20\n", r"no date column: columns are \['price', 'volume'\]"),
        (
            "date,close\n2020-01-02,1.5\n2020-01-03,abc\n",
            r"column 'close'.*must hold numbers.*'abc' on 2020-01-03",
        ),
        ('date,close\n2020-01-02,"1,5"\n', r"'1,5'.*decimal comma.*';'"),
        ("date,close\n2020-01-02,1.5\n2020-01-02,1.6\n", r"duplicate dates: 2020-01-02"),
        ("date,close\n2020-01-02,\n2020-01-03,.\n", "no observations"),
        ("date,close\n", r"must have a date column and at least one value column with rows"),
        ("", "is empty"),
        ("date,close\n2020-13-45,1\n", r"'2020-13-45' cannot be read as a date"),
    ],
)
def test_bad_files(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=match):
        tc.load(f"csv:{path}")


def test_unreadable_files(tmp_path):
    with pytest.raises(DataError, match=r"cannot read .*missing\.csv.*No such file"):
        tc.load(f"csv:{tmp_path / 'missing.csv'}")
    with pytest.raises(DataError, match=r"cannot read .*Is a directory"):
        tc.load(f"csv:{tmp_path}")
    packed = tmp_path / "packed.csv"
    packed.write_bytes(gzip.compress(b"date,close\n2020-01-02,1\n" * 50))
    with pytest.raises(DataError, match="not a text CSV file"):
        tc.load(packed)


def test_missing_csv_path_is_a_file_spec_not_a_ticker(tmp_path):
    with pytest.raises(DataError, match="No such file"):
        tc.load(str(tmp_path / "nothing.csv"))


def test_options_that_do_not_apply_to_files(tmp_path):
    path = _write(tmp_path, "date,close\n2020-01-02,1\n")
    for kwargs in (
        {"source": "network"},
        {"source": "cache"},
        {"refresh": True},
        {"source": "bundled"},
    ):
        with pytest.raises(ConfigError):
            tc.load(path, **kwargs)
