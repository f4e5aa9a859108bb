"""Benchmark: interval calibration and CRPS per volatility model (issue 12, targets).

**Targets.** For each of the eight bundled series, fitted on all history before the last
1,000 days and judged on them (``WalkForward(initial=len(y) - 1000, step=5, horizon=H,
refit_every=R)``), H in {5, 20}: Naive, Linear (default settings) and ARIMA (default order
search; refits every ``R`` observations, default 250 to keep the run short), each with
``volatility`` = "constant", "ewma" (reverting to the long-run variance, the estimated
half-life), "ewma_flat" (RiskMetrics' flat forecast, ``half_life=inf``: the old "ewma") and
"garch". Coverage of the 80 % and 95 % intervals, pooled over steps, and the CRPS in the
series' units, on the backtest's default 19-quantile grid 0.05, 0.10, ..., 0.95
(``quantiles="auto"``; ``tickcast.backtest.calibration.frame_crps``). The intervals at levels
20, 40, 60, 80, 90, 95 and 98 are recorded too.

The targets of the issue, for the default (``DEFAULT_VOLATILITY`` per kind of series):
|coverage - 0.80| <= 0.05, |coverage - 0.95| <= 0.03, and a CRPS no worse than constant on at
least seven of the eight series. Everything is printed; nothing is asserted.

**Long horizons** (``--long``, the evidence for reverting volatility): Naive, one-year
horizon (``--long-horizon``, default 250 steps) from origins every 20 days over the last
2,500 days, fitted on all history before them (refit every 250): coverage of the 80 % and
95 % intervals at the last step and pooled over steps, and CRPS, per volatility model.

Run:
    nice python benchmarks/bench_calibration.py                 # ~5 min (2 busy cores)
    nice python benchmarks/bench_calibration.py --series dbk,dgs10 --out /tmp/cal.csv
    nice python benchmarks/bench_calibration.py --long --horizons ""  # one-year only, ~10 min
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

import tickcast as tc
import tickcast.models.volatility as volmod
from tickcast.models.volatility import DEFAULT_VOLATILITY

SERIES = ("sp500", "msft", "dax", "dbk", "dgs10", "dgs2", "dgs3mo", "wti")
VARIANTS = ("constant", "ewma", "ewma_flat", "garch")
LEVELS = (20, 40, 60, 80, 90, 95, 98)


@contextlib.contextmanager
def flat_ewma() -> Iterator[None]:
    """Within the block, every EWMA fit keeps RiskMetrics' flat forecast (half_life=inf)."""
    original = volmod.fit_volatility

    def fit(steps: np.ndarray, kind: str, **kw: float | None) -> volmod.VolatilityFit:
        return original(steps, kind, **{**kw, "half_life": np.inf})

    volmod.fit_volatility = fit  # type: ignore[assignment]
    try:
        yield
    finally:
        volmod.fit_volatility = original


def models(volatility: str, which: tuple[str, ...]) -> list:
    vol = "ewma" if volatility == "ewma_flat" else volatility
    make = {
        "naive": lambda: tc.Naive(volatility=vol),
        "linear": lambda: tc.LinearForecaster(volatility=vol),
        "arima": lambda: tc.ARIMAForecaster(volatility=vol),
    }
    return [make[m]() for m in which]


def _backtest(vol: str, which: tuple[str, ...], y: pd.Series, split: tc.WalkForward):
    ctx = flat_ewma() if vol == "ewma_flat" else contextlib.nullcontext()
    with warnings.catch_warnings(), ctx:
        warnings.simplefilter("ignore")
        return tc.backtest(models(vol, which), y, splitter=split, level=LEVELS)


