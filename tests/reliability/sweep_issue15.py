"""Adversarial sweep for issue 15 (second pass): new bad inputs and faults, not in the table.

Not collected by pytest (no ``test_`` prefix): run it by hand, it prints one line per case
and the counts by area and outcome::

    PYTHONPATH=src python tests/reliability/sweep_issue15.py

A case *holds* when the call returns the documented correct result (checked by the case) or
raises a ``tickcast.errors`` error; it *fails* on any other exception (a traceback from
NumPy, pandas...), a wrong result, or a hang (20 s alarm). Cases marked ``scope="models"``
exercise the models (seeds, update, parameter rules, loaded state, ARIMA scale): the first
pass left them to the models refactor; the second pass (``area="models2"``) adds more.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sys
import tempfile
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("TICKCAST_OFFLINE", "1")
TMP = Path(tempfile.mkdtemp(prefix="sweep15-"))
os.environ["TICKCAST_CACHE_DIR"] = str(TMP / "cache")

import tickcast as tc  # noqa: E402
from tickcast.cli import main  # noqa: E402
from tickcast.data import cache  # noqa: E402
from tickcast.errors import DataError, TickcastError  # noqa: E402

warnings.simplefilter("ignore")
CASES: list[tuple[str, str, object, object, str]] = []  # id, area, call, check, scope
DATES = pd.bdate_range("2020-01-01", periods=300)
Y = pd.Series(
    100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 300))), index=DATES, name="w"
)


def case(cid, area, check=None, scope="mine"):
    def deco(fn):
        CASES.append((cid, area, fn, check, scope))
        return fn

    return deco


# ------------------------------------------------------------------ loaders (CSV)
def csv(content, name="f.csv"):
    path = TMP / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return lambda: tc.load(f"csv:{path}", kind="price")


def values(expected):
    return lambda y: list(np.round(np.asarray(y, dtype=float), 6)) == expected


CSV_CASES = {
    "utf16-no-bom-semicolon": ("date;close\n2020-01-01;1,5\n".encode("utf-16-le"), [1.5]),
    "utf16-bom-tab": ("date\tclose\n2020-01-01\t2\n".encode("utf-16"), [2.0]),
    "utf32-bom": ("date,close\n2020-01-01,3\n".encode("utf-32"), [3.0]),
    "utf32-le-no-bom": ("date,close\n2020-01-01,3\n".encode("utf-32-le"), None),
    "bom-and-extra-field": ("\ufeffdate,close\n2020-01-01,1,2\n".encode(), None),
    "crlf": (b"date,close\r\n2020-01-01,1\r\n2020-01-02,2\r\n", [1.0, 2.0]),
    "blank-lines": ("date,close\n\n2020-01-01,1\n\n2020-01-02,2\n", [1.0, 2.0]),
    "quoted-comma": ('date,close\n2020-01-01,"1,5"\n', None),
    "quoted-fields": ('"date","close"\n"2020-01-01","4"\n', [4.0]),
    "date-with-time": ("date,close\n2020-01-01 16:00:00,1\n2020-01-02 16:00:00,2\n", [1.0, 2.0]),
    "impossible-date": ("date,close\n2020-02-30,1\n", None),
    "year-1000": ("date,close\n1000-01-01,1\n1000-01-02,2\n", [1.0, 2.0]),
    "huge-number": ("date,close\n2020-01-01,1e500\n", None),
    "minus-zero": ("date,close\n2020-01-01,-0\n2020-01-02,1\n", [0.0, 1.0]),
    "header-duplicated-as-row": ("date,close\ndate,close\n2020-01-01,1\n", None),
    "date-not-first": ("close,date\n1,2020-01-01\n2,2020-01-02\n", [1.0, 2.0]),
    "empty-value-header": ("date,\n2020-01-01,1\n", [1.0]),
    "nul-after-4k": (b"date,close\n" + b"2020-01-01,1\n" * 400 + b"\x00\x00", None),
    "latin1-header": ("Datum;Schlu\xdf\n02.01.2020;1,5\n".encode("latin-1"), [1.5]),
    "emoji-header": ("date,\U0001f4c8\n2020-01-01,7\n", [7.0]),
    "pipe-delimiter": ("date|close\n2020-01-01|8\n", [8.0]),
    "only-dates": ("date\n2020-01-01\n", None),
    "same-date-twice": ("date,close\n2020-01-01,1\n2020-01-01,1\n", None),
    "booleans": ("date,close\n2020-01-01,TRUE\n", None),
    "underscore-number": ("date,close\n2020-01-01,1_000\n", None),
    "hex-number": ("date,close\n2020-01-01,0x10\n", None),
    "arabic-digits": ("date,close\n2020-01-01,\u0661\u0662\n", None),
    "percent-sign": ("date,close\n2020-01-01,5%\n", None),
    "currency-sign": ("date,close\n2020-01-01,$5\n", None),
    "parenthesised-negative": ("date,close\n2020-01-01,(5)\n", None),
    "gzip": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", None),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 20, None),
    "fewer-fields": ("date,open,close\n2020-01-01,1\n2020-01-02,2,3\n", [3.0]),
    "two-value-columns": ("date,a,b\n2020-01-01,1,2\n", None),
}
for _name, (_content, _expected) in CSV_CASES.items():
    case(f"csv/{_name}", "loaders", values(_expected) if _expected else None)(
        csv(_content, f"{_name}.csv")
    )


@case("csv/a-folder", "loaders")
def _():
    (TMP / "dir.csv").mkdir(exist_ok=True)
    return tc.load(f"csv:{TMP / 'dir.csv'}")


case("csv/empty-path", "loaders")(lambda: tc.load("csv:"))
case("csv/tilde-missing", "loaders")(lambda: tc.load("csv:~/no/such/file.csv"))
case("load/series-of-datetimes-backtest", "loaders")(
    lambda: tc.backtest(
        [tc.Naive()], pd.Series(DATES, index=DATES), splitter=tc.WalkForward(initial=200)
    )
)
case("load/object-timedeltas-fit", "loaders")(
    lambda: tc.Drift().fit(pd.Series(list(DATES - DATES[0]), index=DATES, dtype=object))
)
case("load/complex-via-prob-hit", "loaders")(
    lambda: tc.prob_hit(pd.Series(Y.to_numpy() + 0j, index=DATES), level=90.0)
)
case("load/bool-object-fit", "loaders")(
    lambda: tc.Mean().fit(pd.Series([True, 1.0] * 150, index=DATES, dtype=object))
)
case("load/mixed-date-and-numbers", "loaders")(
    lambda: tc.Naive().fit(pd.Series([1.0] * 299 + [DATES[0]], index=DATES, dtype=object))
)
case("load/float32-accepted", "loaders", lambda m: m.y_.dtype == np.float64)(
    lambda: tc.Naive().fit(Y.astype("float32"))
)
case("load/int-accepted", "loaders", lambda m: np.isfinite(m.predict(2).mean).all())(
    lambda: tc.Naive().fit(pd.Series(np.arange(1, 301), index=DATES))
)


# ------------------------------------------------------------------ cache
def tampered(body, rows=None, columns=None, **header):
    frame = pd.DataFrame(
        {"value": [1.0, 2.0]}, index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="date")
    )
    cache.write("fred:DGS10", frame, meta={"kind": "rate"}, merge=False)
    path = cache.path_for("fred:DGS10")
    head = json.loads(path.read_bytes().split(b"\n", 1)[0][len(b"# tickcast-cache ") :])
    data = body.encode()
    head.update(sha256=hashlib.sha256(data).hexdigest(), rows=rows if rows is not None else 2)
    if columns is not None:
        head["columns"] = columns
    head.update(header)
    path.write_bytes(b"# tickcast-cache " + json.dumps(head).encode() + b"\n" + data)
    return tc.load("fred:DGS10", source="cache")


GOOD = "date,value\n2024-01-02,1.0\n2024-01-03,2.0\n"
CACHE_CASES = {
    "nat-date": ("date,value\nNaT,1.0\n2024-01-03,2.0\n", {}),
    "text-value": ("date,value\n2024-01-02,abc\n2024-01-03,2.0\n", {}),
    "extra-column": ("date,value,x\n2024-01-02,1.0,3\n2024-01-03,2.0,4\n", {}),
    "renamed-column": ("date,close\n2024-01-02,1.0\n2024-01-03,2.0\n", {}),
    "rows-mismatch": (GOOD, {"rows": 5}),
    "empty-body": ("date,value\n", {"rows": 0}),
    "version-2": (GOOD, {"version": 2}),
    "other-key": (GOOD, {"key": "fred:DGS2"}),
    "fetched-garbage": (GOOD, {"fetched": "yesterday"}),
    "fetched-naive": (GOOD, {"fetched": "2024-01-04T00:00:00"}),
    "fetched-next-year": (GOOD, {"fetched": "2099-01-01T00:00:00+00:00"}),
    "meta-string": (GOOD, {"meta": "x"}),
    "kind-number": (GOOD, {"meta": {"kind": 3}}),
    "dates-with-time": ("date,value\n2024-01-02 12:00,1.0\n2024-01-02 13:00,2.0\n", {}),
    "reversed-3": ("date,value\n2024-01-04,3\n2024-01-03,2.0\n2024-01-02,1\n", {"rows": 3}),
    "one-nan-row-between": ("date,value\n2024-01-02,1.0\n2024-01-03,\n2024-01-04,2\n", {"rows": 3}),
}
for _name, (_body, _hdr) in CACHE_CASES.items():
    _check = None
    if _name == "fetched-naive":
        _check = values([1.0, 2.0])
    if _name == "dates-with-time":  # two observations of one day: served, as a loader keeps them
        _check = values([1.0, 2.0])
    case(f"cache/{_name}", "cache", _check)(lambda b=_body, h=_hdr: tampered(b, **h))
case("cache/untampered-served", "cache", values([1.0, 2.0]))(lambda: tampered(GOOD))


@case("cache/torn-header", "cache")
def _():
    tampered(GOOD)
    path = cache.path_for("fred:DGS10")
    path.write_bytes(path.read_bytes()[:30])
    return tc.load("fred:DGS10", source="cache")


# ------------------------------------------------------------------ persistence
FIT = tc.Naive().fit(Y)
SAVED = Path(FIT.save(TMP / "naive.npz"))


def edit(fn, name):
    with np.load(SAVED) as f:
        files = {k: f[k] for k in f.files}
    out = TMP / name
    np.savez(out, **fn(files))
    return tc.load_model(out)


def header(**changes):
    def fn(files):
        h = json.loads(str(files["__header__"]))
        h.update(changes)
        return {**files, "__header__": np.array(json.dumps(h))}

    return fn


def raw_member(name, data_fn, out):
    with zipfile.ZipFile(SAVED) as zin, zipfile.ZipFile(TMP / out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data_fn(data) if info.filename == name else data)
    return tc.load_model(TMP / out)


def npy_header(shape, descr="<f8", fortran=False):
    from numpy.lib import format as npy

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buf.getvalue()


def same_forecast(m):
    return np.allclose(m.predict(3).mean, FIT.predict(3).mean)


case("load_model/bytes-path", "persistence")(lambda: tc.load_model(str(SAVED).encode()))
case("load_model/list", "persistence")(lambda: tc.load_model([SAVED]))
case("load_model/tilde-missing", "persistence")(lambda: tc.load_model("~/no/model.npz"))
case("load_model/roundtrip", "persistence", same_forecast)(lambda: tc.load_model(SAVED))
case("load_model/roundtrip-str", "persistence", same_forecast)(lambda: tc.load_model(str(SAVED)))
case("load_model/header-number", "persistence")(
    lambda: edit(lambda f: {**f, "__header__": np.array("42")}, "h1.npz")
)
case("load_model/header-2d", "persistence")(
    lambda: edit(lambda f: {**f, "__header__": np.array([["a"]])}, "h2.npz")
)
case("load_model/class-base", "persistence")(
    lambda: edit(header(**{"class": "Forecaster"}), "c1.npz")
)
case("load_model/class-none", "persistence")(lambda: edit(header(**{"class": None}), "c2.npz"))
case("load_model/unknown-param", "persistence")(
    lambda: edit(header(params={"frobnicate": 1}), "p1.npz")
)
case("load_model/version-huge-int", "persistence")(
    lambda: edit(header(format_version=10**30), "v1.npz")
)
case("load_model/version-negative", "persistence")(
    lambda: edit(header(format_version=-1), "v2.npz")
)
case("load_model/version-null", "persistence")(lambda: edit(header(format_version=None), "v3.npz"))
case("load_model/magic-wrong", "persistence")(lambda: edit(header(magic="x"), "m1.npz"))
case("load_model/negative-shape", "persistence")(
    lambda: raw_member("y_values.npy", lambda d: npy_header((-5,)) + d[128:], "neg.npz")
)
case("load_model/shape-2d-huge", "persistence")(
    lambda: raw_member(
        "y_dates.npy", lambda d: npy_header((10**6, 10**6), "<i8") + d[128:], "h.npz"
    )
)
case("load_model/header-garbage", "persistence")(
    lambda: raw_member(
        "y_values.npy", lambda d: b"\x93NUMPY\x01\x00\x10\x00{garbage}     \n", "g.npz"
    )
)
case("load_model/object-dtype-member", "persistence")(
    lambda: raw_member("y_values.npy", lambda d: npy_header((300,), "|O") + d[128:], "o.npz")
)
case("load_model/fortran-order", "persistence", same_forecast)(
    lambda: raw_member(
        "y_values.npy", lambda d: npy_header((300,), fortran=True) + d[128:], "f.npz"
    )
)
case("load_model/y-values-strings", "persistence")(
    lambda: edit(lambda f: {**f, "y_values": f["y_values"].astype("U8")}, "s.npz")
)
case("load_model/y-values-complex", "persistence", scope="models")(
    lambda: edit(lambda f: {**f, "y_values": f["y_values"] + 1j}, "cx.npz").predict(3)
)
case("load_model/y-values-nan", "persistence", scope="models")(
    lambda: edit(lambda f: {**f, "y_values": f["y_values"] * np.nan}, "nan.npz").predict(3)
)
case("load_model/y-dates-reversed", "persistence", lambda r: False, scope="models")(
    lambda: edit(lambda f: {**f, "y_dates": f["y_dates"][::-1]}, "rev.npz").predict(3)
)
case("load_model/y-dates-duplicated", "persistence", lambda r: False, scope="models")(
    lambda: edit(lambda f: {**f, "y_dates": np.repeat(f["y_dates"][:150], 2)}, "dup.npz").predict(3)
)
case("load_model/not-a-zip", "persistence")(
    lambda: (TMP / "t.npz").write_text("hello") and tc.load_model(TMP / "t.npz")
)
case("save/unfitted", "persistence")(lambda: tc.Naive().save(TMP / "u.npz"))
case("save/over-existing", "persistence", lambda p: Path(p).is_file())(lambda: FIT.save(SAVED))
case("save/into-missing-folders", "persistence", lambda p: Path(p).is_file())(
    lambda: FIT.save(TMP / "a" / "b" / "m")
)
case("save/path-is-folder-name", "persistence", lambda p: p.endswith("folder.npz"))(
    lambda: ((TMP / "folder").mkdir(exist_ok=True), FIT.save(TMP / "folder"))[1]
)
case("save/npz-folder-exists", "persistence")(
    lambda: ((TMP / "x.npz").mkdir(exist_ok=True), FIT.save(TMP / "x.npz"))[1]
)
case("save/empty-string", "persistence")(lambda: FIT.save(""))
case("save/int-path", "persistence")(lambda: FIT.save(5))
case("save/attrs-ndarray", "persistence")(
    lambda: (
        tc.Naive()
        .fit(Y.copy().pipe(lambda s: s.attrs.update(a=np.ones(2)) or s))
        .save(TMP / "a.npz")
    )
)
case("save/attrs-nested-timestamp", "persistence")(
    lambda: (
        tc.Naive()
        .fit(Y.copy().pipe(lambda s: s.attrs.update(a={"t": pd.Timestamp(0)}) or s))
        .save(TMP / "a.npz")
    )
)
case("save/attrs-nan-roundtrip", "persistence", lambda m: np.isnan(m.y_.attrs["x"]))(
    lambda: tc.load_model(
        tc.Naive().fit(Y.copy().pipe(lambda s: s.attrs.update(x=float("nan")) or s)).save(TMP / "n")
    )
)
case("save/arima-roundtrip", "persistence", lambda fc: np.isfinite(fc.mean).all())(
    lambda: tc.load_model(tc.ARIMAForecaster(order=(1, 1, 0)).fit(Y).save(TMP / "ar")).predict(2)
)
case("save/drift-activation-param", "persistence")(
    lambda: (
        tc.RNNForecaster("gru", hidden=2, lookback=3, horizon=1, epochs=1, output_activation=_act())
        .fit(Y)
        .save(TMP / "r")
    )
)


def _act():
    from tickcast.nn.activations import Linear

    return Linear()


# ------------------------------------------------------------------ backtest reports
class Broken(tc.Naive):
    short_name = "broken"

    def _fit(self, y, z, X):
        raise DataError("toy")


SPLIT = tc.WalkForward(initial=250, step=10, horizon=3)
ALLFAIL = tc.backtest([Broken()], Y, splitter=SPLIT, progress=False)
NOLEVEL = tc.backtest([tc.Naive(), tc.Drift()], Y, splitter=SPLIT, progress=False, level=None)
MIXED = tc.backtest([Broken()], {"a": Y, "b": Y * 2}, splitter=SPLIT, progress=False)
HALF = tc.backtest([tc.Naive(), Broken()], {"a": Y, "b": Y * 2}, splitter=SPLIT, progress=False)
for _rname, _res in (
    ("allfail", ALLFAIL),
    ("nolevel", NOLEVEL),
    ("dict-allfail", MIXED),
    ("half", HALF),
):
    _series = _res.series[0]
    for _kind in ("forecasts", "errors", "cssed", "equity", "coverage"):
        case(f"report/{_rname}/plot-{_kind}", "reports", lambda ax: hasattr(ax, "get_title"))(
            lambda r=_res, k=_kind, s=_series: r.plot(k, series=s)
        )
    case(f"report/{_rname}/markdown", "reports", lambda t: isinstance(t, str))(
        lambda r=_res: r.to_markdown()
    )
    case(f"report/{_rname}/html", "reports", lambda p: Path(p).is_file())(
        lambda r=_res, n=_rname: r.to_html(TMP / f"{n}.html")
    )
    case(f"report/{_rname}/summary", "reports", lambda t: isinstance(t, pd.DataFrame))(
        lambda r=_res: r.summary()
    )
    case(f"report/{_rname}/metrics", "reports", lambda t: isinstance(t, pd.DataFrame))(
        lambda r=_res: r.metrics()
    )
    case(f"report/{_rname}/trading", "reports")(lambda r=_res, s=_series: r.trading(series=s))
case("report/plot-unknown-kind", "reports")(lambda: NOLEVEL.plot("pie"))
case("report/plot-step-beyond", "reports")(lambda: NOLEVEL.plot("forecasts", step=9))
case("report/plot-unknown-series", "reports")(lambda: NOLEVEL.plot(series="zzz"))
case("report/html-nested-missing", "reports", lambda p: Path(p).is_file())(
    lambda: NOLEVEL.to_html(TMP / "n1" / "n2" / "r.html")
)
case("report/html-bytes-path", "reports")(lambda: NOLEVEL.to_html(b"/tmp/x.html"))


# ------------------------------------------------------------------ CLI
def cli(*argv, status=None):
    def call():
        (TMP / "extra.csv").write_text("date,close\n2020-01-01,1\n2020-01-02,2,9\n")
        (TMP / "u16.csv").write_bytes("date,close\n2020-01-01,1\n2020-01-02,2\n".encode("utf-16"))
        argv2 = [a.replace("{tmp}", str(TMP)) for a in argv]
        buf_err = io.StringIO()
        old_err, old_out = sys.stderr, sys.stdout
        sys.stderr, sys.stdout = buf_err, io.StringIO()
        try:
            code = main(list(argv2))
        finally:
            sys.stderr, sys.stdout = old_err, old_out
        err = buf_err.getvalue()
        if "Traceback" in err:
            raise RuntimeError(f"traceback in stderr: {err[-300:]}")
        return code, err

    return call


def status_is(*codes):
    return lambda r: (
        r[0] in codes
        and (r[0] == 0 or "tickcast: error:" in r[1] or "usage:" in r[1] or "interrupted" in r[1])
    )


for _cid, _argv, _codes in [
    ("forecast-paths-0", ["forecast", "dbk", "--paths", "0"], (1,)),
    ("forecast-seed-huge", ["forecast", "dbk", "--seed", str(2**70), "--horizon", "3"], (0,)),
    ("forecast-prob-nan", ["forecast", "dbk", "--horizon", "3", "--prob-below", "nan"], (1,)),
    ("forecast-prob-inf", ["forecast", "dbk", "--horizon", "3", "--prob-above", "inf"], (1,)),
    ("forecast-every-equals-horizon", ["forecast", "dbk", "--horizon", "5", "--every", "5"], (0,)),
    ("forecast-horizon-10000", ["forecast", "dbk", "--horizon", "10001"], (1,)),
    ("forecast-window-0Y", ["forecast", "dbk", "--window", "0Y"], (1,)),
    ("forecast-window-abc", ["forecast", "dbk", "--window", "abc"], (1,)),
    ("forecast-start-after-end", ["forecast", "dbk", "--start", "2020", "--end", "2019"], (1,)),
    ("forecast-start-and-window", ["forecast", "dbk", "--start", "2019", "--window", "1Y"], (1,)),
    ("forecast-csv-extra-field", ["forecast", "csv:{tmp}/extra.csv"], (1,)),
    ("forecast-csv-utf16", ["forecast", "csv:{tmp}/u16.csv", "--horizon", "2"], (1,)),
    ("forecast-level-negative", ["forecast", "dbk", "--level", "-5"], (1,)),
    ("forecast-kind-bad", ["forecast", "dbk", "--kind", "bond"], (2,)),
    ("backtest-jobs-0", ["backtest", "dbk", "--models", "naive", "--jobs", "0"], (1,)),
    (
        "backtest-max-origins-0",
        ["backtest", "dbk", "--models", "naive", "--max-origins", "0"],
        (1,),
    ),
    ("backtest-refit-0", ["backtest", "dbk", "--models", "naive", "--refit-every", "0"], (1,)),
    (
        "backtest-initial-negative",
        ["backtest", "dbk", "--models", "naive", "--initial", "-1"],
        (1,),
    ),
    ("backtest-models-empty", ["backtest", "dbk", "--models", ","], (1,)),
    (
        "backtest-models-duplicate",
        ["backtest", "dbk", "--models", "naive,naive", "--step", "200"],
        (0, 1),
    ),
    (
        "backtest-out-is-file",
        ["backtest", "dbk", "--models", "naive", "--out", "{tmp}/extra.csv"],
        (2,),
    ),
    (
        "backtest-all-fail",
        [
            "backtest",
            "dbk",
            "--models",
            "linear",
            "--initial",
            "5",
            "--horizon",
            "1",
            "--step",
            "2000",
        ],
        (1,),
    ),
    (
        "backtest-horizon-huge",
        ["backtest", "dbk", "--models", "naive", "--horizon", "1000000"],
        (1,),
    ),
    ("data-show-tail-negative", ["data", "show", "dbk", "--tail", "-1"], (0, 1)),
    ("data-download-out-proc", ["data", "download", "dbk", "--out", "/proc/nope/x.csv"], (1,)),
    ("data-show-utf16", ["data", "show", "csv:{tmp}/u16.csv"], (0,)),
    ("data-show-extra-field", ["data", "show", "csv:{tmp}/extra.csv"], (1,)),
]:
    case(f"cli/{_cid}", "cli", status_is(*_codes))(cli(*_argv))


# ------------------------------------------------------------------ out of scope (models/engine)
case("models/naive-seed-negative", "models", lambda fc: np.isfinite(fc.mean).all(), scope="models")(
    lambda: tc.Naive(seed=-1).fit(Y).predict(3)
)
case("models/exog-complex-column", "models", lambda m: False, scope="models")(
    lambda: tc.LinearForecaster(lags=2, horizon=1).fit(
        Y, pd.DataFrame({"x": np.ones(300) + 1j}, index=DATES)
    )
)
case(
    "models/exog-bool-dummy",
    "models",
    lambda m: np.isfinite(m.predict(1, _FUT).mean).all(),
    scope="models",
)(
    lambda: tc.LinearForecaster(lags=2, horizon=1).fit(
        Y, pd.DataFrame({"x": np.arange(300) % 2 == 0}, index=DATES)
    )
)
_FUT = pd.DataFrame({"x": [True]}, index=pd.bdate_range(DATES[-1], periods=2)[1:])
case("models/simulate-seed-string", "models", scope="models")(lambda: FIT.simulate(3, 10, seed="a"))
case("models/simulate-seed-float", "models", scope="models")(lambda: FIT.simulate(3, 10, seed=1.5))
case("models/simulate-seed-negative", "models", scope="models")(
    lambda: FIT.simulate(3, 10, seed=-2)
)
case("models/exog-datetime-column", "models", scope="models")(
    lambda: tc.LinearForecaster(lags=2, horizon=1).fit(Y, pd.DataFrame({"x": DATES}, index=DATES))
)
case("models/arima-update-negative-price", "models", lambda r: False, scope="models")(
    lambda: tc.ARIMAForecaster(order=(1, 1, 0)).fit(Y.iloc[:250]).update(_negative_tail())
)


def _negative_tail():
    tail = Y.iloc[250:].copy()
    tail.iloc[10] = -5.0
    return tail


# ------------------------------------------------------------------ models, second pass
ARIMA = tc.ARIMAForecaster(order=(1, 1, 1)).fit(Y)
LIN_X = tc.LinearForecaster(lags=2, horizon=1).fit(
    Y, pd.DataFrame({"x": np.random.default_rng(2).normal(size=300)}, index=DATES)
)
NEXT = pd.bdate_range(DATES[-1], periods=6)[1:]


def finite(fc):
    return bool(np.isfinite(fc.mean).all() and np.isfinite(fc.quantiles.to_numpy()).all())


def new_values(values, dtype=None):
    return pd.Series(values, index=NEXT[: len(values)], dtype=dtype, name="w")


def saved(model, name, fn):
    path = Path(model.save(TMP / f"{name}-src.npz"))
    with np.load(path) as f:
        files = {k: f[k] for k in f.files}
    np.savez(TMP / name, **fn(files))
    return lambda: tc.load_model(TMP / name)


def state(**changes):
    def fn(files):
        return {**files, **{f"state.{k}": v(files[f"state.{k}"]) for k, v in changes.items()}}

    return fn


def width_ratio_to_naive(factor, order=(1, 1, 1), n=500):
    y = tc.load("dgs10").iloc[-n:] * factor
    y.attrs["kind"] = "rate"
    a = tc.ARIMAForecaster(order=order).fit(y).predict(10, level=95)
    b = tc.Naive().fit(y).predict(10, level=95)
    return float((a.upper(95) - a.lower(95)).iloc[-1] / (b.upper(95) - b.lower(95)).iloc[-1])


def tiny_vol_price():
    rng = np.random.default_rng(3)
    return pd.Series(
        100 * np.exp(np.cumsum(rng.normal(0, 1e-7, 400))), index=pd.bdate_range("2020", periods=400)
    ).pipe(lambda s: s.attrs.update(kind="price") or s)


M2 = "models2"
for _cid, _call in {
    "naive-seed-true": lambda: tc.Naive(seed=True).fit(Y),
    "drift-seed-string": lambda: tc.Drift(seed="1").fit(Y),
    "mean-seed-negative-numpy": lambda: tc.Mean(seed=np.int64(-4)).fit(Y),
    "snaive-seed-generator": lambda: tc.SeasonalNaive(seed=np.random.default_rng(0)).fit(Y),
    "linear-seed-list": lambda: tc.LinearForecaster(seed=[1]).fit(Y),
    "rnn-seed-none": lambda: tc.RNNForecaster(seed=None, epochs=1).fit(Y),
    "simulate-seed-true": lambda: FIT.simulate(3, 10, seed=True),
    "simulate-seed-huge-horizon": lambda: FIT.simulate(10**6, 1000),
    "simulate-arima-1e10": lambda: ARIMA.simulate(10, 10**10),
    "linear-lags-true": lambda: tc.LinearForecaster(lags=True).fit(Y),
    "linear-alpha-inf": lambda: tc.LinearForecaster(alpha=float("inf")).fit(Y),
    "linear-alpha-string": lambda: tc.LinearForecaster(alpha="1").fit(Y),
    "arima-order-two": lambda: tc.ARIMAForecaster(order=(1, 1)).fit(Y),
    "arima-order-negative": lambda: tc.ARIMAForecaster(order=(1, -1, 0)).fit(Y),
    "arima-seasonal-period-1": lambda: tc.ARIMAForecaster(seasonal_order=(1, 0, 0, 1)).fit(Y),
    "arima-max-p-float": lambda: tc.ARIMAForecaster(max_p=1.5).fit(Y),
    "arima-ic-upper": lambda: tc.ARIMAForecaster(information_criterion="AIC").fit(Y),
    "rnn-lr-negative": lambda: tc.RNNForecaster(lr=-1.0).fit(Y),
    "rnn-patience-float": lambda: tc.RNNForecaster(patience=0.5).fit(Y),
    "rnn-warm-start-string": lambda: tc.RNNForecaster(warm_start="no").fit(Y),
    "backtest-linear-alpha-negative": lambda: tc.backtest(
        [tc.LinearForecaster(alpha=-1)], Y, splitter=tc.WalkForward(initial=200), progress=False
    ),
    "update-inf": lambda: FIT.update(new_values([100.0, np.inf])),
    "update-complex": lambda: FIT.update(new_values([100.0 + 1j, 101.0])),
    "update-datetimes": lambda: FIT.update(new_values(list(NEXT[:2]))),
    "update-strings": lambda: FIT.update(new_values(["a", "b"], dtype=object)),
    "update-empty": lambda: FIT.update(new_values([], dtype=float)),
    "update-arima-zero": lambda: ARIMA.update(new_values([100.0, 0.0, 101.0])),
    "update-arima-unsorted": lambda: ARIMA.update(new_values([100.0, 101.0]).iloc[::-1]),
    "update-linear-x-nan": lambda: LIN_X.update(
        new_values([100.0]), pd.DataFrame({"x": [np.nan]}, index=NEXT[:1])
    ),
    "load-arima-seasonal-negative": saved(
        ARIMA, "s1.npz", state(seasonal_order=lambda a: np.array([-1, 0, 0, 0]))
    ),
    "load-arima-trend-zz": saved(ARIMA, "s2.npz", state(trend=lambda a: np.array("zz"))),
    "load-arima-extra-param": saved(ARIMA, "s3.npz", state(params=lambda p: np.r_[p, 0.1])),
    "load-arima-ma-not-invertible": saved(
        ARIMA, "s4.npz", state(params=lambda p: np.r_[p[0], -1.0, p[2]])
    ),
    "load-arima-sigma2-negative": saved(
        ARIMA, "s5.npz", state(params=lambda p: np.r_[p[:-1], -p[-1]])
    ),
    "load-arima-params-2d": saved(ARIMA, "s6.npz", state(params=lambda p: p[None, :])),
    "load-linear-x-nan": saved(
        LIN_X, "s7.npz", lambda f: {**f, "x_values": f["x_values"] * np.nan}
    ),
    "load-linear-n-windows-off": saved(LIN_X, "s8.npz", state(n_windows=lambda a: a + 5)),
    "load-header-alpha-negative": saved(
        tc.LinearForecaster(lags=2, horizon=1).fit(Y),
        "s9.npz",
        header(params={"lags": 2, "horizon": 1, "alpha": -1.0}),
    ),
    "load-header-kind-bogus": saved(FIT, "s10.npz", header(params={"kind": "bogus"})),
    "load-header-target-edited": saved(FIT, "s11.npz", header(target="diff")),
    "load-y-attrs-kind-rate": saved(FIT, "s12.npz", header(y_attrs={"kind": "rate"})),
}.items():
    case(f"models2/{_cid}", M2, lambda r: False)(_call)

for _cid, (_call, _check) in {
    "naive-seed-numpy-int": (lambda: tc.Naive(seed=np.int64(3)).fit(Y).predict(3), finite),
    "naive-seed-none": (lambda: tc.Naive(seed=None).fit(Y).predict(3), finite),
    "linear-horizon-numpy": (
        lambda: tc.LinearForecaster(lags=2, horizon=np.int64(2)).fit(Y).predict(2),
        finite,
    ),
    "arima-order-list": (lambda: tc.ARIMAForecaster(order=[1, 1, 0]).fit(Y).predict(2), finite),
    "mean-window-numpy": (lambda: tc.Mean(window=np.int32(5)).fit(Y).predict(2), finite),
    "simulate-generator": (
        lambda: FIT.simulate(3, 10, seed=np.random.default_rng(1)),
        lambda p: p.shape == (10, 3),
    ),
    "update-then-roundtrip": (
        lambda: tc.load_model(
            tc.ARIMAForecaster(order=(1, 1, 0))
            .fit(Y.iloc[:250])
            .update(Y.iloc[250:])
            .save(TMP / "upd.npz")
        ).predict(3),
        finite,
    ),
    "arima-width-1e-8": (lambda: width_ratio_to_naive(1e-8), lambda r: 0.5 < r < 2),
    "arima-width-1e-12": (lambda: width_ratio_to_naive(1e-12), lambda r: 0.5 < r < 2),
    "arima-width-1e12": (lambda: width_ratio_to_naive(1e12), lambda r: 0.5 < r < 2),
    "arima-width-auto-1e-8": (
        lambda: width_ratio_to_naive(1e-8, order=None, n=300),
        lambda r: 0.5 < r < 2,
    ),
    "arima-tiny-vol-price": (
        lambda: tc.ARIMAForecaster(order=(1, 1, 0)).fit(tiny_vol_price()).predict(5, level=95),
        lambda fc: finite(fc) and float(fc.upper(95).iloc[-1] / fc.lower(95).iloc[-1]) < 1 + 1e-5,
    ),
}.items():
    case(f"models2/{_cid}", M2, _check)(_call)


# ------------------------------------------------------------------ run
def _alarm(signum, frame):
    raise TimeoutError("hang (20 s)")


def run() -> int:
    signal.signal(signal.SIGALRM, _alarm)
    outcome = Counter()
    failures = []
    for cid, area, call, check, scope in CASES:
        signal.alarm(20)
        try:
            result = call()
            ok = check(result) if check is not None else None
            if check is None:
                verdict, why = "held", "accepted (no check)"
            else:
                verdict, why = ("held", "correct") if ok else ("failed", "wrong result")
        except TickcastError as exc:
            verdict, why = "held", f"{type(exc).__name__}: {' '.join(str(exc).split())[:110]}"
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            where = traceback.extract_tb(exc.__traceback__)[-1]
            verdict = "failed"
            place = f"{Path(where.filename).name}:{where.lineno}"
            why = f"{type(exc).__name__}: {str(exc)[:90]} ({place})"
        finally:
            signal.alarm(0)
        outcome[area, scope, verdict] += 1
        print(f"{verdict:6} [{area}/{scope}] {cid}: {why}")
        if verdict == "failed":
            failures.append((cid, scope, why))
    print("\ncounts (area, scope, outcome):")
    for key, n in sorted(outcome.items()):
        print(f"  {key}: {n}")
    total = sum(outcome.values())
    held = sum(n for (a, s, v), n in outcome.items() if v == "held")
    print(f"total {total}: held {held}, failed {total - held}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
