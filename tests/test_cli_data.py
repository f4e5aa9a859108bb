"""`tickcast data ...` through cli.main(argv) (offline, bundled data)."""

from __future__ import annotations

import pandas as pd
import pytest

from tickcast.cli import main


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "data" in out and "demo" in out and "--debug" in out


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("sp500", "msft", "dax", "dbk", "dgs10", "dgs2", "dgs3mo", "wti"):
        assert name in out
    assert "fred:DGS10, ^TNX" in out and "1962-01-02" in out and "GPL-3" in out


def test_data_show(capsys):
    assert main(["data", "show", "dgs10", "--tail", "3"]) == 0
    out = capsys.readouterr().out
    assert "1962-01-02 – 2021-01-04" in out
    assert "rate" in out and "percent" in out
    assert "2020-12-31  0.93" in out and "2021-01-04  0.93" in out
    assert "min 0.52" in out and "max 15.84" in out


def test_data_show_alias_offline_warns_on_stderr(capsys):
    assert main(["data", "show", "DB", "--start", "2020-12-01"]) == 0
    captured = capsys.readouterr()
    assert "bundled:dbk" in captured.out and "2020-12-31  10.9" in captured.out
    assert captured.err.startswith("tickcast: warning: could not fetch 'DB'")


def test_data_download_to_file_and_stdout(tmp_path, capsys):
    out_file = tmp_path / "dbk.csv"
    args = ["data", "download", "dbk", "--start", "2020-12-28", "--out", str(out_file)]
    assert main(args) == 0
    assert "wrote 4 rows" in capsys.readouterr().out
    frame = pd.read_csv(out_file, index_col="date", parse_dates=True)
    assert list(frame.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert frame.loc["2020-12-31", "close"] == pytest.approx(10.9)

    assert main(["data", "download", "dgs10", "--start", "2020-12-31", "--field", "value"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "date,dgs10",
        "2020-12-31,0.93",
        "2021-01-04,0.93",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "show", "sp5000"], "unknown dataset 'sp5000'; did you mean 'sp500'?"),
        (
            ["data", "show", "dbk", "--start", "2021-01-01", "--end", "2020-01-01"],
            "`start` must not be after `end`",
        ),
        (["data", "show", "dbk", "--field", "adj"], "`field` 'adj' is not in 'dbk'"),
        (["data", "download", "csv:/no/such/file.csv"], "cannot read file '/no/such/file.csv'"),
    ],
)
def test_errors_exit_1_with_one_line(argv, message, capsys):
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tickcast: error: ")
    assert message in lines[0]
    assert "Traceback" not in captured.err


def test_debug_shows_the_exception(capsys):
    from tickcast.errors import DataError

    with pytest.raises(DataError):
        main(["--debug", "data", "show", "sp5000"])


@pytest.mark.parametrize("argv", [[], ["data"], ["data", "bogus"], ["data", "show"], ["nope"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: tickcast" in capsys.readouterr().err


def test_unwritable_out_file_is_an_error(tmp_path, capsys):
    assert main(["data", "download", "dgs2", "--out", str(tmp_path / "no" / "dir.csv")]) == 1
    assert "cannot write `--out`" in capsys.readouterr().err