def run(series: list[str], horizons: list[int], refit_every: int) -> pd.DataFrame:
    rows = []
    for name in series:
        y = tc.load(name)
        kind = y.attrs.get("kind")
        for h in horizons:
            split = tc.WalkForward(
                initial=len(y) - 1000, step=5, horizon=h, refit_every=refit_every
            )
            for vol in VARIANTS:
                t0 = time.perf_counter()
                res = _backtest(vol, ("naive", "linear", "arima"), y, split)
                for model, r in res.metrics().iterrows():
                    rows.append(
                        {
                            "series": name,
                            "kind": kind,
                            "horizon": h,
                            "model": model,
                            "volatility": vol,
                            "coverage_80": r["coverage_80"],
                            "coverage_95": r["coverage_95"],
                            "crps": r["crps"],
                            "seconds": time.perf_counter() - t0,
                        }
                    )
                print(f"  {name} h={h} {vol}: {time.perf_counter() - t0:.0f} s", flush=True)
    return pd.DataFrame(rows)


def run_long(series: list[str], horizon: int) -> pd.DataFrame:
    """Naive over one-year horizons: coverage at the last step and pooled, CRPS."""
    rows = []
    for name in series:
        y = tc.load(name)
        split = tc.WalkForward(initial=len(y) - 2500, step=20, horizon=horizon, refit_every=250)
        for vol in VARIANTS:
            t0 = time.perf_counter()
            res = _backtest(vol, ("naive",), y, split)
            f = res.forecasts
            last = f[f["step"] == horizon]
            row = {"series": name, "volatility": vol, "n_origins": len(last)}
            for lv in (80, 95):
                hit = (f["y_true"] >= f[f"lower_{lv}"]) & (f["y_true"] <= f[f"upper_{lv}"])
                row[f"cov{lv}_pooled"] = hit.mean()
                row[f"cov{lv}_last"] = hit[f["step"] == horizon].mean()
            row["crps"] = res.metrics()["crps"].iloc[0]
            rows.append(row)
            print(f"  long {name} {vol}: {time.perf_counter() - t0:.0f} s", flush=True)
    return pd.DataFrame(rows)


def table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per series x horizon x model: each volatility's coverage and CRPS side by side."""
    wide = df.pivot_table(
        index=["series", "kind", "horizon", "model"],
        columns="volatility",
        values=["coverage_80", "coverage_95", "crps"],
    )
    wide.columns = [f"{v}_{c.replace('coverage_', 'cov')}" for c, v in wide.columns]
    return wide[[c for m in ("cov80", "cov95", "crps") for c in wide.columns if c.endswith(m)]]


def default_table(df: pd.DataFrame, default: dict[str, str]) -> pd.DataFrame:
    """The default's coverage and CRPS beside constant's, with each target met or not."""
    out = []
    for (name, h, model), s in df.groupby(["series", "horizon", "model"], sort=False):
        d = s[s["volatility"] == default[s["kind"].iloc[0]]].iloc[0]
        c = s[s["volatility"] == "constant"].iloc[0]
        out.append(
            {
                "series": name,
                "h": h,
                "model": model,
                "default": d["volatility"],
                "cov80": d["coverage_80"],
                "ok80": abs(d["coverage_80"] - 0.80) <= 0.05,
                "const_cov80": c["coverage_80"],
                "cov95": d["coverage_95"],
                "ok95": abs(d["coverage_95"] - 0.95) <= 0.03,
                "const_cov95": c["coverage_95"],
                "crps_vs_const": d["crps"] / c["crps"],
                "ok_crps": d["crps"] <= c["crps"] * (1 + 1e-9),
            }
        )
    return pd.DataFrame(out).sort_values(["h", "model", "series"])


def targets(df: pd.DataFrame, default: dict[str, str]) -> pd.DataFrame:
    """Per horizon x model: series meeting each target for the default volatility."""
    out = []
    for (h, model), g in df.groupby(["horizon", "model"]):
        hits80 = hits95 = better = 0
        for _name, s in g.groupby("series"):
            d = s[s["volatility"] == default[s["kind"].iloc[0]]].iloc[0]
            c = s[s["volatility"] == "constant"].iloc[0]
            hits80 += abs(d["coverage_80"] - 0.80) <= 0.05
            hits95 += abs(d["coverage_95"] - 0.95) <= 0.03
            better += d["crps"] <= c["crps"] * (1 + 1e-9)
        n = g["series"].nunique()
        out.append(
            {
                "horizon": h,
                "model": model,
                "cov80_ok": f"{hits80}/{n}",
                "cov95_ok": f"{hits95}/{n}",
                "crps_le_constant": f"{better}/{n}",
            }
        )
    return pd.DataFrame(out)


