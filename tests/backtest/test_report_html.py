"""The HTML report, parsed: a section per series with its own tables and every plot kind.

Plots are checked for what they show (which series, which origins, which units) by reading
the matplotlib artists back, against numbers recomputed here from the forecasts frame.
"""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.backtest.report import PLOT_KINDS, html_page, render_plots, series_ids
from tickcast.errors import ConfigError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


@pytest.fixture(autouse=True)
def _agg():
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def two_series():
    """A price in USD and a yield in percent, 40 origins each, naive and drift."""
    ys = {"dbk": tc.load("dbk").iloc[-150:], "dgs10": tc.load("dgs10").iloc[-150:]}
    splitter = tc.WalkForward(initial=110, step=1, horizon=3, refit_every=10)
    return tc.backtest([tc.Naive(), tc.Drift()], ys, splitter=splitter, progress=False)


class _Report(HTMLParser):
    """Sections by id with their tables (cells as text) and figures (kind -> image bytes)."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.resources: list[str] = []  # every src/href, to check nothing is fetched
        self._section: dict | None = None
        self._table: list | None = None
        self._cell: list[str] | None = None
        self._kind: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.resources.append(a[key])
        if tag == "section":
            self._section = {"series": a.get("data-series"), "tables": {}, "figures": {}}
            self.sections[a["id"]] = self._section
        elif self._section is None:
            return
        elif tag == "table":
            self._table = []
            self._section["tables"][a.get("class", "").split()[-1]] = self._table
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "figure":
            self._kind = a["data-kind"]
        elif tag == "img" and self._kind is not None:
            head, data = a["src"].split(",", 1)
            assert head == "data:image/png;base64"
            self._section["figures"][self._kind] = base64.b64decode(data)

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "figure":
            self._kind = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Report:
    parser = _Report()
    parser.feed(text)
    return parser


def test_every_series_has_its_tables_and_every_plot_kind(two_series, tmp_path):
    path = two_series.to_html(tmp_path / "report.html")
    report = _parse(open(path, encoding="utf-8").read())
    ids = series_ids(two_series)
    assert set(report.sections) == {f"series-{ids[s]}" for s in two_series.series}
    summary = two_series.summary()
    for name in two_series.series:
        sec = report.sections[f"series-{ids[name]}"]
        assert sec["series"] == name
        assert set(sec["figures"]) == set(PLOT_KINDS)
        for png in sec["figures"].values():
            assert png.startswith(PNG_MAGIC) and len(png) > 5000
        # this series' summary rows, not the first series' again
        header, *rows = sec["tables"]["summary"]
        expected = summary.xs(name, level="series")
        assert [r[0] for r in rows] == list(expected.index)
        col = header.index("rel_rmse")
        got = [float(r[col]) for r in rows]
        np.testing.assert_allclose(got, expected["rel_rmse"].to_numpy(), rtol=1e-3)
        if two_series.settings["series"][name]["kind"] == "rate":  # a yield needs a duration
            assert "trading" not in sec["tables"]
            with pytest.raises(ConfigError, match="duration"):
                two_series.trading(series=name)
            continue
        trading_header, *trading_rows = sec["tables"]["trading"]
        assert trading_header[0] == "model" and "sharpe" in trading_header
        assert [r[0] for r in trading_rows] == list(two_series.trading(series=name).stats.index)
        tests_header, *tests_rows = sec["tables"]["sharpe_tests"]
        assert tests_header[0] == "model" and "pvalue" in tests_header
        expected_tests = two_series.trading(series=name).sharpe_tests()
        assert [r[0] for r in tests_rows] == list(expected_tests.index)
        assert "buy_and_hold" not in expected_tests.index
    a, b = (report.sections[f"series-{ids[s]}"]["figures"] for s in two_series.series)
    for kind in PLOT_KINDS:
        assert a[kind] != b[kind], kind  # each series drew its own plot
    # self-contained: images inline, links only to anchors in the page
    assert all(r.startswith(("data:", "#")) for r in report.resources)


def test_section_ids_are_distinct_and_safe(two_series):
    fake = type("R", (), {"series": ["fred:DGS10", "fred DGS10", "^GSPC", "///"]})()
    ids = series_ids(fake)
    assert len(set(ids.values())) == 4
    assert all(i and set(i) <= SAFE for i in ids.values())


def test_units_are_recorded_and_on_the_axes(two_series):
    series = two_series.settings["series"]
    assert (series["dbk"]["units"], series["dgs10"]["units"]) == ("USD", "percent")
    assert (series["dbk"]["kind"], series["dgs10"]["kind"]) == ("price", "rate")
    ax = two_series.plot("forecasts", series="dbk")
    assert "USD" in ax.get_ylabel() and "dbk" in ax.get_title()
    ax = two_series.plot("forecasts", series="dgs10")
    assert "%" in ax.get_ylabel() and "dgs10" in ax.get_title()
    ax = two_series.plot("errors", series="dbk")
    assert "USD" in ax.get_ylabel()


def test_errors_of_a_yield_are_in_bps_with_integer_steps(two_series):
    ax = two_series.plot("errors", series="dgs10")
    assert "bps" in ax.get_ylabel() and ax.get_xlabel() == "horizon step"
    f = two_series.forecasts
    f = f[(f["series"] == "dgs10") & (f["model"] == "drift")]
    # MAE by step in percentage points, x 100 = basis points
    expected = (f["y_true"] - f["mean"]).abs().groupby(f["step"]).mean() * 100
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "drift"]
    np.testing.assert_array_equal(line.get_xdata(), expected.index.to_numpy())
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy(), rtol=1e-12)
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_cssed_is_the_running_sum_of_squared_error_gaps(two_series):
    """Welch & Goyal (2008): sum over t of e_naive(t)^2 - e_model(t)^2, here in bps^2."""
    ax = two_series.plot("cssed", series="dgs10", step=2)
    f = two_series.forecasts
    f = f[(f["series"] == "dgs10") & (f["step"] == 2)]
    err = {
        m: (g.set_index("date")["y_true"] - g.set_index("date")["mean"]) * 100
        for m, g in f.groupby("model")
    }
    expected = (err["naive"] ** 2 - err["drift"] ** 2).sort_index().cumsum()
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "drift"]
    assert list(pd.to_datetime(np.asarray(line.get_xdata()))) == list(expected.index)
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy(), rtol=1e-10)
    assert "bps" in ax.get_ylabel() and "naive minus model" in ax.get_title()
    assert not [ln for ln in ax.get_lines() if ln.get_label() == "naive"]


def test_cssed_without_the_naive_model_says_so():
    y = tc.load("dbk").iloc[-130:]
    res = tc.backtest(
        [tc.Drift()], y, splitter=tc.WalkForward(initial=120, step=2, horizon=2), progress=False
    )
    ax = res.plot("cssed")
    assert not ax.get_lines() and "needs the naive model" in ax.texts[0].get_text()


@pytest.mark.parametrize("last", [7, 25, None])
def test_forecasts_plot_shows_the_last_origins(two_series, last):
    ax = two_series.plot("forecasts", series="dbk", last=last)
    f = two_series.forecasts
    f = f[(f["series"] == "dbk") & (f["model"] == "naive") & (f["step"] == 1)]
    kept = f.sort_values("origin").iloc[-last:] if last else f
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "naive"]
    dates = pd.to_datetime(np.asarray(line.get_xdata()))
    assert list(dates) == list(kept["date"])
    np.testing.assert_allclose(line.get_ydata(), kept["mean"].to_numpy())


def test_units_unknown_for_a_users_own_series():
    rng = np.random.default_rng(0)
    y = pd.Series(
        100 + rng.standard_normal(140).cumsum(),
        index=pd.bdate_range("2021-01-01", periods=140),
        name="mine",
    )
    res = tc.backtest(
        [tc.Naive()], y, splitter=tc.WalkForward(initial=120, step=2, horizon=2), progress=False
    )
    assert res.settings["series"]["mine"]["units"] is None
    ax = res.plot("errors")  # one series: no `series` needed
    assert ax.get_ylabel() == "MAE" and "mine" in ax.get_title()
    report = _parse(html_page(res, {("mine", "errors"): b"x"}))
    assert list(report.sections) == ["series-mine"]


def test_invalid(two_series):
    with pytest.raises(ConfigError, match="`series` is required"):
        two_series.plot("errors")
    with pytest.raises(ConfigError, match="`series`"):
        two_series.plot("errors", series="msft")
    with pytest.raises(ConfigError, match="`kind`"):
        two_series.plot("histogram", series="dbk")  # "calibration" exists since issue 12
    with pytest.raises(ConfigError, match="`step`"):
        two_series.plot("forecasts", series="dbk", step=4)
    with pytest.raises(ConfigError, match="`step`"):
        two_series.plot("forecasts", series="dbk", step=0)
    with pytest.raises(ConfigError, match="`last`"):
        two_series.plot("forecasts", series="dbk", last=0)
    with pytest.raises(ConfigError, match="`last`"):
        two_series.plot("forecasts", series="dbk", last=2.5)


def test_report_png_is_readable(two_series):
    from PIL import Image

    report = _parse(html_page(two_series, render_plots(two_series)))
    for sec in report.sections.values():
        for kind, png in sec["figures"].items():
            width, height = Image.open(io.BytesIO(png)).size
            assert width >= 900 and 300 <= height <= 500, kind