def verdict(d: pd.DataFrame) -> str:
    """The issue's targets in words: every coverage cell, and CRPS on >= 7 of 8 series."""
    lines = []
    for level in ("80", "95"):
        ok = d[f"ok{level}"]
        misses = ", ".join(
            f"{r.model} {r.series} h{r.h} {r[f'cov{level}']:.3f}" for _, r in d[~ok].iterrows()
        )
        lines.append(
            f"coverage {level} %: {int(ok.sum())}/{len(ok)} cells within tolerance"
            + (f" (misses: {misses})" if misses else " (met)")
        )
    per = d.groupby(["h", "model"])["ok_crps"].agg(["sum", "size"])
    need = np.ceil(per["size"] * 7 / 8)  # seven of the eight series
    short = per[per["sum"] < need]
    lines.append(
        f"CRPS no worse than constant on >= 7/8 series: {len(per) - len(short)}/{len(per)} "
        "model x horizon rows"
        + (
            " (short: " + ", ".join(f"{m} h{h}" for h, m in short.index) + ")"
            if len(short)
            else " (met)"
        )
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default=",".join(SERIES))
    ap.add_argument("--horizons", default="5,20")
    ap.add_argument("--refit-every", type=int, default=250)
    ap.add_argument("--long", action="store_true", help="also the one-year Naive evidence")
    ap.add_argument("--long-horizon", type=int, default=250)
    ap.add_argument("--out", default=None, help="write the raw rows to this CSV")
    ap.add_argument("--from-csv", default=None, help="print the tables of a previous run")
    args = ap.parse_args()
    series = args.series.split(",")
    horizons = [int(h) for h in args.horizons.split(",") if h]
    pd.set_option("display.width", 250, "display.max_columns", 30, "display.max_rows", 500)
    if args.from_csv:
        df = pd.read_csv(args.from_csv)
    elif horizons:
        df = run(series, horizons, args.refit_every)
        if args.out:
            df.to_csv(args.out, index=False)
    else:
        df = None
    if df is not None:
        print("\nCoverage (nominal 0.80 / 0.95) and CRPS (series units) per volatility model")
        print(table(df).round(4).to_string())
        print(f"\nThe default {DEFAULT_VOLATILITY} beside constant volatility, per target:")
        per_cell = default_table(df, DEFAULT_VOLATILITY)
        print(per_cell.round(3).to_string(index=False))
        print(f"\nTargets for the default {DEFAULT_VOLATILITY} (of the series):")
        print(targets(df, DEFAULT_VOLATILITY).to_string(index=False))
        print("\n" + verdict(per_cell))
        for vol in VARIANTS:
            print(f"\nTargets if the default were {vol!r} for every kind:")
            print(targets(df, {"price": vol, "rate": vol}).to_string(index=False))
    if args.long:
        long = run_long(series, args.long_horizon)
        if args.out:
            long.to_csv(args.out.replace(".csv", "_long.csv"), index=False)
        print(f"\nNaive, {args.long_horizon}-step horizons, origins every 20 days over the last")
        print("2,500 days: coverage at the last step and pooled over steps, CRPS")
        print(long.round(3).to_string(index=False))
        means = long.groupby("volatility")[["cov80_last", "cov95_last"]]
        err = means.agg(lambda c: np.mean(np.abs(c - (0.80 if "80" in c.name else 0.95))))
        print("\nMean |coverage - nominal| at the last step, over the series:")
        print(err.round(3).to_string())


if __name__ == "__main__":
    main()
